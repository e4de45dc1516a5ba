"""The model registry on both metadata backends: models, versions, aliases, lineage, audit."""

from __future__ import annotations

import threading
from itertools import pairwise

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression

from tendml.core.errors import Conflict, IntegrityError, NotFound, ValidationFailed
from tendml.entities import SuccessCriterion, TaskType


@pytest.fixture(scope="module")
def data() -> tuple[pd.DataFrame, pd.Series]:
    X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    return X.iloc[:, :8], y


@pytest.fixture(scope="module")
def model(data: tuple[pd.DataFrame, pd.Series]) -> LogisticRegression:
    X, y = data
    return LogisticRegression(max_iter=2000).fit(X, y)


def test_model_carries_its_objective_and_criteria(ws) -> None:  # type: ignore[no-untyped-def]
    m = ws.registry.create_model(
        "churn",
        owner="ana",
        team="risk",
        task="binary",
        objective="Keep customers who would leave",
        success_criteria=["roc_auc >= 0.80", "log_loss < 0.5"],
        tags={"domain": "crm"},
    )
    assert m.task is TaskType.BINARY and m.owner == "ana" and m.team == "risk"
    assert m.success_criteria == (
        SuccessCriterion("roc_auc", ">=", 0.8),
        SuccessCriterion("log_loss", "<", 0.5),
    )
    with pytest.raises(Conflict):
        ws.registry.create_model("churn")
    updated = ws.registry.update_model("churn", objective="Reduce churn by 5 %", team="retention")
    assert updated.objective == "Reduce churn by 5 %" and updated.success_criteria == m.success_criteria


@pytest.mark.parametrize(
    ("criteria", "task", "message"),
    [
        (["auc > 0.8"], "binary", "not reported for binary"),
        (["roc_auc => 0.8"], "binary", "cannot parse"),
        (["rmse <= 3"], "binary", "not reported"),
        (["roc_auc >= high"], "binary", "cannot parse"),
    ],
)
def test_invalid_criteria_are_refused_with_a_hint(ws, criteria: list[str], task: str, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationFailed, match=message) as err:
        ws.registry.create_model("m", task=task, success_criteria=criteria)
    assert err.value.field == "success_criteria[0]" and err.value.hint
    with pytest.raises(ValidationFailed, match="unknown task type"):
        ws.registry.create_model("m", task="ranking")


def test_search_with_filters(ws) -> None:  # type: ignore[no-untyped-def]
    ws.registry.create_model("churn-eu", owner="ana", team="risk", tags={"region": "eu"})
    ws.registry.create_model("churn-us", owner="bo", team="risk", tags={"region": "us"})
    ws.registry.create_model("price", owner="ana", team="pricing", task="regression")
    names = lambda **f: [m.name for m in ws.registry.search_models(**f)]  # noqa: E731
    assert names() == ["churn-eu", "churn-us", "price"]
    assert names(name="churn*") == ["churn-eu", "churn-us"]
    assert names(owner="ana") == ["churn-eu", "price"]
    assert names(team="risk", tags={"region": "us"}) == ["churn-us"]
    assert names(task="regression") == ["price"]
    assert names(name="churn_eu") == []  # '_' is literal, not a wildcard


def test_log_model_in_a_run_links_run_data_and_commit(ws, data, model) -> None:  # type: ignore[no-untyped-def]
    X, y = data
    with ws.start_run(experiment="churn") as run:
        train = ws.log_dataset(X.assign(target=y), "churn-train")
        ws.log_dataset(X.iloc[:100], "churn-holdout", role="holdout")
        run.log_metric("roc_auc", 0.97)
        v1 = ws.log_model(
            model,
            "churn",
            input_example=X.head(),
            objective="keep customers",
            success_criteria=["roc_auc >= 0.8"],
        )
    assert (v1.version, v1.run_id, v1.datasets, v1.flavor) == (1, run.id, (train.id,), "sklearn")
    assert v1.signature.inputs.names == tuple(X.columns) and v1.signature.classes == (0, 1)
    assert any(r.startswith("scikit-learn==") for r in v1.requirements)
    m = ws.registry.get_model("churn")
    assert m.task is TaskType.BINARY and m.owner == "tester" and m.latest_version == 1

    lineage = ws.registry.lineage("churn", 1)
    assert lineage.run is not None and lineage.run.id == run.id
    assert [d.ref for d in lineage.datasets] == ["churn-train@1"]
    assert lineage.run.metrics == {"roc_auc": 0.97}
    back = ws.registry.dataset_lineage("churn-train", 1)
    assert [(v.model, v.version) for v in back.versions] == [("churn", 1)]
    assert ws.registry.dataset_lineage("churn-holdout").versions == ()


