"""``tendml datasets``: list and show dataset versions."""

from __future__ import annotations

from typing import Annotated

import typer

from tendml.cli._context import open_workspace
from tendml.cli._output import JsonFlag, fields, run_command, table
from tendml.entities import DatasetVersion, NumericProfile

app = typer.Typer(help="Versioned datasets.", no_args_is_help=True)


@app.command("ls")
def datasets_ls(
    ctx: typer.Context,
    name: Annotated[str | None, typer.Option(help="Name, '*' as wildcard.")] = None,
    limit: Annotated[int, typer.Option(min=1)] = 50,
    as_json: JsonFlag = False,
) -> None:
    """List dataset versions, newest first."""
    run_command(
        lambda: open_workspace(ctx).datasets.search(name=name, limit=limit),
        as_json,
        lambda items: table(
            "Datasets",
            ["dataset", "rows", "columns", "hash", "created", "by"],
            [(d.ref, d.rows, len(d.schema), d.content_hash[:12], d.created_at, d.created_by) for d in items],
        ),
    )


@app.command("show")
def datasets_show(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="NAME or NAME@VERSION.")],
    as_json: JsonFlag = False,
) -> None:
    """Show a dataset version's schema and profile."""
    name, _, version = ref.partition("@")
    run_command(
        lambda: open_workspace(ctx).datasets.get(name, int(version) if version.isdigit() else None),
        as_json,
        _show,
    )


def _show(d: DatasetVersion) -> None:
    fields(
        f"Dataset {d.ref}",
        [
            ("rows", d.rows),
            ("content hash", d.content_hash),
            ("blob", d.digest),
            ("source", d.source),
            ("created", d.created_at),
            ("by", d.created_by),
        ],
    )
    rows = []
    for c in d.schema:
        p = d.profile.get(c.name)
        if isinstance(p, NumericProfile):
            summary = (
                f"mean {p.mean:.4g}, std {p.std:.4g}, [{p.min:.4g}, {p.max:.4g}]" if p.count else "empty"
            )
        elif p is not None:
            summary = ", ".join(f"{v}: {n}" for v, n in p.top[:3]) + (
                f" (+{p.distinct - 3})" if p.distinct > 3 else ""
            )
        else:
            summary = ""
        rows.append((c.name, c.type, c.kind, c.nullable, p.nulls if p else None, summary))
    table("Columns", ["column", "type", "kind", "nullable", "nulls", "profile"], rows)
