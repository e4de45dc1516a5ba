"""The command line: every command, as tables and as --json, and one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from sklearn.datasets import load_iris
from sklearn.tree import DecisionTreeClassifier
from typer.testing import CliRunner

import tendml
from tendml.cli import app
from tendml.store import head_revision

runner = CliRunner()


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """A store with one run, two dataset versions and two versions of a model."""
    home = tmp_path / "store"
    ws = tendml.connect(home)
    X, y = load_iris(return_X_y=True, as_frame=True)
    ws.registry.create_model(
        "iris",
        task="multiclass",
        owner="ana",
        team="botany",
        objective="Name the species",
        success_criteria=["accuracy >= 0.9"],
    )
    with ws.start_run(experiment="iris-exp") as run:
        ws.log_dataset(X.assign(y=y), "iris-train")
        run.log_params({"max_depth": 3})
        run.log_metric("accuracy", 0.95)
        ws.log_model(DecisionTreeClassifier(max_depth=3).fit(X, y), "iris", input_example=X.head())
    ws.log_model(DecisionTreeClassifier(max_depth=2).fit(X, y), "iris", input_example=X.head())
    ws.log_dataset(pd.DataFrame({"a": [1, 2]}), "other")
    return home


def cli(home: Path, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["--home", str(home), *args])
    return result.exit_code, result.output


def cli_json(home: Path, *args: str) -> object:
    code, out = cli(home, *args, "--json")
    assert code == 0, out
    return json.loads(out)


def test_init_and_db_upgrade(tmp_path: Path) -> None:
    code, out = cli(tmp_path / "fresh", "init")
    assert code == 0 and "tendml is ready" in out
    assert (tmp_path / "fresh" / "tendml.db").exists()
    assert (tmp_path / "fresh" / "artifacts" / "tendml-artifacts.json").is_file()
    head = head_revision()
    assert cli_json(tmp_path / "fresh", "db", "upgrade") == {"from": head, "to": head}
    assert cli_json(tmp_path / "fresh", "db", "current") == {"current": head, "head": head}


def test_runs_ls_and_show(home: Path) -> None:
    runs = cli_json(home, "runs", "ls")
    assert isinstance(runs, list) and len(runs) == 1
    assert runs[0]["experiment"] == "iris-exp" and runs[0]["params"] == {"max_depth": "3"}
    shown = cli_json(home, "runs", "show", runs[0]["id"])
    assert shown["metrics"] == {"accuracy": 0.95}  # type: ignore[index]
    code, out = cli(home, "runs", "ls", "--experiment", "iris-exp")
    assert code == 0 and "iris-exp" in out and "accuracy=0.95" in out


def test_datasets_ls_and_show(home: Path) -> None:
    items = cli_json(home, "datasets", "ls")
    assert sorted(d["name"] for d in items) == ["iris-train", "other"]  # type: ignore[union-attr]
    assert cli_json(home, "datasets", "ls", "--name", "iris*")[0]["rows"] == 150  # type: ignore[index]
    code, out = cli(home, "datasets", "show", "iris-train@1")
    assert code == 0 and "sepal length (cm)" in out and "mean" in out


def test_models_commands(home: Path) -> None:
    models = cli_json(home, "models", "ls", "--team", "botany")
    assert [m["name"] for m in models] == ["iris"]  # type: ignore[union-attr]
    shown = cli_json(home, "models", "show", "iris")
    assert shown["success_criteria"] == [{"metric": "accuracy", "op": ">=", "threshold": 0.9}]  # type: ignore[index]
    versions = cli_json(home, "models", "versions", "iris")
    assert [v["version"] for v in versions] == [2, 1]  # type: ignore[union-attr]
    change = cli_json(home, "models", "alias", "iris", "champion", "1", "--reason", "best")
    assert change["to_version"] == 1 and change["from_version"] is None  # type: ignore[index]
    code, out = cli(home, "models", "alias", "iris", "champion", "2")
    assert code == 0 and "1 → 2" in out
    history = cli_json(home, "models", "history", "iris")
    assert [(h["from_version"], h["to_version"]) for h in history] == [(None, 1), (1, 2)]  # type: ignore[union-attr]
    created = cli_json(home, "models", "create", "price", "--task", "regression", "--criterion", "rmse <= 3")
    assert created["task"] == "regression"  # type: ignore[index]


def test_lineage_both_ways(home: Path) -> None:
    lineage = cli_json(home, "lineage", "iris", "1")
    assert lineage["run"]["experiment"] == "iris-exp"  # type: ignore[index]
    assert [d["name"] for d in lineage["datasets"]] == ["iris-train"]  # type: ignore[index]
    code, out = cli(home, "lineage", "iris", "1")
    assert code == 0 and "iris-train@1" in out and "max_depth=3" in out
    back = cli_json(home, "lineage", "--dataset", "iris-train")
    assert [(v["model"], v["version"]) for v in back["versions"]] == [("iris", 1)]  # type: ignore[index]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["models", "show", "nope"], "registered model 'nope' does not exist"),
        (["models", "alias", "iris", "champion", "7"], "no version 7"),
        (["models", "create", "x", "--criterion", "auc > 1"], "not reported for binary"),
        (["runs", "show", "missing"], "run 'missing' does not exist"),
        (["datasets", "show", "nope"], "dataset 'nope' does not exist"),
    ],
)
def test_errors_exit_non_zero_with_one_line(home: Path, args: list[str], message: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "tendml", "--home", str(home), *args],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert message in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert "Traceback" not in done.stderr
    as_json = subprocess.run(
        [sys.executable, "-m", "tendml", "--home", str(home), *args, "--json"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert as_json.returncode == 1 and message in json.loads(as_json.stdout)["error"]["message"]


def test_models_traffic_show_and_set(home: Path) -> None:
    assert cli_json(home, "models", "traffic", "iris")["mode"] == "champion"  # type: ignore[index]
    policy = cli_json(home, "models", "traffic", "iris", "--mode", "canary", "--share", "0.25")
    assert (policy["mode"], policy["share"]) == ("canary", 0.25)  # type: ignore[index]
    code, out = cli(home, "models", "traffic", "iris", "--mode", "canary")
    assert code == 1 and "canary needs 0 < share < 1" in out


@pytest.mark.parametrize(
    ("ref", "message"),
    [
        ("nope", "registered model 'nope' does not exist"),
        ("iris@gold", "no alias 'gold'"),
        ("iris/9", "no version 9"),
    ],
)
def test_serve_refuses_what_it_cannot_serve_in_one_line(home: Path, ref: str, message: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "tendml", "--home", str(home), "serve", ref],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1 and message in done.stderr and "Traceback" not in done.stderr
