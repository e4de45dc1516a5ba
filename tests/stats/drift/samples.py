"""Pairs of samples (reference, current) the drift methods are checked on against SciPy."""

from __future__ import annotations

import numpy as np
import pytest

FloatArray = np.ndarray


def _pair(seed: int, case: str) -> tuple[FloatArray, FloatArray]:
    rng = np.random.default_rng(seed)
    normal = rng.normal
    if case == "small":
        return normal(size=40), normal(size=60)
    if case == "small-shift":
        return normal(size=300), normal(0.5, size=200)
    if case == "ties":
        return np.round(normal(size=2000), 1), np.round(normal(0.1, 1.2, size=3000), 1)
    if case == "integers":
        return rng.integers(0, 20, 5000).astype(float), rng.integers(2, 22, 7000).astype(float)
    if case == "one-value":
        return np.array([0.3]), normal(size=50)
    if case == "equal-sizes":
        return normal(size=1000), normal(0.05, size=1000)
    if case == "disjoint":
        return rng.uniform(0, 1, 500), rng.uniform(5, 6, 700)
    if case == "large-asymptotic":
        return normal(size=1500), normal(0.02, size=20_000)
    if case == "large-both":
        return normal(size=30_000), normal(0, 1.1, size=25_000)
    if case == "heavy-tails":
        return rng.standard_t(2, 12_000), rng.standard_t(2, 11_000) + 0.03
    if case == "large-ties":
        return rng.integers(0, 50, 60_000).astype(float), rng.integers(0, 51, 250_000).astype(float)
    raise ValueError(case)


CASES = [
    "small",
    "small-shift",
    "ties",
    "integers",
    "one-value",
    "equal-sizes",
    "disjoint",
    "large-asymptotic",
    "large-both",
    "heavy-tails",
    "large-ties",
]


def pairs() -> list[object]:
    """Every case, as pytest parameters ``(reference, current)`` with the case's name as id."""
    return [pytest.param(*_pair(i, case), id=case) for i, case in enumerate(CASES)]
