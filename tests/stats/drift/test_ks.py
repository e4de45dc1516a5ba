"""Kolmogorov–Smirnov: statistic and p-value equal to ``scipy.stats.ks_2samp(method="auto")``."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from tendml.core.errors import ValidationFailed
from tendml.stats.drift import KolmogorovSmirnov
from tendml.stats.drift.ks import EXACT_MAX, ks_statistic
from tests.stats.drift.samples import pairs


@pytest.mark.parametrize(("reference", "current"), pairs())
def test_equals_scipy(reference: np.ndarray, current: np.ndarray) -> None:
    expected = stats.ks_2samp(reference, current, method="auto")
    result = KolmogorovSmirnov().fit(reference).score(current)
    assert result.statistic == pytest.approx(expected.statistic, rel=1e-9, abs=1e-12)
    assert result.p_value == pytest.approx(expected.pvalue, rel=1e-9, abs=1e-12)
    assert result.drifted == (expected.pvalue < 0.05)
    assert (result.reference_count, result.current_count) == (reference.size, current.size)


@pytest.mark.parametrize(("reference", "current"), pairs())
def test_the_statistic_from_sorted_arrays_is_scipys_to_the_last_bit(
    reference: np.ndarray, current: np.ndarray
) -> None:
    # method="asymp" keeps SciPy's raw statistic (the exact method rounds it to a multiple of 1/lcm).
    expected = stats.ks_2samp(reference, current, method="asymp").statistic
    assert ks_statistic(np.sort(reference), np.sort(current)) == expected
    assert ks_statistic(np.sort(current), np.sort(reference)) == expected


def test_large_samples_use_the_asymptotic_distribution() -> None:
    rng = np.random.default_rng(3)
    reference, current = rng.normal(size=800), rng.normal(0.1, size=EXACT_MAX + 1)
    result = KolmogorovSmirnov().fit(reference).score(current)
    asymptotic = stats.ks_2samp(reference, current, method="asymp")
    assert result.p_value == pytest.approx(asymptotic.pvalue, rel=1e-12)
    assert result.statistic == asymptotic.statistic


def test_the_verdict_follows_the_threshold() -> None:
    rng = np.random.default_rng(4)
    reference, current = rng.normal(size=500), rng.normal(0.15, size=500)
    p_value = stats.ks_2samp(reference, current).pvalue
    assert 0.01 < p_value < 0.2
    assert KolmogorovSmirnov(threshold=p_value * 1.01).fit(reference).score(current).drifted
    assert not KolmogorovSmirnov(threshold=p_value).fit(reference).score(current).drifted


def test_score_sorted_skips_the_sort_and_refuses_unsorted_input() -> None:
    rng = np.random.default_rng(5)
    reference, current = rng.normal(size=300), rng.normal(size=20_000)
    method = KolmogorovSmirnov().fit(reference)
    assert method.score_sorted(np.sort(current), nulls=3) == method.score(
        np.concatenate((current, [np.nan] * 3))
    )
    with pytest.raises(ValidationFailed, match="not sorted"):
        method.score_sorted(current)
