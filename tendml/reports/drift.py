"""The drift report: JSON, and one HTML file that works offline (Plotly's JavaScript inlined).

Columns are shown most severe first: a table of verdicts, then for each column the reference and
current distributions on the same bins (numeric) or categories, as shares so that samples of
different sizes compare. The figures are plain Plotly JSON drawn by ``Plotly.newPlot``: no figure
objects are built in Python, so a report of hundreds of columns renders in milliseconds.
"""

from __future__ import annotations

import html
import itertools
from typing import Any

import orjson

from tendml.entities.monitoring import ColumnDrift, DriftReport, register_html

_REFERENCE, _CURRENT = "#4c78a8", "#e45756"


def drift_json(report: DriftReport) -> bytes:
    """The report as JSON (``DriftReport.to_dict``), indented."""
    return orjson.dumps(report.to_dict(), option=orjson.OPT_INDENT_2 | orjson.OPT_SERIALIZE_NUMPY)


def drift_html(report: DriftReport, *, title: str = "Data drift", include_plotlyjs: bool = True) -> str:
    """One HTML page: the verdict, a table of columns by severity, a chart per column.

    With ``include_plotlyjs`` (the default) Plotly's JavaScript is inlined: the file opens anywhere,
    offline. In Jupyter (``_repr_html_``) it is inlined once per output as well.
    """
    columns = sorted(report.columns, key=lambda c: (not c.drifted, -c.severity, c.name))
    figures = [(f"col-{i}", _figure(c)) for i, c in enumerate(columns) if c.distribution is not None]
    script = _plotly_js() if include_plotlyjs else ""
    verdict = "Dataset drift detected" if report.dataset_drift else "No dataset drift"
    drifted = sum(c.drifted for c in report.columns)
    rows = "\n".join(_row(c) for c in columns)
    charts = "\n".join(f'<div class="chart" id="{div}"></div>' for div, _ in figures)
    draw = ";".join(
        f"Plotly.newPlot({orjson.dumps(div).decode()},{_js(fig['data'])},{_js(fig['layout'])},"
        '{"displaylogo":false,"responsive":true})'
        for div, fig in figures
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2em; color: #222; }}
table {{ border-collapse: collapse; margin: 1em 0; }}
th, td {{ padding: 0.3em 0.8em; border-bottom: 1px solid #ddd; text-align: right; }}
th:first-child, td:first-child, td.t {{ text-align: left; }}
.drift {{ color: #b00020; font-weight: 600; }} .ok {{ color: #2e7d32; }}
.chart {{ width: 100%; max-width: 900px; height: 320px; }}
</style>
<script type="text/javascript">{script}</script></head>
<body>
<h1>{html.escape(title)}</h1>
<p class="{"drift" if report.dataset_drift else "ok"}">{verdict}: {drifted} of {len(report.columns)} columns
drifted ({report.drift_share:.1%}; the dataset drifts at {report.share_threshold:.0%}).
Reference {report.reference_rows:,} rows, current {report.current_rows:,} rows.</p>
<table><thead><tr><th>column</th><th>type</th><th>method</th><th>statistic</th><th>p-value</th>
<th>threshold</th><th>verdict</th></tr></thead><tbody>
{rows}
</tbody></table>
{charts}
<script type="text/javascript">{draw}</script>
</body></html>
"""


def _row(c: ColumnDrift) -> str:
    p_value = "" if c.p_value is None else f"{c.p_value:.4g}"
    verdict = '<span class="drift">drift</span>' if c.drifted else '<span class="ok">ok</span>'
    return (
        f'<tr><td>{html.escape(c.name)}</td><td class="t">{c.type}</td><td class="t">{c.method}</td>'
        f"<td>{c.statistic:.4g}</td><td>{p_value}</td><td>{c.threshold:g}</td><td>{verdict}</td></tr>"
    )


def _figure(c: ColumnDrift) -> dict[str, Any]:
    dist = c.distribution
    assert dist is not None
    ref_total, cur_total = max(sum(dist.reference), 1), max(sum(dist.current), 1)
    ref = [n / ref_total for n in dist.reference]
    cur = [n / cur_total for n in dist.current]
    if c.type == "numeric":
        edges = list(dist.bins)
        x = [(a + b) / 2 for a, b in itertools.pairwise(edges)]
        width = [b - a for a, b in itertools.pairwise(edges)]
        common: dict[str, Any] = {"type": "bar", "x": x, "width": width, "opacity": 0.6}
    else:
        common = {"type": "bar", "x": [str(b) for b in dist.bins]}
    data = [
        {**common, "y": ref, "name": "reference", "marker": {"color": _REFERENCE}},
        {**common, "y": cur, "name": "current", "marker": {"color": _CURRENT}},
    ]
    verdict = "drift" if c.drifted else "no drift"
    p_value = "" if c.p_value is None else f", p = {c.p_value:.3g}"
    layout = {
        "title": {"text": f"{c.name}: {verdict} ({c.method} {c.statistic:.3g}{p_value})"},
        "barmode": "overlay" if c.type == "numeric" else "group",
        "yaxis": {"title": {"text": "share of rows"}},
        "margin": {"t": 40, "b": 40, "l": 60, "r": 20},
        "legend": {"orientation": "h"},
    }
    return {"data": data, "layout": layout}


def _js(value: Any) -> str:
    # "</" would end the script element early: escape it inside JSON strings.
    return orjson.dumps(value, option=orjson.OPT_SERIALIZE_NUMPY).decode().replace("</", "<\\/")


def _plotly_js() -> str:
    from plotly.offline import get_plotlyjs  # the one module that imports plotly

    return get_plotlyjs()  # type: ignore[no-any-return]


register_html(DriftReport, drift_html)
