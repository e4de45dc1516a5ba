"""Which installed distributions (and versions) a model needs, from the modules it is built from."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from importlib import metadata


@functools.cache
def _distributions_by_module() -> dict[str, list[str]]:
    # Scanning every installed distribution takes tens of milliseconds: do it once per process.
    return dict(metadata.packages_distributions())


def distributions(modules: Iterable[str]) -> list[str]:
    """Distribution names providing ``modules`` (import names; dotted names use their top level).

    Modules that no installed distribution provides (``__main__``, a script, the standard library)
    are left out. ``xgboost`` maps to whichever of ``xgboost`` / ``xgboost-cpu`` is installed.

    >>> distributions(["sklearn.linear_model._logistic"])
    ['scikit-learn']
    """
    found: list[str] = []
    table = _distributions_by_module()
    for module in modules:
        for dist in table.get(module.split(".")[0], [])[:1]:
            if dist not in found:
                found.append(dist)
    return found


def pin(names: Iterable[str]) -> tuple[str, ...]:
    """``name==version`` for each installed distribution, sorted; names not installed are left out.

    >>> pin(["numpy"])[0].startswith("numpy==")
    True
    """
    pinned: set[str] = set()
    for name in names:
        try:
            pinned.add(f"{name}=={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            continue
    return tuple(sorted(pinned, key=str.lower))


def tendml_version() -> str:
    """The installed tendml version, ``0.0.0`` when running from a source tree that is not installed."""
    try:
        return metadata.version("tendml")
    except metadata.PackageNotFoundError:
        return "0.0.0"


def module_of(obj: object) -> str:
    """The module that defines ``obj``'s class."""
    return type(obj).__module__ or ""
