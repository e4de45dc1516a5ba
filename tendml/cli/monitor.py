"""``tendml monitor``: windows over a served model's prediction log."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer

from tendml.cli._context import open_workspace
from tendml.cli._output import JsonFlag, console, run_command, table
from tendml.entities.monitoring import MonitorResult

app = typer.Typer(help="Monitor served models over their prediction log.", no_args_is_help=True)


@app.command("run")
def run(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The served model.")],
    window: Annotated[str, typer.Option(help="1d, 6h, 30m, 2w, or a number of newest rows.")] = "1d",
    until: Annotated[
        datetime | None,
        typer.Option(help="End of the window (default now, UTC).", formats=["%Y-%m-%dT%H:%M:%S"]),
    ] = None,
    segment: Annotated[str | None, typer.Option(help="An input column: bias across its groups.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Drift of the window's inputs against the training data, realised performance of the labelled
    predictions, and usage (volume, latency, arms)."""

    def action() -> MonitorResult:
        return open_workspace(ctx).monitor(name, window=window, until=until, segment=segment)

    run_command(action, as_json, _show, to_json=lambda r: r.to_dict())


def _show(result: MonitorResult) -> None:
    u = result.usage
    console.print(
        f"[bold]{result.model}[/bold] v{result.version}: {result.rows} predictions "
        f"({result.since or 'newest rows'} → {result.until}); reference {result.reference or 'none'}"
    )
    if u.predictions:
        console.print(
            f"latency p50 {u.latency_p50_ms:.2f} ms, p95 {u.latency_p95_ms:.2f} ms, "
            f"p99 {u.latency_p99_ms:.2f} ms; arms {u.by_arm}"
        )
    if result.data_drift is not None:
        report = result.data_drift
        rows = [
            (c.name, c.method, c.statistic, c.p_value, "DRIFT" if c.drifted else "ok") for c in report.columns
        ]
        table(f"data drift: {report}", ["column", "method", "statistic", "p-value", "verdict"], rows)
    perf = [(k, v.value, v.low, v.high) for k, v in result.performance.items()]
    if perf:
        table(f"performance ({result.labelled} labelled)", ["metric", "value", "low", "high"], perf)
    else:
        console.print("performance: no labels yet")
    for found in result.concept_drift:
        when = f": first at {found.at[0]}" if found.at else ""
        console.print(
            f"concept drift ({found.detector}, {found.points} labelled): {found.changes} change(s){when}"
        )
    if result.bias is not None:
        b = result.bias
        groups = [(g, n, rate, acc) for g, (n, rate, acc) in b.groups.items()]
        title = f"bias by {b.attribute}: positive-rate ratio {b.positive_rate_ratio:.3f}"
        table(title, ["group", "rows", f"share predicted {b.positive}", "accuracy"], groups)
