"""Anderson–Darling: statistic and p-value equal to ``scipy.stats.anderson_ksamp`` (midrank)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from scipy import stats

from tendml.core.errors import ValidationFailed
from tendml.stats.drift import AndersonDarling
from tests.stats.drift.samples import pairs


def scipy_anderson(reference: np.ndarray, current: np.ndarray) -> tuple[float, float]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SciPy warns when it caps the p-value, and about `midrank`
        try:
            result = stats.anderson_ksamp([reference, current], variant="midrank")
        except TypeError:  # SciPy < 1.17 has no `variant`; midrank was its default
            result = stats.anderson_ksamp([reference, current])
    return float(result.statistic), float(result.pvalue)


@pytest.mark.parametrize(("reference", "current"), pairs())
def test_equals_scipy(reference: np.ndarray, current: np.ndarray) -> None:
    statistic, p_value = scipy_anderson(reference, current)
    result = AndersonDarling().fit(reference).score(current)
    assert result.statistic == pytest.approx(statistic, rel=1e-9, abs=1e-12)
    assert result.p_value == pytest.approx(p_value, rel=1e-9, abs=1e-12)
    assert result.drifted == (p_value < 0.05)


def test_p_values_are_capped_as_scipy_caps_them() -> None:
    rng = np.random.default_rng(0)
    same = AndersonDarling().fit(np.arange(100.0)).score(np.arange(100.0))
    far = AndersonDarling().fit(rng.normal(size=300)).score(rng.normal(3, size=300))
    assert (same.p_value, far.p_value) == (0.25, 0.001)
    assert scipy_anderson(np.arange(100.0), np.arange(100.0))[1] == 0.25


def test_one_distinct_value_or_fewer_than_four_values_have_no_statistic() -> None:
    with pytest.raises(ValidationFailed, match="two distinct values") as error:
        AndersonDarling().fit(np.ones(10)).score(np.ones(5))
    assert error.value.field == "current"
    with pytest.raises(ValidationFailed, match="at least 4 values"):
        AndersonDarling().fit([1.0, 2.0]).score([3.0])
