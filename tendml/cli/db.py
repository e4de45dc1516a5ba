"""``tendml init`` and ``tendml db``: create and migrate the metadata store."""

from __future__ import annotations

from typing import Annotated

import typer

from tendml.cli._context import open_workspace
from tendml.cli._output import JsonFlag, console, run_command
from tendml.store import current_revision, head_revision, upgrade

app = typer.Typer(help="The metadata store's schema.", no_args_is_help=True)


def init(ctx: typer.Context, as_json: JsonFlag = False) -> None:
    """Create the metadata store and the artifact folder, applying every migration."""

    def action() -> dict[str, str]:
        ws = open_workspace(ctx)
        ws.store.upgrade_once()
        ws.artifacts.initialize()
        return {
            "database": ws.store.engine.url.render_as_string(hide_password=True),
            "artifacts": ws.settings.artifacts_url,
            "revision": head_revision(),
            "user": ws.settings.user,
        }

    run_command(
        action,
        as_json,
        lambda r: console.print(
            f"tendml is ready\n  database   {r['database']}\n  artifacts  {r['artifacts']}\n"
            f"  schema     {r['revision']}\n  user       {r['user']}"
        ),
    )


@app.command("upgrade")
def db_upgrade(
    ctx: typer.Context,
    revision: Annotated[str, typer.Option(help="Target revision.")] = "head",
    as_json: JsonFlag = False,
) -> None:
    """Apply pending migrations."""

    def action() -> dict[str, str | None]:
        engine = open_workspace(ctx).store.engine
        before, after = upgrade(engine, revision)
        return {"from": before, "to": after}

    run_command(
        action,
        as_json,
        lambda r: console.print(
            f"schema at {r['to']}" + ("" if r["from"] == r["to"] else f" (was {r['from'] or 'empty'})")
        ),
    )


@app.command("current")
def db_current(ctx: typer.Context, as_json: JsonFlag = False) -> None:
    """Show the schema revision of the database and the newest one known."""

    def action() -> dict[str, str | None]:
        engine = open_workspace(ctx).store.engine
        return {"current": current_revision(engine), "head": head_revision()}

    run_command(
        action, as_json, lambda r: console.print(f"current {r['current'] or 'empty'}, head {r['head']}")
    )
