"""The Flavor protocol: how one kind of model is saved to named files and loaded back."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol, runtime_checkable


@runtime_checkable
class Flavor(Protocol):
    """Save a kind of model as named files plus JSON-ready options, and load it back.

    ``load`` is called only by :func:`tendml.packaging.load_package`, after every file's sha256
    matched the manifest: a flavor never sees bytes that were not verified.
    """

    name: str

    def accepts(self, model: Any) -> bool:
        """True if this flavor can save ``model``."""
        ...

    def save(self, model: Any) -> tuple[dict[str, bytes], dict[str, Any]]:
        """The model's files (name → bytes) and the options ``load`` needs (JSON-ready)."""
        ...

    def load(self, files: Mapping[str, bytes], options: Mapping[str, Any]) -> Any:
        """The native model rebuilt from verified ``files`` and the ``options`` of the manifest."""
        ...

    def requirements(self, model: Any) -> list[str]:
        """Names of the distributions the model needs at load time (unpinned)."""
        ...


@runtime_checkable
class HasPredictor(Protocol):
    """Optional extension of a flavor whose native model has no array-friendly ``predict``.

    ``predictor(native)`` returns an object with ``predict`` (and ``predict_proba`` if any)
    taking a pandas DataFrame or NumPy array. Without it the native model itself is used.
    """

    def predictor(self, native: Any) -> Any:
        """An object whose ``predict`` accepts a DataFrame or NumPy array."""
        ...


def predictor_of(flavor: Flavor, native: Any) -> Any:
    """The object whose ``predict`` serves ``native``: the flavor's predictor, else the model itself."""
    if isinstance(flavor, HasPredictor):
        return flavor.predictor(native)
    return native


def defined_in(model: Any, package: str, names: frozenset[str]) -> bool:
    """True if a class named in ``names`` from ``package`` is in ``model``'s class hierarchy.

    Lets a flavor recognise a model without importing the (heavy, optional) library.

    >>> class Booster: ...
    >>> defined_in(Booster(), "xgboost", frozenset({"Booster"}))
    False
    """
    for cls in type(model).__mro__:
        module = getattr(cls, "__module__", "") or ""
        if module.split(".")[0] == package and cls.__name__ in names:
            return True
    return False


def library_class(model: Any, package: str) -> type:
    """The first class of ``model``'s hierarchy defined in ``package`` (a user subclass → its base)."""
    for cls in type(model).__mro__:
        if (getattr(cls, "__module__", "") or "").split(".")[0] == package:
            return cls
    raise TypeError(f"{type(model).__name__} has no base class from {package}")
