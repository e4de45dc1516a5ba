"""``tendml report``: reports over files, e.g. the drift of a current sample against a reference."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from tendml.cli._output import console, run_command, table
from tendml.entities.monitoring import DriftReport

app = typer.Typer(help="Reports over Parquet/CSV files: drift.", no_args_is_help=True)


@app.command("drift")
def drift(
    reference: Annotated[Path, typer.Option(help="The reference sample: a Parquet or CSV file.")],
    current: Annotated[Path, typer.Option(help="The current sample: a Parquet or CSV file.")],
    html: Annotated[Path | None, typer.Option(help="Also write the interactive HTML report here.")] = None,
    json_path: Annotated[
        str | None, typer.Option("--json", help="Write the JSON report to this file ('-': print it).")
    ] = None,
    column: Annotated[
        list[str] | None, typer.Option("--column", "-c", help="Compare only these columns (repeatable).")
    ] = None,
    share: Annotated[float, typer.Option(help="Share of drifted columns that means dataset drift.")] = 0.5,
    multivariate: Annotated[
        bool, typer.Option(help="Also PCA reconstruction error and a domain classifier's ROC AUC.")
    ] = False,
) -> None:
    """Per column: method, statistic, p-value, threshold and verdict; then the dataset's verdict.

    Exits 0 whatever the verdict (read it from the output); 1 on bad input.
    """
    from tendml.monitoring import drift as compute
    from tendml.reports import drift_html, drift_json

    def action() -> DriftReport:
        report = compute(
            reference, current, columns=column or None, share_threshold=share, multivariate=multivariate
        )
        if html is not None:
            html.write_text(drift_html(report, title=f"Data drift: {current.name} against {reference.name}"))
        if json_path not in (None, "-"):
            Path(json_path).write_bytes(drift_json(report))  # type: ignore[arg-type]
        return report

    as_json = json_path == "-"
    run_command(action, as_json, _show, to_json=lambda r: r.to_dict())
    if html is not None and not as_json:
        console.print(f"HTML report: {html}")


def _show(report: DriftReport) -> None:
    rows = [
        (c.name, c.type, c.method, c.statistic, c.p_value, c.threshold, "DRIFT" if c.drifted else "ok")
        for c in sorted(report.columns, key=lambda c: (not c.drifted, -c.severity))
    ]
    table(str(report), ["column", "type", "method", "statistic", "p-value", "threshold", "verdict"], rows)
    for m in report.multivariate:
        band = f"{m.lower:.4g}..{m.upper:.4g}" if m.lower is not None else f"> {m.upper:g}"
        verdict = "DRIFT" if m.drifted else "ok"
        console.print(
            f"multivariate {m.method}: {m.statistic:.4g} (drift outside {band}; {m.detail}): {verdict}"
        )
