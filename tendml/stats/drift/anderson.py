"""k-sample Anderson–Darling test (k = 2): a distribution-free test most sensitive in the tails.

The statistic is Scholz and Stephens' midrank version A²akN, standardised, with the p-value
``scipy.stats.anderson_ksamp`` gives: interpolated from their table of critical values and capped to
[0.001, 0.25] outside it. Both samples are already sorted, so the pooled sample comes from a stable
merge of the two and every count the statistic needs from one cumulative sum. Drift when the p-value
is below the threshold (0.05).

Reference: Scholz, F. W. & Stephens, M. A. (1987). "K-sample Anderson–Darling tests." Journal of the
American Statistical Association 82(399), 918–924.
"""

from __future__ import annotations

import math
from functools import cache
from typing import ClassVar

import numpy as np

from tendml.core.errors import ValidationFailed
from tendml.stats.drift.base import NumericMethod
from tendml.stats.summary import FloatArray

SIGNIFICANCE = np.array([0.25, 0.1, 0.05, 0.025, 0.01, 0.005, 0.001])
"""The levels of Scholz and Stephens' table; p-values outside their range are capped."""
_B0 = np.array([0.675, 1.281, 1.645, 1.96, 2.326, 2.573, 3.085])
_B1 = np.array([-0.245, 0.25, 0.678, 1.149, 1.822, 2.364, 3.615])
_B2 = np.array([-0.105, -0.305, -0.362, -0.391, -0.396, -0.345, -0.154])


def midrank_statistic(a: FloatArray, b: FloatArray) -> float:
    """A²akN of two sorted samples (Scholz and Stephens, eq. 7), as SciPy's ``variant="midrank"``.

    With two samples the term of the second equals the term of the first (its midranks are the
    pooled ones minus the first's), so one pass over the distinct pooled values gives both.

    >>> round(midrank_statistic(np.array([1.0, 2.0, 3.0]), np.array([2.0, 4.0, 5.0, 6.0])), 6)
    1.721467
    """
    n_a, total = a.size, a.size + b.size
    pooled = np.concatenate((a, b))
    order = np.argsort(pooled, kind="stable")  # two sorted runs: one linear merge
    from_a = order < n_a
    pooled = pooled[order]
    seen_a = np.cumsum(from_a)  # values of a among pooled[: k + 1]
    last = np.empty(total, dtype=bool)  # the last of each distinct value
    np.not_equal(pooled[1:], pooled[:-1], out=last[:-1])
    last[-1] = True
    ends = np.flatnonzero(last)
    if ends.size < 2:
        raise ValidationFailed(
            "anderson needs at least two distinct values across reference and current", field="current"
        )
    if ends.size == total:  # no ties: every value is its own group
        ties: FloatArray | float = 1.0
        below = np.arange(total, dtype=np.float64)
        midrank = seen_a - from_a / 2.0
    else:
        starts = np.concatenate(([0], ends[:-1] + 1))
        ties = (ends - starts + 1).astype(np.float64)
        below = starts.astype(np.float64)
        a_le = seen_a[ends]
        midrank = (a_le + np.where(starts > 0, seen_a[starts - 1], 0)) / 2.0
    below += np.divide(ties, 2.0)  # B_j: pooled values before the group, plus half of it
    spread = total * midrank
    spread -= below * n_a
    np.square(spread, out=spread)
    denominator = total - below
    denominator *= below
    denominator -= np.multiply(total / 4.0, ties)
    spread /= denominator
    inner = float(np.dot(spread, ties)) if isinstance(ties, np.ndarray) else float(np.sum(spread))
    return inner / total * (1.0 / n_a + 1.0 / b.size) * ((total - 1.0) / total)


def standardised(statistic: float, n_a: int, n_b: int) -> float:
    """(A²akN − (k − 1)) / σ: the statistic on the scale of Scholz and Stephens' table (k = 2)."""
    k, total = 2, n_a + n_b
    big_h = 1.0 / n_a + 1.0 / n_b
    hs_cs = (1.0 / np.arange(total - 1, 1, -1)).cumsum()
    h = hs_cs[-1] + 1
    g = (hs_cs / np.arange(2, total)).sum()
    a = (4 * g - 6) * (k - 1) + (10 - 6 * g) * big_h
    b = (2 * g - 4) * k**2 + 8 * h * k + (2 * g - 14 * h - 4) * big_h - 8 * h + 4 * g - 6
    c = (6 * h + 2 * g - 2) * k**2 + (4 * h - 4 * g + 6) * k + (2 * h - 6) * big_h + 4 * h
    d = (2 * h + 6) * k**2 - 4 * h * k
    with np.errstate(divide="ignore", invalid="ignore"):
        sigma_sq = (a * total**3 + b * total**2 + c * total + d) / (
            (total - 1.0) * (total - 2.0) * (total - 3.0)
        )
    return float((statistic - (k - 1)) / math.sqrt(sigma_sq))


@cache
def _critical() -> tuple[FloatArray, FloatArray]:
    critical = _B0 + _B1 + _B2  # b0 + b1/√m + b2/m with m = k − 1 = 1
    return critical, np.polyfit(critical, np.log(SIGNIFICANCE), 2)


def p_value(a2: float) -> float:
    """The p-value of a standardised statistic, interpolated and capped as SciPy does (k = 2)."""
    critical, fit = _critical()
    if a2 < critical.min():
        return float(SIGNIFICANCE.max())
    if a2 > critical.max():
        return float(SIGNIFICANCE.min())
    return math.exp(np.polyval(fit, a2))


class AndersonDarling(NumericMethod):
    """Two-sample Anderson–Darling test; drift when ``p_value < threshold`` (0.05).

    >>> rng = np.random.default_rng(0)
    >>> method = AndersonDarling().fit(rng.normal(size=2000))
    >>> method.score(rng.normal(size=2000)).drifted, method.score(rng.normal(0, 1.3, size=2000)).drifted
    (False, True)
    """

    name: ClassVar[str] = "anderson"
    is_test: ClassVar[bool] = True
    default_threshold: ClassVar[float] = 0.05

    def _compare(self, current: FloatArray) -> tuple[float, float | None]:
        n_a, n_b = self.reference_.size, current.size
        if n_a + n_b < 4:  # the variance of the statistic divides by (N − 1)(N − 2)(N − 3)
            raise ValidationFailed(
                f"anderson needs at least 4 values in reference and current together, got {n_a + n_b}",
                field="current",
            )
        a2 = standardised(midrank_statistic(self.reference_, current), n_a, n_b)
        return a2, p_value(a2)
