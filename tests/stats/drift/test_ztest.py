"""Z-test for two proportions: the 2×2 Pearson chi-square test without continuity correction."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from tendml.stats.drift import ZTest


@pytest.mark.parametrize(
    ("n_ref", "n_cur", "p_ref", "p_cur"),
    [(50, 40, 0.5, 0.5), (1000, 800, 0.3, 0.35), (200, 100_000, 0.9, 0.85), (30_000, 30_000, 0.5, 0.49)],
)
def test_equals_scipys_chi2_contingency_without_correction(
    n_ref: int, n_cur: int, p_ref: float, p_cur: float
) -> None:
    rng = np.random.default_rng(n_ref)
    reference, current = rng.random(n_ref) < p_ref, rng.random(n_cur) < p_cur
    table = [[np.sum(~reference), np.sum(reference)], [np.sum(~current), np.sum(current)]]
    expected = stats.chi2_contingency(table, correction=False)
    result = ZTest().fit(reference).score(current)
    assert result.statistic**2 == pytest.approx(expected.statistic, rel=1e-9, abs=1e-12)
    assert result.p_value == pytest.approx(expected.pvalue, rel=1e-9, abs=1e-12)
    assert result.drifted == (expected.pvalue < 0.05)
    # the sign says which way: positive when the reference has more True (the second category)
    assert np.sign(result.statistic) == np.sign(reference.mean() - current.mean())


def test_one_and_the_same_value_on_both_sides_is_no_drift() -> None:
    result = ZTest().fit(np.array(["yes"] * 10)).score(np.array(["yes"] * 4))
    assert (result.statistic, result.p_value, result.drifted) == (0.0, 1.0, False)


def test_more_than_two_categories_compare_the_first_with_the_others() -> None:
    # As Evidently: with keys sorted, values equal to the first one against all others.
    reference = np.array(["a"] * 60 + ["b"] * 40)
    current = np.array(["a"] * 30 + ["b"] * 40 + ["c"] * 30)
    binary = ZTest().fit(reference == "a").score(current == "a")
    assert ZTest().fit(reference).score(current).p_value == pytest.approx(binary.p_value, rel=1e-12)
