"""XGBoost models (``XGBModel`` subclasses and ``Booster``) in XGBoost's native UBJSON format.

XGBoost is optional: it is imported only inside this module's functions, and models are
recognised by their class names so that packaging other models never imports it.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tendml.core.errors import IntegrityError
from tendml.packaging.flavor import defined_in, library_class
from tendml.packaging.requirements import distributions

MODEL_FILE = "model.ubj"
_BASES = frozenset({"XGBModel", "Booster"})


class XGBoostFlavor:
    """An XGBoost scikit-learn wrapper or Booster, as one ``model.ubj`` file."""

    name = "xgboost"

    def accepts(self, model: Any) -> bool:
        """True for ``xgboost.XGBModel`` subclasses and ``xgboost.Booster``."""
        return not isinstance(model, type) and defined_in(model, "xgboost", _BASES)

    def save(self, model: Any) -> tuple[dict[str, bytes], dict[str, Any]]:
        """``model.ubj`` and ``{"class": name}``, the XGBoost class to rebuild at load."""
        cls = library_class(model, "xgboost")
        if cls.__name__ == "Booster":
            data = bytes(model.save_raw("ubj"))
        else:
            # The wrapper's save_model also stores its own attributes (classes, feature names…).
            with tempfile.TemporaryDirectory() as folder:
                path = Path(folder) / MODEL_FILE
                model.save_model(path)
                data = path.read_bytes()
        return {MODEL_FILE: data}, {"class": cls.__name__, "format": "ubj"}

    def load(self, files: Mapping[str, bytes], options: Mapping[str, Any]) -> Any:
        """A new instance of the recorded class with ``load_model`` applied to the file."""
        cls = _xgboost_class(options.get("class"))
        data = files.get(MODEL_FILE)
        if data is None:
            raise IntegrityError(f"xgboost package has no {MODEL_FILE} file")
        model = cls()
        model.load_model(bytearray(data))
        return model

    def requirements(self, model: Any) -> list[str]:
        """XGBoost and NumPy, plus scikit-learn for the wrappers."""
        modules = ["xgboost", "numpy"]
        if library_class(model, "xgboost").__name__ != "Booster":
            modules.append("sklearn")
        return distributions(modules)

    def predictor(self, native: Any) -> Any:
        """A Booster predicts through ``inplace_predict``; a wrapper serves itself."""
        if library_class(native, "xgboost").__name__ == "Booster":
            return BoosterPredictor(native)
        return native


class BoosterPredictor:
    """``predict`` on a DataFrame or array for an ``xgboost.Booster``, which itself wants a DMatrix."""

    def __init__(self, booster: Any) -> None:
        self.booster = booster

    def predict(self, data: Any) -> Any:
        """The Booster's output for ``data`` (probabilities for a logistic objective)."""
        return self.booster.inplace_predict(data)


def _xgboost_class(name: Any) -> Any:
    # Only classes of the xgboost package itself can be named: the manifest cannot pick a module.
    import xgboost

    cls = getattr(xgboost, name, None) if isinstance(name, str) else None
    if not isinstance(cls, type) or not (issubclass(cls, (xgboost.XGBModel, xgboost.Booster))):
        raise IntegrityError(f"xgboost options: unknown class {name!r}")
    return cls
