"""A package file is never deserialised unless it is the file that was packaged.

Each payload here writes a marker file when it runs. Every test first checks the marker is
absent after tendml refused the file, then runs the payload directly to prove it was live.
"""

from __future__ import annotations

import io
import json
import pickle
import zipfile
import zoneinfo
from pathlib import Path
from typing import Any

import cloudpickle
import pytest
import skops.io as sio
from sklearn.ensemble import HistGradientBoostingClassifier

from tendml.core.errors import IntegrityError
from tendml.core.hashing import sha256_bytes
from tendml.entities.models import IOKind, Schema, Signature
from tendml.packaging import FileEntry, Manifest, build_package, load_package
from tests.packaging.datasets import breast_cancer, logistic_regression


def _writes(marker: Path) -> str:
    return f"open({str(marker)!r}, 'w').close()"


def skops_exec_payload(code: str) -> bytes:
    """A skops file whose only node calls ``builtins.exec(code)`` when it is built."""
    schema = json.loads(zipfile.ZipFile(io.BytesIO(sio.dumps(zoneinfo.ZoneInfo("UTC")))).read("schema.json"))
    # ZoneInfo is rebuilt as ZoneInfo(*args): name another callable and it is called instead.
    schema["__module__"], schema["__class__"] = "builtins", "exec"
    schema["content"]["content"][0]["content"] = json.dumps(code)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("schema.json", json.dumps(schema))
    return out.getvalue()


def _manifest_for(flavor: str, name: str, data: bytes, options: dict[str, Any]) -> Manifest:
    entry = FileEntry(name=name, digest=sha256_bytes(data), size=len(data))
    signature = Signature(inputs=Schema(IOKind.TENSOR))
    return Manifest(flavor, (entry,), signature, (), "3.11.7", options, "0.0.0")


def test_skops_file_calling_exec_is_refused_and_does_not_run(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    payload = skops_exec_payload(_writes(marker))
    # The attacker controls the file and its digest, but not the trusted list recorded at packaging.
    manifest = _manifest_for("sklearn", "model.skops", payload, {"trusted_types": []})

    with pytest.raises(IntegrityError, match="untrusted types"):
        load_package(manifest, {"model.skops": payload})
    assert not marker.exists()

    sio.loads(payload, trusted=["builtins.exec"])  # the payload is live: trusting it runs it
    assert marker.exists()


def test_skops_payload_in_place_of_a_real_model_is_refused(tmp_path: Path) -> None:
    X, y = breast_cancer()
    package = build_package(HistGradientBoostingClassifier(max_iter=5).fit(X, y), X.head())
    recorded = package.manifest.options["trusted_types"]
    assert recorded  # the model needs a non-default type, so the list is not empty
    marker = tmp_path / "pwned"
    payload = skops_exec_payload(_writes(marker))
    manifest = _manifest_for("sklearn", "model.skops", payload, {"trusted_types": recorded})

    with pytest.raises(IntegrityError, match="untrusted types"):
        load_package(manifest, {"model.skops": payload})
    assert not marker.exists()


def test_skops_type_outside_the_recorded_list_is_refused() -> None:
    X, y = breast_cancer()
    package = build_package(HistGradientBoostingClassifier(max_iter=5).fit(X, y), X.head())
    emptied = _manifest_for("sklearn", "model.skops", package.files["model.skops"], {"trusted_types": []})

    with pytest.raises(IntegrityError, match="untrusted types") as caught:
        load_package(emptied, package.files)
    assert "TreePredictor" in str(caught.value)


def test_default_types_need_no_trusted_list() -> None:
    model, X = logistic_regression()
    package = build_package(model, X.head())
    assert package.manifest.options["trusted_types"] == []
    assert load_package(package.manifest, package.files).predict(X.head()).shape == (5,)


class _Exploit:
    """Unpickling this calls exec(code)."""

    def __init__(self, code: str) -> None:
        self.code = code

    def __reduce__(self) -> tuple[Any, tuple[str]]:
        return exec, (self.code,)


class _Model:
    def predict(self, X: Any) -> Any:
        return [0 for _ in X]


def test_cloudpickle_file_that_does_not_match_its_digest_does_not_run(tmp_path: Path) -> None:
    package = build_package(_Model(), [[1.0, 2.0]])
    marker = tmp_path / "pwned"
    payload = cloudpickle.dumps(_Exploit(_writes(marker)))

    with pytest.raises(IntegrityError, match=r"model\.pkl"):
        load_package(package.manifest, {"model.pkl": payload})
    assert not marker.exists()

    pickle.loads(payload)  # the payload is live: unpickling it runs it
    assert marker.exists()


def test_a_file_the_manifest_does_not_list_is_never_read(tmp_path: Path) -> None:
    package = build_package(_Model(), [[1.0, 2.0]])
    marker = tmp_path / "pwned"
    extra = {"extra.pkl": cloudpickle.dumps(_Exploit(_writes(marker)))}
    loaded = load_package(package.manifest, {**package.files, **extra})
    assert loaded.predict([[1.0, 2.0]]) == [0]
    assert not marker.exists()


def test_xgboost_options_cannot_name_a_class_outside_xgboost() -> None:
    xgb = pytest.importorskip("xgboost")
    X, y = breast_cancer()
    package = build_package(xgb.XGBClassifier(n_estimators=2).fit(X, y), X.head())
    data = package.files["model.ubj"]
    for bad in ("os", "system", "DMatrix", None):
        manifest = _manifest_for("xgboost", "model.ubj", data, {"class": bad})
        with pytest.raises(IntegrityError, match="unknown class"):
            load_package(manifest, package.files)
