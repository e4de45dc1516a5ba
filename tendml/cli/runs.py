"""``tendml runs``: list and show tracked runs."""

from __future__ import annotations

from typing import Annotated

import typer

from tendml.cli._context import open_workspace
from tendml.cli._output import JsonFlag, fields, run_command, table
from tendml.entities import Run

app = typer.Typer(help="Tracked runs.", no_args_is_help=True)


@app.command("ls")
def runs_ls(
    ctx: typer.Context,
    experiment: Annotated[
        str | None, typer.Option("--experiment", "-e", help="Only this experiment.")
    ] = None,
    status: Annotated[str | None, typer.Option(help="RUNNING, FINISHED, FAILED or KILLED.")] = None,
    limit: Annotated[int, typer.Option(min=1)] = 50,
    as_json: JsonFlag = False,
) -> None:
    """List runs, newest first."""
    run_command(
        lambda: open_workspace(ctx).tracker.list_runs(
            experiment=experiment, status=_status(status), limit=limit
        ),
        as_json,
        lambda runs: table(
            "Runs",
            ["id", "experiment", "name", "status", "user", "started", "commit", "metrics"],
            [
                (r.id, r.experiment, r.name, r.status, r.user, r.start_time, _commit(r), r.metrics)
                for r in runs
            ],
        ),
    )


@app.command("show")
def runs_show(ctx: typer.Context, run_id: str, as_json: JsonFlag = False) -> None:
    """Show one run with its params, metrics, tags, artifacts and environment."""
    run_command(lambda: open_workspace(ctx).tracker.get_run(run_id), as_json, _show)


def _show(r: Run) -> None:
    env = r.environment
    fields(
        f"Run {r.id}",
        [
            ("experiment", r.experiment),
            ("name", r.name),
            ("status", r.status),
            ("user", r.user),
            ("started", r.start_time),
            ("ended", r.end_time),
            ("commit", _commit(r)),
            ("branch", env.git_branch),
            ("source", env.source),
            ("python", env.python_version),
            ("params", r.params),
            ("metrics", r.metrics),
            ("tags", r.tags),
            ("artifacts", [f"{a.path} ({a.size} B)" for a in r.artifacts]),
            ("inputs", r.inputs),
        ],
    )


def _commit(r: Run) -> str | None:
    commit = r.environment.git_commit
    if commit is None:
        return None
    return commit[:12] + (" (dirty)" if r.environment.git_dirty else "")


def _status(value: str | None) -> str | None:
    return value.upper() if value else None
