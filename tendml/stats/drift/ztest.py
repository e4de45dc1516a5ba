"""Z-test for two proportions: does a binary column's share of one value differ between the samples?

With ``p₁`` and ``p₂`` the shares of the values other than the first category in the reference
(``n₁`` values) and the current sample (``n₂``), and ``P`` their pooled share,
``z = (p₁ − p₂) / √(P (1 − P) (1/n₁ + 1/n₂))`` and the two-sided p-value is ``2 Φ(−|z|)``. It is
Pearson's chi-square test of the 2×2 table without continuity correction (``z²`` is its statistic).
Categories are in their canonical order (sorted), so the first one is the smallest; a column with
more than two categories compares the first against all others, as Evidently's "z" method does.
Drift when the p-value is below the threshold (0.05).

Reference: Fleiss, J. L., Levin, B. & Paik, M. C. (2003). Statistical Methods for Rates and
Proportions, 3rd ed. Wiley, §2.6.
"""

from __future__ import annotations

import math
from typing import ClassVar

from scipy import special

from tendml.stats.drift.histogram import HistogramMethod
from tendml.stats.summary import FloatArray


class ZTest(HistogramMethod):
    """Two-proportion Z-test of a binary column; drift when ``p_value < threshold`` (0.05).

    >>> import numpy as np
    >>> r = ZTest().fit(np.array([True] * 60 + [False] * 40)).score(np.array([True] * 40 + [False] * 60))
    >>> round(r.statistic, 3), round(r.p_value, 4), r.drifted
    (2.828, 0.0047, True)
    """

    name: ClassVar[str] = "z"
    kind: ClassVar[str] = "categorical"
    is_test: ClassVar[bool] = True
    default_threshold: ClassVar[float] = 0.05

    def __init__(self, threshold: float | None = None) -> None:
        super().__init__(threshold, categorical=True)

    def _compare(self, reference: FloatArray, current: FloatArray) -> tuple[float, float | None]:
        n1, n2 = float(reference.sum()), float(current.sum())
        p1 = (n1 - float(reference[0])) / n1
        p2 = (n2 - float(current[0])) / n2
        pooled = (p1 * n1 + p2 * n2) / (n1 + n2)
        variance = pooled * (1 - pooled) * (1.0 / n1 + 1.0 / n2)
        if variance <= 0:  # both samples hold one and the same value
            return 0.0, 1.0
        z = (p1 - p2) / math.sqrt(variance)
        return z, float(2.0 * special.ndtr(-abs(z)))
