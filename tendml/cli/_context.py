"""The workspace a CLI command works on, from the global options and the environment."""

from __future__ import annotations

from pathlib import Path

import typer

from tendml.workspace import Workspace, connect


def open_workspace(ctx: typer.Context) -> Workspace:
    """The workspace named by ``--home`` (or the settings), opened once per command."""
    state = ctx.find_root().obj or {}
    ws = state.get("workspace")
    if ws is None:
        home: Path | None = state.get("home")
        ws = connect(home)
        state["workspace"] = ws
        ctx.find_root().obj = state
    return ws
