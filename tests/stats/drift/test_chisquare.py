"""Chi-square: ``scipy.stats.chisquare`` of the current counts against the reference's shares."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from tendml.stats.drift import ChiSquare


def categories(rng: np.random.Generator, size: int, shares: list[float]) -> np.ndarray:
    return np.array(list("abcdefghij"[: len(shares)]))[rng.choice(len(shares), size=size, p=shares)]


@pytest.mark.parametrize(
    ("n_ref", "n_cur", "ref_shares", "cur_shares"),
    [
        (100, 80, [0.5, 0.3, 0.2], [0.5, 0.3, 0.2]),
        (1000, 1000, [0.5, 0.3, 0.2], [0.45, 0.35, 0.2]),
        (500, 5000, [0.1] * 10, [0.1] * 10),
        (20_000, 300_000, [0.4, 0.3, 0.2, 0.1], [0.38, 0.31, 0.2, 0.11]),
        (50, 30, [0.25, 0.25, 0.25, 0.25], [0.7, 0.1, 0.1, 0.1]),
    ],
)
def test_equals_scipy(n_ref: int, n_cur: int, ref_shares: list[float], cur_shares: list[float]) -> None:
    rng = np.random.default_rng(n_ref + n_cur)
    reference, current = categories(rng, n_ref, ref_shares), categories(rng, n_cur, cur_shares)
    keys = sorted(set(reference) | set(current))
    ref = np.array([np.sum(reference == k) for k in keys], dtype=float)
    cur = np.array([np.sum(current == k) for k in keys], dtype=float)
    expected = stats.chisquare(cur, ref * (n_cur / n_ref))
    result = ChiSquare().fit(reference).score(current)
    assert result.statistic == pytest.approx(expected.statistic, rel=1e-9, abs=1e-12)
    assert result.p_value == pytest.approx(expected.pvalue, rel=1e-9, abs=1e-12)
    assert result.drifted == (expected.pvalue < 0.05)


def test_a_category_new_in_the_current_sample_is_drift() -> None:
    result = ChiSquare().fit(np.array(["a", "b"] * 50)).score(np.array(["a", "b", "c"] * 30))
    assert (result.statistic, result.p_value, result.drifted) == (np.inf, 0.0, True)


def test_a_single_category_on_both_sides_is_no_drift() -> None:
    result = ChiSquare().fit(np.array(["a"] * 10)).score(np.array(["a"] * 3))
    assert (result.statistic, result.p_value, result.drifted) == (0.0, 1.0, False)


def test_numbers_are_counted_as_categories() -> None:
    reference, current = np.array([1.0, 2.0, 2.0, 3.0] * 25), np.array([1.0, 2.0, 3.0, 3.0] * 25)
    expected = stats.chisquare([25, 25, 50], [25, 50, 25])
    result = ChiSquare().fit(reference).score(current)
    assert result.statistic == pytest.approx(expected.statistic) and result.p_value == pytest.approx(
        expected.pvalue
    )
