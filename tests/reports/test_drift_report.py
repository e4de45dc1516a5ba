"""The drift report as HTML (self-contained, most severe first, escaped) and JSON; the CLI command."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
from typer.testing import CliRunner

import tendml
from tendml.cli import app
from tendml.reports import drift_html, drift_json

runner = CliRunner()


def _report() -> tendml.DriftReport:
    rng = np.random.default_rng(1)
    ref = pd.DataFrame({"a<b>": rng.normal(0, 1, 400), "same": rng.normal(0, 1, 400), "c": ["x", "y"] * 200})
    cur = pd.DataFrame({"a<b>": rng.normal(2, 1, 400), "same": rng.normal(0, 1, 400), "c": ["x", "y"] * 200})
    return tendml.drift(ref, cur)


def test_html_is_self_contained_sorted_and_escaped() -> None:
    report = _report()
    page = drift_html(report)
    assert page.startswith("<!DOCTYPE html>") and "Plotly.newPlot" in page
    from plotly.offline import get_plotlyjs

    assert get_plotlyjs() in page  # Plotly's JavaScript inlined: the file works offline
    bare = drift_html(report, include_plotlyjs=False)
    assert "<script src=" not in bare and "cdn" not in bare  # and nothing else is fetched
    assert "a&lt;b&gt;" in page and "<td>a<b>" not in page
    table = page[page.index("<tbody>") : page.index("</tbody>")]
    assert table.index("a&lt;b&gt;") < table.index(">same<")  # the drifted column first
    assert report._repr_html_() is not None  # Jupyter shows it


def test_json_round_trips() -> None:
    report = _report()
    assert json.loads(drift_json(report)) == json.loads(json.dumps(report.to_dict()))


def test_cli_report_drift(tmp_path: Path) -> None:
    rng = np.random.default_rng(2)
    pd.DataFrame({"x": rng.normal(0, 1, 300), "k": ["a", "b", "c"] * 100}).to_parquet(
        tmp_path / "ref.parquet"
    )
    pd.DataFrame({"x": rng.normal(1, 1, 300), "k": ["a", "b", "c"] * 100}).to_csv(
        tmp_path / "cur.csv", index=False
    )
    args = [
        "report",
        "drift",
        "--reference",
        str(tmp_path / "ref.parquet"),
        "--current",
        str(tmp_path / "cur.csv"),
    ]
    done = runner.invoke(app, [*args, "--html", str(tmp_path / "r.html"), "--json", str(tmp_path / "r.json")])
    assert done.exit_code == 0, done.output
    assert "x" in done.output and "DRIFT" in done.output
    assert (tmp_path / "r.html").read_text().startswith("<!DOCTYPE html>")
    assert json.loads((tmp_path / "r.json").read_text())["columns"]["x"]["drifted"] is True
    both = runner.invoke(app, [*args, "--multivariate"])
    assert both.exit_code == 0 and "domain_classifier" in both.output
    printed = runner.invoke(app, [*args, "--json", "-"])
    assert printed.exit_code == 0 and json.loads(printed.stdout)["columns"]["k"]["drifted"] is False
    missing = runner.invoke(
        app,
        [
            "report",
            "drift",
            "--reference",
            str(tmp_path / "no.parquet"),
            "--current",
            str(tmp_path / "cur.csv"),
        ],
    )
    assert missing.exit_code == 1 and "error" in missing.output
