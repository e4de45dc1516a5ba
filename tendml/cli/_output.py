"""Rendering for the CLI: Rich tables for people, JSON for scripts, one-line errors."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Annotated, Any

import orjson
import typer
from rich.console import Console
from rich.table import Table

from tendml.core.errors import TendmlError
from tendml.entities import jsonable

JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON for scripts instead of a table.")]
# Pipes get a wide page rather than Rich's 80 columns, so tables stay readable in logs.
_WIDTH = shutil.get_terminal_size((140, 40)).columns
console = Console(width=_WIDTH if not sys.stdout.isatty() else None)
err_console = Console(stderr=True)


def emit_json(value: Any) -> None:
    """Write ``value`` (entities included) as JSON to stdout."""
    sys.stdout.write(
        orjson.dumps(jsonable(value), option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS).decode()
    )
    sys.stdout.write("\n")


def table(title: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """Print a Rich table."""
    out = Table(title=title, title_justify="left", header_style="bold")
    for column in columns:
        out.add_column(column, overflow="fold")
    for row in rows:
        out.add_row(*(cell(v) for v in row))
    console.print(out)


def fields(title: str, pairs: Iterable[tuple[str, Any]]) -> None:
    """Print key/value pairs as a two-column table."""
    out = Table(title=title, title_justify="left", show_header=False)
    out.add_column(style="bold")
    out.add_column(overflow="fold")
    for key, value in pairs:
        out.add_row(key, cell(value))
    console.print(out)


def cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, dict):
        return ", ".join(f"{k}={cell(v)}" for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return ", ".join(cell(v) for v in value)
    return str(getattr(value, "value", value))


def run_command(
    action: Callable[[], Any],
    as_json: bool,
    show: Callable[[Any], None],
    *,
    to_json: Callable[[Any], Any] | None = None,
) -> None:
    """Run ``action``; print its result as JSON (``to_json(result)`` if given) or with ``show``; turn
    tendml errors into exit code 1."""
    try:
        result = action()
    except TendmlError as exc:
        if as_json:
            emit_json({"error": exc.to_dict()})
        err_console.print(f"[red]error:[/red] {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None
    if as_json:
        emit_json(result if to_json is None else to_json(result))
    else:
        show(result)
