"""The built-in model flavors and the table that picks one for a model or a manifest."""

from __future__ import annotations

from typing import Any

from tendml.core.errors import Conflict, ValidationFailed
from tendml.packaging.flavor import Flavor
from tendml.packaging.flavors.lightgbm import LightGBMFlavor
from tendml.packaging.flavors.python import PythonFlavor
from tendml.packaging.flavors.sklearn import SklearnFlavor
from tendml.packaging.flavors.xgboost import XGBoostFlavor

# Most specific first: XGBoost and LightGBM wrappers are scikit-learn estimators too, and every
# model with a ``predict`` is accepted by the python flavor.
_BUILTIN: tuple[Flavor, ...] = (XGBoostFlavor(), LightGBMFlavor(), SklearnFlavor(), PythonFlavor())
_registered: list[Flavor] = []


def available_flavors() -> tuple[Flavor, ...]:
    """Every flavor in the order they are tried: registered ones first, then the built-in ones."""
    return (*_registered, *_BUILTIN)


def register_flavor(flavor: Flavor) -> None:
    """Add a third-party flavor, tried before the built-in ones.

    Raises:
        Conflict: a flavor with that name exists.
    """
    if not isinstance(flavor, Flavor):
        raise ValidationFailed(
            f"{type(flavor).__name__} is not a Flavor",
            field="flavor",
            hint="give it name, accepts, save, load and requirements",
        )
    if any(f.name == flavor.name for f in available_flavors()):
        raise Conflict(f"a flavor named {flavor.name!r} is already registered", field="flavor")
    _registered.insert(0, flavor)


def flavor_for(model: Any, name: str | None = None) -> Flavor:
    """The flavor called ``name``, or else the first one that accepts ``model``.

    >>> flavor_for(None, "sklearn").name
    'sklearn'

    Raises:
        ValidationFailed: no flavor has that name, or none accepts the model.
    """
    supported = ", ".join(f.name for f in available_flavors())
    if name is not None:
        for flavor in available_flavors():
            if flavor.name == name:
                return flavor
        raise ValidationFailed(f"unknown flavor {name!r}", field="flavor", hint=f"use one of: {supported}")
    for flavor in available_flavors():
        if flavor.accepts(model):
            return flavor
    raise ValidationFailed(
        f"no flavor can package a {type(model).__module__}.{type(model).__qualname__}",
        field="model",
        hint=f"supported: {supported} (a scikit-learn estimator, an XGBoost or LightGBM model, "
        "or any object with a predict method)",
    )


__all__ = [
    "LightGBMFlavor",
    "PythonFlavor",
    "SklearnFlavor",
    "XGBoostFlavor",
    "available_flavors",
    "flavor_for",
    "register_flavor",
]
