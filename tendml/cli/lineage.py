"""``tendml lineage``: where a model version came from, or what a dataset trained."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.tree import Tree

from tendml.cli._context import open_workspace
from tendml.cli._output import JsonFlag, cell, console, run_command
from tendml.entities import DatasetLineage, ModelLineage


def lineage(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Model name, or dataset name with --dataset.")],
    version: Annotated[
        int | None, typer.Argument(help="Version (newest dataset version if omitted).")
    ] = None,
    dataset: Annotated[bool, typer.Option("--dataset", help="Show the models trained on a dataset.")] = False,
    as_json: JsonFlag = False,
) -> None:
    """Model version → run → datasets → commit; or, with --dataset, dataset → model versions."""

    def action() -> ModelLineage | DatasetLineage:
        registry = open_workspace(ctx).registry
        if dataset:
            return registry.dataset_lineage(name, version)
        if version is None:
            raise typer.BadParameter("give the model VERSION")
        return registry.lineage(name, version)

    run_command(action, as_json, _show)


def _show(result: ModelLineage | DatasetLineage) -> None:
    if isinstance(result, DatasetLineage):
        d = result.dataset
        tree = Tree(f"[bold]dataset {d.ref}[/bold] ({d.rows} rows, {d.content_hash[:12]})")
        for v in result.versions:
            tree.add(f"model {v.model} v{v.version} {list(v.aliases) or ''}".rstrip())
        if not result.versions:
            tree.add("no model version trained on it")
        console.print(tree)
        return
    v = result.version
    tree = Tree(f"[bold]model {v.model} v{v.version}[/bold] {v.flavor}, package {v.digest[:12]}")
    if result.run is None:
        tree.add("no run recorded")
    else:
        r = result.run
        env = r.environment
        node = tree.add(f"run {r.id} ({r.experiment}/{r.name}, {r.status.value}, by {r.user})")
        dirty = " (dirty tree)" if env.git_dirty else ""
        node.add(f"commit {env.git_commit or 'unknown'}{dirty} on {env.git_branch or '-'}")
        node.add(f"params {cell(r.params) or '-'}")
        node.add(f"metrics {cell(r.metrics) or '-'}")
    data = tree.add("training data")
    for d in result.datasets:
        data.add(f"dataset {d.ref} ({d.rows} rows, {d.content_hash[:12]})")
    if not result.datasets:
        data.add("none recorded")
    console.print(tree)
