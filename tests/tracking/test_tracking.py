"""Tracking: runs, buffered logging, environment capture, flush on exit and crash."""

from __future__ import annotations

import math
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import tendml
from tendml.core.errors import Conflict, ValidationFailed
from tendml.entities import RunStatus


def test_run_records_params_metrics_tags_and_status(ws) -> None:  # type: ignore[no-untyped-def]
    with ws.start_run(experiment="churn", name="baseline", tags={"team": "risk"}) as run:
        run.log_param("C", 1.0)
        run.log_params({"penalty": "l2", "max_iter": 100})
        run.log_metric("loss", 0.9, step=0)
        run.log_metric("loss", 0.5, step=1)
        run.log_metrics({"roc_auc": 0.81, "f1": 0.7})
        run.set_tag("stage", "dev")
    stored = ws.tracker.get_run(run.id)
    assert stored.status is RunStatus.FINISHED and stored.end_time is not None
    assert stored.experiment == "churn" and stored.name == "baseline" and stored.user == "tester"
    assert stored.params == {"C": "1.0", "penalty": "l2", "max_iter": "100"}
    assert stored.metrics == {"loss": 0.5, "roc_auc": 0.81, "f1": 0.7}
    assert stored.tags == {"team": "risk", "stage": "dev"}
    history = ws.tracker.metric_history(run.id, "loss")
    assert [(m.step, m.value) for m in history] == [(0, 0.9), (1, 0.5)]
    assert stored.environment.python_version == sys.version.split()[0]
    assert "numpy" in stored.environment.packages


def test_exception_marks_run_failed_and_keeps_what_was_logged(ws) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ZeroDivisionError), ws.start_run() as run:
        run.log_metric("m", 1.0)
        _ = 1 / 0
    stored = ws.tracker.get_run(run.id)
    assert stored.status is RunStatus.FAILED
    assert stored.metrics == {"m": 1.0}


def test_metrics_are_buffered_until_a_batch_or_the_end(ws) -> None:  # type: ignore[no-untyped-def]
    with ws.start_run() as run:
        for i in range(10):
            run.log_metric("x", i, step=i)
        assert ws.tracker.metric_history(run.id, "x") == []  # nothing written per call
        run.flush()
        assert len(ws.tracker.metric_history(run.id, "x")) == 10


def test_batch_size_triggers_a_flush(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TENDML_FLUSH_BATCH", "5")
    monkeypatch.setenv("TENDML_FLUSH_INTERVAL", "3600")  # no timer flush during the test
    ws = tendml.connect(tmp_path / "h")
    with ws.start_run() as run:
        for i in range(4):
            run.log_metric("x", i, step=i)
        assert ws.tracker.metric_history(run.id, "x") == []
        run.log_metric("x", 4, step=4)  # the fifth value writes the batch within this call
        assert len(ws.tracker.metric_history(run.id, "x")) == 5


def test_background_flush_writes_within_the_interval(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    monkeypatch.setenv("TENDML_FLUSH_INTERVAL", "0.1")
    ws = tendml.connect(tmp_path / "h")
    with ws.start_run() as run:
        run.log_metric("x", 1.0)
        deadline = time.monotonic() + 5
        while not ws.tracker.metric_history(run.id, "x") and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(ws.tracker.metric_history(run.id, "x")) == 1


def test_nan_and_infinite_metrics_round_trip(ws) -> None:  # type: ignore[no-untyped-def]
    with ws.start_run() as run:
        run.log_metric("nan", float("nan"))
        run.log_metric("inf", float("inf"))
    stored = ws.tracker.get_run(run.id)
    assert math.isnan(stored.metrics["nan"]) and stored.metrics["inf"] == math.inf


def test_bad_input_is_refused_with_the_field_named(ws) -> None:  # type: ignore[no-untyped-def]
    with ws.start_run() as run:
        with pytest.raises(ValidationFailed) as err:
            run.log_metric("bad key!", 1.0)
        assert err.value.field == "bad key!"
        with pytest.raises(ValidationFailed, match="must be a number"):
            run.log_metric("x", "high")  # type: ignore[arg-type]
        run.log_param("a", 1)
        with pytest.raises(Conflict, match="immutable"):
            run.log_param("a", 2)
    with pytest.raises(Conflict, match="has ended"):
        run.log_metric("x", 1.0)


def test_artifacts_are_stored_by_digest(ws, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "report.txt").write_text("hello")
    folder = tmp_path / "plots"
    folder.mkdir()
    (folder / "a.csv").write_text("x\n1\n")
    with ws.start_run() as run:
        run.log_artifact(tmp_path / "report.txt")
        run.log_artifact(folder)
    stored = ws.tracker.get_run(run.id)
    assert [a.path for a in stored.artifacts] == ["plots/a.csv", "report.txt"]
    assert ws.artifacts.read_bytes(stored.artifacts[1].digest) == b"hello"


def test_module_level_api_uses_the_active_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TENDML_HOME", str(tmp_path / "home"))
    tendml.configure()
    with tendml.start_run(experiment="m") as run:
        tendml.log_param("p", 1)
        tendml.log_metric("m", 2.0)
        tendml.set_tag("t", "v")
        assert tendml.active_run() is run
    assert tendml.active_run() is None
    stored = tendml.workspace().tracker.get_run(run.id)
    assert (stored.params, stored.metrics, stored.tags) == ({"p": "1"}, {"m": 2.0}, {"t": "v"})


def _script(tmp_path: Path, body: str) -> subprocess.CompletedProcess[str]:
    code = textwrap.dedent(f"""
        import tendml
        ws = tendml.connect({str(tmp_path / "h")!r})
        run = ws.start_run(experiment="exit")
        print(run.id, flush=True)
        for i in range(50):
            run.log_metric("x", i, step=i)
        {body}
    """)
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, timeout=60
    )


@pytest.mark.parametrize(
    ("body", "status"),
    [("pass", RunStatus.FINISHED), ("raise SystemExit(3)", RunStatus.FINISHED), ("1 / 0", RunStatus.FAILED)],
)
def test_buffered_metrics_survive_exit_and_crash(tmp_path: Path, body: str, status: RunStatus) -> None:
    done = _script(tmp_path, body)
    run_id = done.stdout.split()[0]
    ws = tendml.connect(tmp_path / "h")
    assert len(ws.tracker.metric_history(run_id, "x")) == 50
    assert ws.tracker.get_run(run_id).status is status


def test_git_commit_and_dirty_tree_are_recorded(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    git = ["git", "-c", "user.email=t@example.com", "-c", "user.name=t"]
    subprocess.run([*git, "init", "-q", "-b", "main"], cwd=repo, check=True)
    script = repo / "train.py"
    script.write_text(
        textwrap.dedent(f"""
        import tendml
        ws = tendml.connect({str(tmp_path / "h")!r})
        with ws.start_run() as run:
            pass
        print(run.id)
    """)
    )
    subprocess.run([*git, "add", "."], cwd=repo, check=True)
    subprocess.run([*git, "commit", "-qm", "init"], cwd=repo, check=True)
    head = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True, text=True
    ).stdout.strip()

    def run_script() -> tendml.Run:
        out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, check=True)
        return tendml.connect(tmp_path / "h").tracker.get_run(out.stdout.strip())

    clean = run_script()
    assert (clean.environment.git_commit, clean.environment.git_dirty) == (head, False)
    assert clean.environment.git_branch == "main" and clean.environment.source == str(script)
    script.write_text(script.read_text() + "\n# edited\n")
    assert run_script().environment.git_dirty is True
