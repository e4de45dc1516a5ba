"""Monitoring windows over the prediction log: drift against the training dataset, realised
performance once labels arrive, usage by arm; the CLI command."""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from typer.testing import CliRunner

import tendml
from tendml.cli import app
from tendml.core.errors import ValidationFailed
from tendml.core.ids import new_ids
from tendml.logs import LabelLog, PredictionBatch, PredictionLog
from tendml.monitoring import parse_window


def _served(home: Path, *, shift: float, rows: int = 600) -> tuple[tendml.Workspace, list[str], np.ndarray]:
    """A binary model trained on logged data, and ``rows`` logged predictions of inputs shifted by
    ``shift`` (as the server logs them), half of them labelled."""
    rng = np.random.default_rng(0)
    train = pd.DataFrame({"a": rng.normal(0, 1, 2000), "b": rng.normal(0, 1, 2000)})
    train["y"] = (train["a"] + train["b"] > 0).astype(int)
    ws = tendml.connect(home)
    ws.registry.create_model("m", task="binary", owner="ana")
    with ws.start_run(experiment="e"):
        ws.log_dataset(train, "train")
        model = LogisticRegression().fit(train[["a", "b"]], train["y"])
        ws.log_model(model, "m", input_example=train[["a", "b"]].head())
    a, b = rng.normal(shift, 1, rows), rng.normal(0, 1, rows)
    proba = model.predict_proba(pd.DataFrame({"a": a, "b": b}))
    predictions = proba.argmax(axis=1)
    ids = new_ids(rows)
    log = PredictionLog(ws.artifacts, home / "wal")
    log.start()
    now = time.time_ns() // 1000
    arms = ["champion", "challenger"]
    for i in range(0, rows, 100):
        part = slice(i, i + 100)
        log.append(
            PredictionBatch(
                ids[part],
                now,
                "m",
                1,
                arms[(i // 100) % 2],
                {"a": a[part], "b": b[part]},
                None,
                predictions[part],
                proba[part],
                2.0 + i / 100,
            )
        )
    log.close()
    truth = (a + b > 0).astype(int)
    LabelLog(ws.artifacts).write("m", list(zip(ids[: rows // 2], truth[: rows // 2].tolist(), strict=True)))
    return ws, ids, truth == predictions


def test_a_window_reports_drift_performance_and_usage(tmp_path: Path) -> None:
    ws, _, correct = _served(tmp_path / "h", shift=1.5)
    result = ws.monitor("m", window="1d")
    assert result.rows == 600 and result.reference == "train@1"
    assert result.data_drift is not None and result.data_drift.drifted_columns == ["a"]
    assert result.labelled == 300
    accuracy = result.performance["accuracy"]
    assert accuracy.value == pytest.approx(correct[:300].mean())
    assert accuracy.low is not None and accuracy.low <= accuracy.value <= accuracy.high
    assert "roc_auc" in result.performance and "f1" in result.performance
    assert result.usage.predictions == 600 and result.usage.by_arm == {"champion": 300, "challenger": 300}
    assert result.usage.latency_p50_ms is not None and 2.0 <= result.usage.latency_p50_ms <= 7.0
    assert result.prediction_drift is not None  # the training data's one extra column, y, is the target
    assert json.loads(json.dumps(result.to_dict()))["data_drift"]["columns"]["a"]["drifted"] is True


def test_bias_across_the_groups_of_an_input(tmp_path: Path) -> None:
    ws, _, correct = _served(tmp_path / "h", shift=0.0, rows=200)
    result = ws.monitor("m", window="1d", segment="b")  # a float input: every value its own group
    bias = result.bias
    assert bias is not None and bias.attribute == "b" and bias.positive == "1"
    assert len(bias.groups) == 200 and sum(n for n, _, _ in bias.groups.values()) == 200
    assert bias.positive_rate_ratio == 0.0  # some single-row groups are all positive, some none
    labelled = [acc for _, _, acc in bias.groups.values() if acc is not None]
    assert len(labelled) == 100 and bias.accuracy_gap == (1.0 if not correct[:100].all() else 0.0)
    with pytest.raises(ValidationFailed) as info:
        ws.monitor("m", segment="nope")
    assert info.value.field == "segment"


def test_a_window_by_rows_and_an_empty_window(tmp_path: Path) -> None:
    ws, _, _ = _served(tmp_path / "h", shift=0.0, rows=200)
    assert ws.monitor("m", window="50").rows == 50
    assert ws.monitor("m", window=120).data_drift is not None
    empty = ws.monitor("m", window="1h", until=pd.Timestamp("2001-01-01", tz="UTC").to_pydatetime())
    assert empty.rows == 0 and empty.data_drift is None and empty.performance == {}


def test_window_strings() -> None:
    assert parse_window("2w").days == 14 and parse_window("10000") == 10000
    for bad in ("", "0", "-1d", "1y", "abc"):
        with pytest.raises(ValidationFailed) as info:
            parse_window(bad)
        assert info.value.field == "window"


def test_cli_monitor_run(tmp_path: Path) -> None:
    _served(tmp_path / "h", shift=1.5)
    runner = CliRunner()
    done = runner.invoke(
        app, ["--home", str(tmp_path / "h"), "monitor", "run", "m", "--window", "1d", "--json"]
    )
    assert done.exit_code == 0, done.output
    data = json.loads(done.stdout)
    assert data["rows"] == 600 and data["data_drift"]["columns"]["a"]["drifted"] is True
    table = runner.invoke(app, ["--home", str(tmp_path / "h"), "monitor", "run", "m"])
    assert table.exit_code == 0 and "accuracy" in table.output
    bad = runner.invoke(app, ["--home", str(tmp_path / "h"), "monitor", "run", "m", "--window", "soon"])
    assert bad.exit_code == 1 and "window" in bad.output


def test_concept_drift_on_the_error_stream() -> None:
    from tendml.monitoring.concept import error_stream_changes

    rng = np.random.default_rng(3)
    calm = (rng.random(2000) < 0.1).astype(float)
    broken = np.r_[calm[:1000], (rng.random(1000) < 0.5).astype(float)]
    for detector in ("adwin", "page_hinkley"):
        assert error_stream_changes(calm, detector=detector).changes == 0
        found = error_stream_changes(broken, [f"t{i}" for i in range(2000)], detector=detector)
        assert found.changes >= 1 and int(found.at[0][1:]) >= 1000 and found.points == 2000
    with pytest.raises(ValidationFailed) as info:
        error_stream_changes(calm, detector="ddm")
    assert info.value.field == "detector"


def test_a_window_with_labels_runs_the_detectors(tmp_path: Path) -> None:
    ws, _, _ = _served(tmp_path / "h", shift=0.0, rows=200)
    result = ws.monitor("m")
    assert [c.detector for c in result.concept_drift] == ["adwin", "page_hinkley"]
    assert all(c.points == 100 for c in result.concept_drift)


def test_estimated_performance_from_a_held_out_reference(tmp_path: Path) -> None:
    ws, _, correct = _served(tmp_path / "h", shift=0.0, rows=600)
    rng = np.random.default_rng(9)
    held_out = pd.DataFrame({"a": rng.normal(0, 1, 2000), "b": rng.normal(0, 1, 2000)})
    held_out["y"] = (held_out["a"] + held_out["b"] > 0).astype(int)
    result = ws.monitor("m", reference=held_out)
    accuracy = result.estimated["accuracy"]
    assert accuracy.low is not None and accuracy.high is not None
    assert accuracy.low <= correct.mean() <= accuracy.high  # the realised accuracy of all 600 rows
    assert set(result.estimated) == {"accuracy", "roc_auc", "f1"}
    assert ws.monitor("m").estimated == {}  # the training data is no reference for CBPE