def test_versions_aliases_and_loading(ws, data, model) -> None:  # type: ignore[no-untyped-def]
    X, _ = data
    v1 = ws.log_model(model, "churn", input_example=X.head())
    v2 = ws.log_model(model, "churn", input_example=X.head(), description="second")
    assert (v1.version, v2.version) == (1, 2) and v1.run_id is None
    ws.registry.set_alias("churn", "champion", 1)
    ws.registry.set_alias("churn", "challenger", 2, reason="retrained")
    ws.registry.set_alias("churn", "champion", 2, reason="promoted")
    assert ws.registry.get_model("churn").aliases == {"challenger": 2, "champion": 2}
    assert ws.registry.get_version("churn", 2).aliases == ("challenger", "champion")
    expected = model.predict_proba(X)
    for uri in [
        "models:/churn@champion",
        "models:/churn/1",
        "models:/churn",
        "churn@challenger",
        "models:/churn/latest",
    ]:
        loaded = ws.load_model(uri)
        np.testing.assert_allclose(loaded.predict_proba(X), expected)
    assert ws.registry.resolve("models:/churn").version == 2
    history = ws.registry.alias_history("churn", "champion")
    assert [(c.from_version, c.to_version, c.reason) for c in history] == [
        (None, 1, None),
        (1, 2, "promoted"),
    ]
    ws.registry.delete_alias("churn", "challenger")
    assert ws.registry.get_model("churn").aliases == {"champion": 2}
    with pytest.raises(NotFound, match="no alias 'challenger'"):
        ws.registry.resolve("models:/churn@challenger")
    with pytest.raises(NotFound, match="no version 9"):
        ws.registry.set_alias("churn", "champion", 9)
    with pytest.raises(ValidationFailed, match="invalid alias"):
        ws.registry.set_alias("churn", "latest", 1)


def test_every_registry_change_is_audited_in_order(ws, data, model) -> None:  # type: ignore[no-untyped-def]
    X, _ = data
    ws.registry.create_model("churn", owner="ana")
    ws.log_model(model, "churn", input_example=X.head())
    ws.registry.set_alias("churn", "champion", 1)
    ws.registry.update_model("churn", team="risk")
    with pytest.raises(NotFound):
        ws.registry.set_alias("churn", "champion", 5)  # a failed change leaves no event
    with ws.store.read() as uow:
        events = uow.audit.events(subject_type="model", subject_id="churn")
    assert [e.action for e in events] == [
        "model.create",
        "model.version.create",
        "model.alias.set",
        "model.update",
    ]
    alias = events[2]
    assert alias.actor == "tester" and alias.before == {"alias": "champion", "version": None}
    assert alias.after == {"alias": "champion", "version": 1, "reason": None}
    assert events[3].before["team"] == "" and events[3].after["team"] == "risk"


def test_concurrent_alias_moves_leave_a_consistent_alias_and_history(ws, data, model) -> None:  # type: ignore[no-untyped-def]
    X, _ = data
    for _ in range(4):
        ws.log_model(model, "churn", input_example=X.head())
    errors: list[BaseException] = []

    def mover(n: int) -> None:
        try:
            for i in range(5):
                ws.registry.set_alias("churn", "champion", (n + i) % 4 + 1)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=mover, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    history = ws.registry.alias_history("churn", "champion")
    assert len(history) == 40
    assert history[0].from_version is None
    for before, after in pairwise(history):
        assert after.from_version == before.to_version  # no lost or interleaved move
    assert ws.registry.get_model("churn").aliases["champion"] == history[-1].to_version
    with ws.store.read() as uow:
        assert len(uow.audit.events(action_prefix="model.alias")) == 40


def test_corrupted_package_is_never_loaded(ws, data, model, tmp_path) -> None:  # type: ignore[no-untyped-def]
    X, _ = data
    version = ws.log_model(model, "churn", input_example=X.head())
    from tendml.packaging import Manifest

    manifest = Manifest.from_bytes(ws.artifacts.read_bytes(version.digest))
    digest = manifest.files[0].digest
    blob = tmp_path / "artifacts" / "blobs" / digest[:2] / digest[2:]
    blob.chmod(0o644)
    data = bytearray(blob.read_bytes())
    data[len(data) // 2] ^= 0xFF
    blob.write_bytes(bytes(data))
    with pytest.raises(IntegrityError, match=digest[:12]):
        ws.load_model("models:/churn/1")


def test_concurrent_first_versions_of_a_new_model_are_numbered_once(ws, data, model) -> None:  # type: ignore[no-untyped-def]
    X, _ = data
    versions: list[int] = []
    errors: list[BaseException] = []

    def log() -> None:
        try:
            versions.append(ws.log_model(model, "fresh", input_example=X.head()).version)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=log) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(versions) == [1, 2, 3, 4]
    with ws.store.read() as uow:
        assert [e.action for e in uow.audit.events(subject_id="fresh")].count("model.create") == 1


def test_log_model_refuses_unknown_model_fields(ws, data, model) -> None:  # type: ignore[no-untyped-def]
    X, _ = data
    with pytest.raises(ValidationFailed, match="unexpected argument 'owners'") as err:
        ws.log_model(model, "churn", input_example=X.head(), owners="ana")
    assert err.value.field == "owners"
