"""Every built-in flavor through the one conformance check of tendml.testing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from tendml.testing import check_flavor
from tests.packaging.datasets import breast_cancer, diabetes, iris, logistic_regression


class MeanModel:
    """A model that is not from any library: predicts the training mean plus a per-row offset."""

    def __init__(self, mean: float) -> None:
        self.mean = mean

    def predict(self, X: Any) -> np.ndarray:
        return self.mean + np.asarray(X, dtype=float).sum(axis=1) * 0.01


Case = Callable[[], tuple[Any, Any]]


def _sklearn_logistic() -> tuple[Any, Any]:
    return logistic_regression()


def _sklearn_pipeline() -> tuple[Any, Any]:
    X, y = breast_cancer()
    model = make_pipeline(StandardScaler(), HistGradientBoostingClassifier(max_iter=10))
    return model.fit(X, y), X


def _sklearn_forest() -> tuple[Any, Any]:
    X, y = diabetes()
    return RandomForestRegressor(n_estimators=10, random_state=0).fit(X, y), X


def _xgboost(kind: str) -> Case:
    def case() -> tuple[Any, Any]:
        xgb = pytest.importorskip("xgboost")
        if kind == "regressor":
            X, y = diabetes()
            return xgb.XGBRegressor(n_estimators=10).fit(X, y), X
        X, y = breast_cancer() if kind == "binary" else iris()
        model = xgb.XGBClassifier(n_estimators=10).fit(X, y)
        return (model.get_booster(), X) if kind == "booster" else (model, X)

    return case


def _lightgbm(kind: str) -> Case:
    def case() -> tuple[Any, Any]:
        lgb = pytest.importorskip("lightgbm")
        if kind in {"regressor", "booster"}:
            X, y = diabetes()
            model = lgb.LGBMRegressor(n_estimators=10, verbose=-1).fit(X, y)
            return (model.booster_, X) if kind == "booster" else (model, X)
        X, y = breast_cancer() if kind == "binary" else iris()
        if kind == "multiclass":  # string labels: predict must map back to them
            y = y.map({0: "setosa", 1: "versicolor", 2: "virginica"})
        return lgb.LGBMClassifier(n_estimators=10, verbose=-1).fit(X, y), X

    return case


def _python() -> tuple[Any, Any]:
    X, y = diabetes()
    return MeanModel(float(y.mean())), X


CASES: dict[str, tuple[Case, str]] = {
    "sklearn-logistic-frame": (_sklearn_logistic, "sklearn"),
    "sklearn-pipeline-frame": (_sklearn_pipeline, "sklearn"),
    "sklearn-forest-array": (_sklearn_forest, "sklearn"),
    "xgboost-binary": (_xgboost("binary"), "xgboost"),
    "xgboost-multiclass": (_xgboost("multiclass"), "xgboost"),
    "xgboost-regressor": (_xgboost("regressor"), "xgboost"),
    "xgboost-booster": (_xgboost("booster"), "xgboost"),
    "lightgbm-binary": (_lightgbm("binary"), "lightgbm"),
    "lightgbm-multiclass": (_lightgbm("multiclass"), "lightgbm"),
    "lightgbm-regressor": (_lightgbm("regressor"), "lightgbm"),
    "lightgbm-booster": (_lightgbm("booster"), "lightgbm"),
    "python-class": (_python, "python"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_flavor_conformance(case: str) -> None:
    make, flavor = CASES[case]
    model, X = make()
    loaded = check_flavor(model, X)
    assert loaded.flavor == flavor
    classes = getattr(model, "classes_", None)
    if classes is not None:
        assert loaded.signature.classes == tuple(np.asarray(classes).tolist())
        np.testing.assert_array_equal(loaded.native.classes_, classes)


def test_lightgbm_classifier_keeps_string_labels() -> None:
    model, X = _lightgbm("multiclass")()
    loaded = check_flavor(model, X)
    assert set(loaded.predict(X)) <= {"setosa", "versicolor", "virginica"}
    assert loaded.predict_proba(X).shape == (len(X), 3)


def test_xgboost_wrapper_class_comes_back() -> None:
    model, X = _xgboost("multiclass")()
    loaded = check_flavor(model, X)
    assert type(loaded.native) is type(model)
    assert loaded.manifest.options["class"] == "XGBClassifier"
