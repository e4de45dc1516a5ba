"""Jensen–Shannon: ``scipy.spatial.distance.jensenshannon`` of the two histograms on the reference's bins."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial import distance

from tendml.stats.drift import JensenShannon
from tests.stats.drift.samples import pairs


def histograms(reference: np.ndarray, current: np.ndarray, bins: int | str) -> tuple[np.ndarray, np.ndarray]:
    """Both samples counted on the reference's equal-width bins, the current clipped into its range."""
    edges = np.histogram_bin_edges(reference, bins=bins)
    ref, _ = np.histogram(reference, edges)
    cur, _ = np.histogram(np.clip(current, edges[0], edges[-1]), edges)
    return ref, cur


@pytest.mark.parametrize("bins", ["sturges", 10])
@pytest.mark.parametrize(("reference", "current"), pairs())
def test_equals_scipy_on_the_reference_bins(
    reference: np.ndarray, current: np.ndarray, bins: int | str
) -> None:
    ref, cur = histograms(reference, current, bins)
    expected = distance.jensenshannon(ref, cur)
    result = JensenShannon(bins=bins).fit(reference).score(current)
    assert result.statistic == pytest.approx(expected, rel=1e-9, abs=1e-12)
    assert result.p_value is None
    assert result.drifted == (expected >= 0.1)


def test_categories_are_compared_over_their_union() -> None:
    reference = np.array(["a"] * 50 + ["b"] * 30 + ["c"] * 20)
    current = np.array(["a"] * 40 + ["b"] * 30 + ["d"] * 30)
    result = JensenShannon().fit(reference).score(current)
    expected = distance.jensenshannon([50, 30, 20, 0], [40, 30, 0, 30])
    assert result.statistic == pytest.approx(expected, rel=1e-12)
    assert result.drifted


def test_numbers_can_be_compared_as_categories() -> None:
    reference, current = np.array([1, 1, 2, 3, 3, 3]), np.array([1, 2, 2, 2, 3, 4])
    result = JensenShannon(categorical=True).fit(reference).score(current)
    assert result.statistic == pytest.approx(distance.jensenshannon([2, 1, 3, 0], [1, 3, 1, 1]), rel=1e-12)
