"""Manifests, flavor choice, requirements, and predicting on every form of input."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Mapping
from importlib import metadata
from typing import Any

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest
from sklearn.linear_model import LinearRegression

import tendml.packaging.flavors as flavors_module
from tendml.core.errors import Conflict, IntegrityError, ValidationFailed
from tendml.packaging import (
    Manifest,
    available_flavors,
    build_package,
    flavor_for,
    load_package,
    register_flavor,
)
from tendml.testing import check_flavor
from tests.packaging.datasets import diabetes, logistic_regression


@pytest.fixture(scope="module")
def classifier() -> tuple[Any, pd.DataFrame]:
    return logistic_regression()


def test_manifest_round_trips_through_canonical_bytes(classifier: tuple[Any, pd.DataFrame]) -> None:
    model, X = classifier
    manifest = build_package(model, X.head()).manifest
    again = Manifest.from_bytes(manifest.to_bytes())
    assert again == manifest
    assert again.to_bytes() == manifest.to_bytes()
    assert manifest.python_version == ".".join(map(str, sys.version_info[:3]))
    assert manifest.tendml_version


@pytest.mark.parametrize(
    "data",
    [
        b"not json",
        b"[]",
        b"{}",
        b'{"flavor": "sklearn"}',
    ],
)
def test_malformed_manifest_is_an_integrity_error(data: bytes) -> None:
    with pytest.raises(IntegrityError, match="malformed"):
        Manifest.from_bytes(data)


def test_manifest_with_a_bad_file_entry_is_an_integrity_error(classifier: tuple[Any, pd.DataFrame]) -> None:
    model, X = classifier
    good = build_package(model, X.head()).manifest.to_dict()
    for bad in ({"digest": "abc"}, {"size": -1}, {"size": "12"}, {"name": 3}):
        raw = {**good, "files": [{**good["files"][0], **bad}]}
        with pytest.raises(IntegrityError):
            Manifest.from_bytes(pd.io.json.ujson_dumps(raw).encode())
    twice = {**good, "files": good["files"] * 2}
    with pytest.raises(IntegrityError, match="repeat"):
        Manifest.from_bytes(pd.io.json.ujson_dumps(twice).encode())


def test_requirements_pin_installed_distributions(classifier: tuple[Any, pd.DataFrame]) -> None:
    model, X = classifier
    requirements = build_package(model, X.head()).manifest.requirements
    assert f"scikit-learn=={metadata.version('scikit-learn')}" in requirements
    assert f"skops=={metadata.version('skops')}" in requirements
    xgb = pytest.importorskip("xgboost")
    booster_requirements = build_package(xgb.XGBRegressor(n_estimators=2).fit(X, X.iloc[:, 0]), X).manifest
    dist = metadata.packages_distributions()["xgboost"][0]  # xgboost or xgboost-cpu
    assert f"{dist}=={metadata.version(dist)}" in booster_requirements.requirements


def test_flavor_is_chosen_most_specific_first(classifier: tuple[Any, pd.DataFrame]) -> None:
    xgb = pytest.importorskip("xgboost")
    lgb = pytest.importorskip("lightgbm")
    assert flavor_for(xgb.XGBClassifier()).name == "xgboost"
    assert flavor_for(lgb.LGBMRegressor()).name == "lightgbm"
    assert flavor_for(classifier[0]).name == "sklearn"
    assert flavor_for(_Model()).name == "python"
    assert [f.name for f in available_flavors()] == ["xgboost", "lightgbm", "sklearn", "python"]


def test_unknown_model_or_flavor_names_what_is_supported() -> None:
    with pytest.raises(ValidationFailed) as caught:
        flavor_for(object())
    assert caught.value.field == "model"
    assert caught.value.hint is not None
    assert "sklearn" in caught.value.hint
    with pytest.raises(ValidationFailed) as caught:
        flavor_for(None, "onnx")
    assert caught.value.field == "flavor"


def test_named_flavor_must_accept_the_model(classifier: tuple[Any, pd.DataFrame]) -> None:
    with pytest.raises(ValidationFailed) as caught:
        build_package(classifier[0], classifier[1].head(), flavor="xgboost")
    assert caught.value.field == "flavor"


def test_other_model_libraries_are_not_imported() -> None:
    code = (
        "import sys, numpy as np\n"
        "from sklearn.linear_model import LinearRegression\n"
        "from tendml.packaging import build_package, load_package\n"
        "p = build_package(LinearRegression().fit(np.ones((2, 2)), [0.0, 1.0]), np.ones((1, 2)))\n"
        "load_package(p.manifest, p.files)\n"
        "assert 'xgboost' not in sys.modules and 'lightgbm' not in sys.modules, 'imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


@pytest.mark.parametrize(
    "convert",
    [
        lambda X: X,
        lambda X: X[list(reversed(X.columns))].assign(extra=1.0),
        lambda X: X.to_dict("list"),
        lambda X: X.to_dict("records"),
        pa.Table.from_pandas,
        pl.from_pandas,
        lambda X: X.to_numpy(),
    ],
    ids=["pandas", "pandas-reordered", "dict", "records", "pyarrow", "polars", "numpy"],
)
def test_columns_model_predicts_on_every_input_form(
    classifier: tuple[Any, pd.DataFrame], convert: Any
) -> None:
    model, X = classifier
    package = build_package(model, X.head())
    loaded = load_package(package.manifest, package.files)
    rows = X.head(20)
    np.testing.assert_array_equal(loaded.predict(convert(rows)), model.predict(rows))
    np.testing.assert_allclose(loaded.predict_proba(convert(rows)), model.predict_proba(rows), rtol=1e-9)


def test_one_record_as_a_dict_of_scalars(classifier: tuple[Any, pd.DataFrame]) -> None:
    model, X = classifier
    package = build_package(model, X.head())
    loaded = load_package(package.manifest, package.files)
    assert loaded.predict(X.iloc[0].to_dict()).tolist() == model.predict(X.head(1)).tolist()


def test_missing_column_is_a_validation_error(classifier: tuple[Any, pd.DataFrame]) -> None:
    model, X = classifier
    package = build_package(model, X.head())
    loaded = load_package(package.manifest, package.files)
    with pytest.raises(ValidationFailed, match="missing columns") as caught:
        loaded.predict(X.drop(columns=[X.columns[3]]))
    assert caught.value.field == "data"


def test_tensor_model_converts_and_checks_shape() -> None:
    X, y = diabetes()
    model = LinearRegression().fit(X, y)
    package = build_package(model, X[:5])
    loaded = load_package(package.manifest, package.files)
    expected = model.predict(X[:10])
    np.testing.assert_allclose(loaded.predict(X[:10].tolist()), expected)
    np.testing.assert_allclose(loaded.predict(pd.DataFrame(X[:10])), expected)
    np.testing.assert_allclose(loaded.predict(X[:10].astype("float32")), expected, rtol=1e-5)
    with pytest.raises(ValidationFailed, match="shape") as caught:
        loaded.predict(X[:10, :4])
    assert caught.value.field == "data"
    with pytest.raises(ValidationFailed, match="convert"):
        loaded.predict(np.array([["a"] * 10]))


def test_predict_proba_on_a_regressor_is_a_validation_error() -> None:
    X, y = diabetes()
    package = build_package(LinearRegression().fit(X, y), X[:5])
    loaded = load_package(package.manifest, package.files)
    assert loaded.signature.methods == ("predict",)
    with pytest.raises(ValidationFailed, match="predict_proba") as caught:
        loaded.predict_proba(X[:5])
    assert caught.value.field == "method"


def test_missing_file_is_an_integrity_error(classifier: tuple[Any, pd.DataFrame]) -> None:
    package = build_package(classifier[0], classifier[1].head())
    with pytest.raises(IntegrityError, match=r"model\.skops"):
        load_package(package.manifest, {})


class _Model:
    def __init__(self, weights: list[float] | None = None) -> None:
        self.weights = weights or [1.0]

    def predict(self, X: Any) -> np.ndarray:
        return np.asarray(X, dtype=float) @ np.asarray(self.weights)


class JsonLinearFlavor:
    """A third-party flavor: a linear model stored as JSON, no pickle at all."""

    name = "json-linear"

    def accepts(self, model: Any) -> bool:
        return isinstance(model, _Model)

    def save(self, model: Any) -> tuple[dict[str, bytes], dict[str, Any]]:
        return {"weights.json": pd.io.json.ujson_dumps(model.weights).encode()}, {}

    def load(self, files: Mapping[str, bytes], options: Mapping[str, Any]) -> Any:
        return _Model(pd.io.json.ujson_loads(files["weights.json"]))

    def requirements(self, model: Any) -> list[str]:
        return ["numpy"]


def test_a_third_party_flavor_runs_the_conformance_check(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(flavors_module, "_registered", [])
    register_flavor(JsonLinearFlavor())
    assert flavor_for(_Model()).name == "json-linear"
    loaded = check_flavor(_Model([0.5, -2.0]), np.array([[1.0, 2.0], [3.0, 4.0]]), flavor="json-linear")
    assert loaded.manifest.requirements == (f"numpy=={np.__version__}",)
    with pytest.raises(Conflict):
        register_flavor(JsonLinearFlavor())
    with pytest.raises(ValidationFailed):
        register_flavor(object())  # type: ignore[arg-type]
