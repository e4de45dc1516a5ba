"""Wasserstein distance: equal to ``scipy.stats.wasserstein_distance``, normed by the reference's std."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from tendml.stats.drift import Wasserstein
from tendml.stats.drift.wasserstein import MIN_STD, wasserstein_sorted
from tests.stats.drift.samples import pairs


@pytest.mark.parametrize(("reference", "current"), pairs())
def test_equals_scipy_normed_by_the_reference_std(reference: np.ndarray, current: np.ndarray) -> None:
    expected = stats.wasserstein_distance(reference, current) / max(np.std(reference), MIN_STD)
    result = Wasserstein().fit(reference).score(current)
    assert result.statistic == pytest.approx(expected, rel=1e-9, abs=1e-12)
    assert result.p_value is None
    assert result.drifted == (expected >= 0.1)


@pytest.mark.parametrize(
    ("n", "m"), [(1, 1), (1, 2), (2, 1), (2, 3), (3, 7), (7, 3), (5, 10), (6, 4), (13, 1000)]
)
def test_every_shape_of_the_quantile_steps(n: int, m: int) -> None:
    rng = np.random.default_rng(n * 1000 + m)
    for values in (rng.normal, lambda size: rng.integers(0, 3, size).astype(float)):
        a, b = np.sort(values(size=n)), np.sort(values(size=m))
        expected = stats.wasserstein_distance(a, b)
        assert wasserstein_sorted(a, b) == pytest.approx(expected, rel=1e-12, abs=1e-15)


def test_a_constant_reference_is_normed_by_the_floor() -> None:
    result = Wasserstein().fit(np.full(100, 2.0)).score(np.full(50, 2.0005))
    assert result.statistic == pytest.approx(0.0005 / MIN_STD)
    assert result.drifted


def test_identical_samples_are_at_distance_zero() -> None:
    values = np.random.default_rng(1).normal(size=5000)
    assert Wasserstein().fit(values).score(values[::-1]).statistic == 0.0
