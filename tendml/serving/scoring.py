"""Scoring a batch: validated columns in, predictions and class probabilities out.

NumPy on the hot path: a 2-D float array goes to the model unless it needs a DataFrame (it was
fitted on named columns, or it takes non-numeric columns); classifiers are scored once with
``predict_proba`` and their labels derived from it.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from tendml.entities.models import IOKind, ModelVersion
from tendml.packaging import LoadedModel


class Scorer:
    """One loaded model version, ready to score concatenated batches."""

    def __init__(self, model: LoadedModel, version: ModelVersion) -> None:
        self.model = model
        self.version = version
        self.signature = model.signature
        predictor = model.predictor
        classes = self.signature.classes
        self._proba = (
            getattr(predictor, "predict_proba", None) if "predict_proba" in self.signature.methods else None
        )
        self._predict = predictor.predict
        self.classes: np.ndarray | None = np.asarray(classes, dtype=object) if classes is not None else None
        self._labels = _label_array(classes)
        self._frame = self.signature.inputs.kind is IOKind.COLUMNS and _needs_frame(model)
        #: Seconds the last warm-up call took (None before :meth:`warm`): a first guess at a lone
        #: request's scoring time.
        self.warm_seconds: float | None = None

    def score(
        self,
        columns: Mapping[str, np.ndarray] | None,
        tensor: np.ndarray | None,
        *,
        matrix: np.ndarray | None = None,
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """(predictions, probabilities or None) for one batch of validated inputs; ``matrix``, when
        given, holds the columns as one float64 array ``(rows, columns)`` (used whole by a model that
        takes arrays)."""
        X = matrix if matrix is not None and not self._frame else self.model_input(columns, tensor)
        if self._proba is not None and self._labels is not None:
            proba = np.asarray(self._proba(X), dtype=np.float64)
            return self._labels[np.argmax(proba, axis=1)], proba
        return np.asarray(self._predict(X)), None

    def warm(self, columns: Mapping[str, np.ndarray] | None, tensor: np.ndarray | None) -> None:
        """Score a sample once (first-call costs are paid here, not by a request) and, for a model
        fitted on named numeric columns in signature order, switch to plain arrays if they give
        exactly the same output (a model that selects columns by name fails or differs, and keeps
        its DataFrame)."""
        self.score(columns, tensor)  # first-call costs (imports, allocations) are not a request's
        started = time.perf_counter()
        expected = self.score(columns, tensor)
        self.warm_seconds = time.perf_counter() - started
        names = getattr(self.model.predictor, "feature_names_in_", None)
        if not self._frame or names is None or [str(n) for n in names] != list(self.signature.inputs.names):
            return
        if any(c.type not in _NUMERIC for c in self.signature.inputs.columns):
            return
        self._frame = False
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                got = self.score(columns, tensor)
            same = np.array_equal(got[0], expected[0]) and (
                expected[1] is None or np.allclose(got[1], expected[1], rtol=0, atol=0)  # type: ignore[arg-type]
            )
        except Exception:  # noqa: BLE001 - an array the model cannot take means: keep the DataFrame
            same = False
        self._frame = not same
        if same:  # scikit-learn would warn about the missing names on every call
            warnings.filterwarnings(
                "ignore", message="X does not have valid feature names", category=UserWarning
            )
            started = time.perf_counter()
            self.score(columns, tensor)
            self.warm_seconds = time.perf_counter() - started

    def model_input(self, columns: Mapping[str, np.ndarray] | None, tensor: np.ndarray | None) -> Any:
        """What the model takes: a DataFrame, a 2-D float array, or the tensor as given."""
        if tensor is not None:
            return tensor
        assert columns is not None
        if self._frame:
            return pd.DataFrame(columns, copy=False)
        return np.column_stack(list(columns.values())).astype(np.float64, copy=False)


def _label_array(classes: Any) -> np.ndarray | None:
    if classes is None:
        return None
    values = list(classes)
    if all(isinstance(v, (bool, np.bool_)) for v in values):
        return np.asarray(values, dtype=bool)
    if all(isinstance(v, (int, np.integer)) for v in values):
        return np.asarray(values, dtype=np.int64)
    if all(isinstance(v, (int, float, np.number)) for v in values):
        return np.asarray(values, dtype=np.float64)
    return np.asarray(values, dtype=object)


_NUMERIC = {"double", "float", "long", "integer", "boolean"}


def _needs_frame(model: LoadedModel) -> bool:
    """A DataFrame unless every column is numeric and the model was not fitted on named columns
    (``warm`` may still switch a named-column model to arrays once it proves them equivalent)."""
    if any(c.type not in _NUMERIC for c in model.signature.inputs.columns):
        return True
    return getattr(model.predictor, "feature_names_in_", None) is not None
