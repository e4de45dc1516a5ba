"""``tendml models``: registered models, versions and aliases."""

from __future__ import annotations

from typing import Annotated

import typer

from tendml.cli._context import open_workspace
from tendml.cli._output import JsonFlag, console, fields, run_command, table
from tendml.entities import AliasChange, ModelVersion, RegisteredModel, TrafficPolicy

app = typer.Typer(help="Registered models, versions and aliases.", no_args_is_help=True)


@app.command("ls")
def models_ls(
    ctx: typer.Context,
    name: Annotated[str | None, typer.Option(help="Name, '*' as wildcard.")] = None,
    owner: Annotated[str | None, typer.Option()] = None,
    team: Annotated[str | None, typer.Option()] = None,
    task: Annotated[
        str | None, typer.Option(help="binary, multiclass, regression, forecasting, anomaly.")
    ] = None,
    tag: Annotated[list[str] | None, typer.Option(help="KEY=VALUE, repeatable.")] = None,
    limit: Annotated[int, typer.Option(min=1)] = 100,
    as_json: JsonFlag = False,
) -> None:
    """List registered models matching every filter."""
    tags = dict(t.split("=", 1) for t in tag or [] if "=" in t)
    run_command(
        lambda: open_workspace(ctx).registry.search_models(
            name=name, owner=owner, team=team, task=task, tags=tags, limit=limit
        ),
        as_json,
        lambda models: table(
            "Registered models",
            ["name", "task", "owner", "team", "latest", "aliases", "success criteria"],
            [
                (
                    m.name,
                    m.task,
                    m.owner,
                    m.team,
                    m.latest_version,
                    m.aliases,
                    [str(c) for c in m.success_criteria],
                )
                for m in models
            ],
        ),
    )


@app.command("create")
def models_create(
    ctx: typer.Context,
    name: str,
    task: Annotated[
        str, typer.Option(help="binary, multiclass, regression, forecasting, anomaly.")
    ] = "binary",
    owner: Annotated[str | None, typer.Option(help="Default: the current user.")] = None,
    team: Annotated[str, typer.Option()] = "",
    description: Annotated[str, typer.Option()] = "",
    objective: Annotated[str, typer.Option(help="The business objective, in words.")] = "",
    criterion: Annotated[
        list[str] | None, typer.Option(help="A success criterion such as 'roc_auc >= 0.80', repeatable.")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Register a model with its objective and success criteria."""
    run_command(
        lambda: open_workspace(ctx).registry.create_model(
            name,
            owner=owner,
            team=team,
            description=description,
            task=task,
            objective=objective,
            success_criteria=criterion or [],
        ),
        as_json,
        _show_model,
    )


@app.command("show")
def models_show(ctx: typer.Context, name: str, as_json: JsonFlag = False) -> None:
    """Show a registered model: owner, objective, success criteria, aliases."""
    run_command(lambda: open_workspace(ctx).registry.get_model(name), as_json, _show_model)


@app.command("versions")
def models_versions(
    ctx: typer.Context, name: str, limit: Annotated[int, typer.Option(min=1)] = 100, as_json: JsonFlag = False
) -> None:
    """List a model's versions, newest first."""
    run_command(lambda: open_workspace(ctx).registry.versions(name, limit=limit), as_json, _show_versions)


@app.command("alias")
def models_alias(
    ctx: typer.Context,
    name: str,
    alias: str,
    version: Annotated[int | None, typer.Argument(help="Version to point at.")] = None,
    reason: Annotated[str | None, typer.Option(help="Why, kept in the history.")] = None,
    delete: Annotated[bool, typer.Option("--delete", help="Remove the alias.")] = False,
    as_json: JsonFlag = False,
) -> None:
    """Point ALIAS of model NAME at VERSION (or remove it with --delete)."""

    def action() -> AliasChange:
        registry = open_workspace(ctx).registry
        if delete:
            return registry.delete_alias(name, alias, reason=reason)
        if version is None:
            raise typer.BadParameter("give VERSION, or --delete to remove the alias")
        return registry.set_alias(name, alias, version, reason=reason)

    run_command(
        action,
        as_json,
        lambda c: console.print(
            f"{c.model}@{c.alias}: {c.from_version or '-'} → {c.to_version or 'removed'}"
        ),
    )


@app.command("history")
def models_history(
    ctx: typer.Context,
    name: str,
    alias: Annotated[str | None, typer.Option(help="Only this alias.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Every alias move of a model, oldest first."""
    run_command(
        lambda: open_workspace(ctx).registry.alias_history(name, alias),
        as_json,
        lambda changes: table(
            f"Alias history of {name}",
            ["time", "alias", "from", "to", "actor", "reason"],
            [(c.time, c.alias, c.from_version, c.to_version, c.actor, c.reason) for c in changes],
        ),
    )


@app.command("traffic")
def models_traffic(
    ctx: typer.Context,
    name: str,
    mode: Annotated[
        str | None, typer.Option(help="champion, canary or shadow; omit to show the current policy.")
    ] = None,
    share: Annotated[float, typer.Option(help="Canary: the challenger's share of requests.")] = 0.0,
    key_column: Annotated[
        str | None, typer.Option(help="Canary: input column whose value keeps a caller on one arm.")
    ] = None,
    champion_alias: Annotated[str, typer.Option()] = "champion",
    challenger_alias: Annotated[str, typer.Option()] = "challenger",
    as_json: JsonFlag = False,
) -> None:
    """Show or set how servers split NAME's requests between champion and challenger."""

    def action() -> TrafficPolicy:
        traffic = open_workspace(ctx).traffic
        if mode is None:
            return traffic.get(name)
        return traffic.set(
            name,
            mode,
            share=share,
            key_column=key_column,
            champion_alias=champion_alias,
            challenger_alias=challenger_alias,
        )

    run_command(
        action,
        as_json,
        lambda p: fields(
            f"Traffic of {p.model}",
            [
                ("mode", p.mode),
                ("challenger share", p.share if p.mode == "canary" else None),
                ("key column", p.key_column),
                ("champion alias", p.champion_alias),
                ("challenger alias", p.challenger_alias),
                ("updated", p.updated_at),
                ("by", p.updated_by),
            ],
        ),
    )


def _show_model(m: RegisteredModel) -> None:
    fields(
        f"Model {m.name}",
        [
            ("task", m.task),
            ("owner", m.owner),
            ("team", m.team),
            ("description", m.description),
            ("objective", m.objective),
            ("success criteria", [str(c) for c in m.success_criteria]),
            ("aliases", m.aliases),
            ("latest version", m.latest_version),
            ("tags", m.tags),
            ("created", m.created_at),
            ("updated", m.updated_at),
        ],
    )


def _show_versions(versions: list[ModelVersion]) -> None:
    table(
        "Versions",
        ["version", "aliases", "flavor", "inputs", "run", "datasets", "created", "by"],
        [
            (
                v.version,
                v.aliases,
                v.flavor,
                len(v.signature.inputs.columns) or v.signature.inputs.tensor,
                v.run_id,
                len(v.datasets),
                v.created_at,
                v.created_by,
            )
            for v in versions
        ],
    )
