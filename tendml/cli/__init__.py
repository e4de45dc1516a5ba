"""The ``tendml`` command line (Typer + Rich); every command takes ``--json``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from tendml.cli import datasets, db, models, monitor, report, runs
from tendml.cli.lineage import lineage
from tendml.cli.serve import serve

app = typer.Typer(
    name="tendml",
    help="Keep machine-learning models healthy in production.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@app.callback()
def _root(
    ctx: typer.Context,
    home: Annotated[
        Path | None,
        typer.Option(
            "--home", envvar="TENDML_HOME", help="Folder of the embedded store (default ./.tendml)."
        ),
    ] = None,
) -> None:
    ctx.obj = {"home": home}


app.command("init")(db.init)
app.add_typer(db.app, name="db")
app.add_typer(runs.app, name="runs")
app.add_typer(datasets.app, name="datasets")
app.add_typer(models.app, name="models")
app.command("lineage")(lineage)
app.command("serve")(serve)
app.add_typer(report.app, name="report")
app.add_typer(monitor.app, name="monitor")


def main() -> None:
    """Entry point of the ``tendml`` script."""
    app()
