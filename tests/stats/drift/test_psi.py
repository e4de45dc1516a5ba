"""PSI: Evidently's formula on the reference's bins; it is the symmetrised Kullback–Leibler divergence."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import rel_entr

from tendml.stats.drift import PSI
from tendml.stats.drift.psi import shares
from tests.stats.drift.samples import pairs
from tests.stats.drift.test_jensenshannon import histograms


def evidently_fill(percents: np.ndarray) -> np.ndarray:
    """Evidently's ``get_binned_data(..., feel_zeroes=True)``."""
    out = percents.astype(float)
    smallest = min(out[out != 0])
    np.place(out, out == 0, smallest / 10**6 if smallest <= 0.0001 else 0.0001)
    return out


@pytest.mark.parametrize(("reference", "current"), pairs())
def test_equals_the_symmetrised_kl_divergence_of_evidentlys_shares(
    reference: np.ndarray, current: np.ndarray
) -> None:
    ref, cur = histograms(reference, current, "sturges")
    r, c = evidently_fill(ref / ref.sum()), evidently_fill(cur / cur.sum())
    expected = float(np.sum(rel_entr(r, c) + rel_entr(c, r)))
    result = PSI().fit(reference).score(current)
    assert result.statistic == pytest.approx(expected, rel=1e-9, abs=1e-12)
    assert result.statistic == pytest.approx(float(np.sum((r - c) * np.log(r / c))), rel=1e-12, abs=1e-15)
    assert result.drifted == (expected >= 0.1)


def test_empty_bins_get_evidentlys_small_share() -> None:
    assert shares(np.array([0.0, 5.0, 5.0])).tolist() == [0.0001, 0.5, 0.5]
    tiny = shares(np.array([0.0, 1.0, 99_999.0]))
    assert tiny[0] == pytest.approx(1e-5 / 1e6) and tiny[1] == pytest.approx(1e-5)


def test_a_shifted_category_share_drifts() -> None:
    reference = np.array(["x"] * 70 + ["y"] * 30)
    current = np.array(["x"] * 50 + ["y"] * 50)
    result = PSI().fit(reference).score(current)
    assert result.statistic == pytest.approx(0.2 * np.log(0.7 / 0.5) - 0.2 * np.log(0.3 / 0.5))
    assert result.drifted
    assert not PSI(threshold=0.2).fit(reference).score(current).drifted
