"""The conformance check every model flavor passes, built-in or third-party.

A third-party flavor registers itself (:func:`tendml.packaging.register_flavor`) and runs
``check_flavor(model, X, flavor="mine")`` in its own tests.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from tendml.core.errors import IntegrityError
from tendml.packaging import LoadedModel, Manifest, Package, build_package, flavor_for, load_package
from tendml.packaging.flavor import predictor_of


def check_flavor(
    model: Any, X: Any, *, flavor: str | None = None, rtol: float = 1e-6, atol: float = 1e-12
) -> LoadedModel:
    """Package ``model``, load it back and check it predicts as the original does.

    Checks that the manifest survives a round trip through bytes; that ``predict`` (and
    ``predict_proba`` when the model has it) give the original's results on ``X``, also when the
    columns come as a dict in reverse order; and that a flipped byte in any file, or a missing
    file, makes :func:`load_package` raise :class:`IntegrityError`. Floating-point results may
    differ by ``rtol``/``atol`` (memory layout changes the order of sums); others must be equal.

    Returns:
        The loaded model, for further checks.

    Raises:
        AssertionError: naming the check that failed.
    """
    package = build_package(model, X, flavor=flavor)
    manifest = Manifest.from_bytes(package.manifest.to_bytes())
    _require(manifest == package.manifest, "the manifest changed in a round trip through bytes")
    _require(manifest.to_bytes() == package.manifest.to_bytes(), "the manifest bytes are not canonical")
    _require({f.name for f in manifest.files} == set(package.files), "the manifest does not list every file")
    loaded = load_package(manifest, package.files)
    original = predictor_of(flavor_for(model, manifest.flavor), model)
    for method in manifest.signature.methods:
        expected = getattr(original, method)(X)
        _require_same(getattr(loaded, method)(X), expected, f"{method} on X", rtol, atol)
        if isinstance(X, pd.DataFrame):
            reordered = {c: X[c].to_numpy() for c in reversed(list(X.columns))}
            _require_same(getattr(loaded, method)(reordered), expected, f"{method} on a dict", rtol, atol)
    _check_tampering(package)
    return loaded


def _check_tampering(package: Package) -> None:
    for name, data in package.files.items():
        for position in {0, len(data) // 2, len(data) - 1}:
            flipped = bytearray(data)
            flipped[position] ^= 0xFF
            _require_refused(
                package, {**package.files, name: bytes(flipped)}, f"{name} with byte {position} flipped"
            )
        missing = {k: v for k, v in package.files.items() if k != name}
        _require_refused(package, missing, f"a package without {name}")


def _require_refused(package: Package, files: dict[str, bytes], what: str) -> None:
    try:
        load_package(package.manifest, files)
    except IntegrityError:
        return
    raise AssertionError(f"load_package accepted {what}: it must raise IntegrityError")


def _require_same(actual: Any, expected: Any, what: str, rtol: float, atol: float) -> None:
    got, want = np.asarray(actual), np.asarray(expected)
    _require(got.shape == want.shape, f"{what}: shape {got.shape} differs from the original's {want.shape}")
    if got.dtype.kind in "fc" and want.dtype.kind in "fc":
        np.testing.assert_allclose(got, want, rtol=rtol, atol=atol, err_msg=what)
    else:
        np.testing.assert_array_equal(got, want, err_msg=what)


def _require(condition: bool, message: str) -> None:
    # Not a bare assert: the checks must hold under python -O too.
    if not condition:
        raise AssertionError(message)
