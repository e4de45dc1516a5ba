"""LightGBM models (scikit-learn wrappers and ``Booster``) in LightGBM's native text format.

Only the Booster is stored; a wrapper comes back as a small predictor of this module whose
``predict`` / ``predict_proba`` give what the wrapper gave. LightGBM is imported only here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from tendml.core.errors import IntegrityError
from tendml.packaging.flavor import defined_in, library_class
from tendml.packaging.requirements import distributions

MODEL_FILE = "model.txt"
_BASES = frozenset({"LGBMModel", "Booster"})
CUSTOM_OBJECTIVE = "custom"


class LightGBMFlavor:
    """A LightGBM scikit-learn wrapper or Booster, as one ``model.txt`` file."""

    name = "lightgbm"

    def accepts(self, model: Any) -> bool:
        """True for ``lightgbm.LGBMModel`` subclasses and ``lightgbm.Booster``."""
        return not isinstance(model, type) and defined_in(model, "lightgbm", _BASES)

    def save(self, model: Any) -> tuple[dict[str, bytes], dict[str, Any]]:
        """``model.txt`` and ``{"class", "classes", "objective"}`` of the wrapper."""
        cls = library_class(model, "lightgbm").__name__
        if cls == "Booster":
            text = model.model_to_string()
            return {MODEL_FILE: text.encode()}, {"class": cls, "classes": None, "objective": None}
        classes = model.classes_.tolist() if hasattr(model, "classes_") else None
        objective = model.objective_ if isinstance(model.objective_, str) else CUSTOM_OBJECTIVE
        options = {"class": cls, "classes": classes, "objective": objective}
        return {MODEL_FILE: model.booster_.model_to_string().encode()}, options

    def load(self, files: Mapping[str, bytes], options: Mapping[str, Any]) -> Any:
        """The Booster for a Booster, else an :class:`LGBMPredictor` or :class:`LGBMClassifierPredictor`."""
        import lightgbm

        data = files.get(MODEL_FILE)
        if data is None:
            raise IntegrityError(f"lightgbm package has no {MODEL_FILE} file")
        try:
            booster = lightgbm.Booster(model_str=data.decode())
        except (UnicodeDecodeError, lightgbm.basic.LightGBMError) as err:
            raise IntegrityError(f"{MODEL_FILE} is not a LightGBM model: {err}") from err
        cls, classes = options.get("class"), options.get("classes")
        objective = str(options.get("objective"))
        if cls == "Booster":
            return booster
        if classes is not None:
            return LGBMClassifierPredictor(booster, objective, classes)
        return LGBMPredictor(booster, objective)

    def requirements(self, model: Any) -> list[str]:
        """LightGBM and NumPy."""
        return distributions(["lightgbm", "numpy"])


class LGBMPredictor:
    """What ``LGBMRegressor`` / ``LGBMRanker`` predict, from their Booster alone."""

    def __init__(self, booster: Any, objective: str) -> None:
        self.booster_ = booster
        self.objective_ = objective

    @property
    def n_features_in_(self) -> int:
        """Number of input features of the Booster."""
        return int(self.booster_.num_feature())

    def predict(self, data: Any) -> Any:
        """The Booster's predictions for ``data``."""
        return self.booster_.predict(data)


class LGBMClassifierPredictor(LGBMPredictor):
    """What ``LGBMClassifier`` predicts: class labels and one probability column per class."""

    def __init__(self, booster: Any, objective: str, classes: list[Any]) -> None:
        super().__init__(booster, objective)
        self.classes_ = np.asarray(classes)

    def predict_proba(self, data: Any) -> Any:
        """Class probabilities, one column per entry of ``classes_`` (raw scores for a custom objective)."""
        result = self.booster_.predict(data)
        if self.objective_ == CUSTOM_OBJECTIVE or result.ndim != 1:
            return result
        return np.column_stack([1.0 - result, result])

    def predict(self, data: Any) -> Any:
        """The most probable class of each row (raw scores for a custom objective)."""
        proba = self.predict_proba(data)
        if self.objective_ == CUSTOM_OBJECTIVE:
            return proba
        return self.classes_[np.argmax(proba, axis=1)]
