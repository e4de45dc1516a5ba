"""Two-sample Kolmogorov–Smirnov test: the largest gap between the two empirical distribution functions.

``D = sup |F_ref(x) − F_cur(x)|`` with the p-value SciPy's ``ks_2samp(method="auto")`` gives: exact
when neither sample has more than 10,000 values (SciPy computes it), otherwise Smirnov's asymptotic
distribution, ``kstwo.sf(D, round(n·m / (n + m)))``. For large samples the statistic is taken from the
two sorted arrays: the empirical distribution functions only change at data points, and between two
distinct values of the smaller sample its function is constant while the other's grows, so the gap
there is largest at one of the ends. Two binary searches per distinct value of the smaller sample
into the larger one find every candidate, whose values are exactly those SciPy compares. Drift when
the p-value is below the threshold (0.05). Evidently's "ks" method.

References: Smirnov, N. (1948). "Table for estimating the goodness of fit of empirical distributions."
Annals of Mathematical Statistics 19(2), 279–281. Hodges, J. L. (1958). "The significance probability
of the Smirnov two-sample test." Arkiv för Matematik 3(5), 469–486.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from scipy import stats

from tendml.stats.drift.base import NumericMethod
from tendml.stats.summary import FloatArray

EXACT_MAX = 10_000
"""SciPy's ``method="auto"`` computes the exact p-value when no sample is larger than this."""


def ks_statistic(a: FloatArray, b: FloatArray) -> float:
    """``max |F_a − F_b|`` over all data points of two sorted samples, as ``ks_2samp`` computes it.

    >>> ks_statistic(np.array([1.0, 2.0, 3.0]), np.array([2.5, 3.5]))
    0.6666666666666666
    """
    if a.size > b.size:
        a, b = b, a
    ends = np.append(np.flatnonzero(a[1:] != a[:-1]), a.size - 1)  # last index of each distinct value
    values = a[ends]
    f_at = (ends + 1) / a.size
    f_before = np.concatenate(([0.0], f_at[:-1]))
    right = np.searchsorted(b, values, side="right")  # values of b up to each value of a
    left = right.copy()  # values of b below it: the same count unless b holds the value too
    tied = np.flatnonzero((right > 0) & (b[np.maximum(right - 1, 0)] == values))
    left[tied] = np.searchsorted(b, values[tied], side="left")
    return float(max(np.max(np.abs(f_at - right / b.size)), np.max(np.abs(f_before - left / b.size))))


class KolmogorovSmirnov(NumericMethod):
    """Two-sample Kolmogorov–Smirnov test; drift when ``p_value < threshold`` (0.05).

    >>> rng = np.random.default_rng(0)
    >>> method = KolmogorovSmirnov().fit(rng.normal(size=1000))
    >>> method.score(rng.normal(size=20_000)).drifted, method.score(rng.normal(0.2, size=20_000)).drifted
    (False, True)
    """

    name: ClassVar[str] = "ks"
    is_test: ClassVar[bool] = True
    default_threshold: ClassVar[float] = 0.05

    def _compare(self, current: FloatArray) -> tuple[float, float | None]:
        n1, n2 = self.reference_.size, current.size
        if max(n1, n2) <= EXACT_MAX:
            exact = stats.ks_2samp(self.reference_, current, method="auto")
            return float(exact.statistic), float(exact.pvalue)
        d = ks_statistic(self.reference_, current)
        m, n = sorted((float(n1), float(n2)), reverse=True)
        p_value = float(np.clip(stats.kstwo.sf(d, np.round(m * n / (m + n))), 0.0, 1.0))
        return d, p_value
