"""Pearson's chi-square test of the current sample's category counts against the reference's shares.

Over the union of both samples' categories, the expected count of a category is its reference count
scaled to the current sample's size; the statistic is ``Σ (observed − expected)² / expected`` with
``k − 1`` degrees of freedom, as ``scipy.stats.chisquare(observed, expected)`` computes it. A category
the reference never had makes the statistic infinite and the p-value 0. Drift when the p-value is
below the threshold (0.05). Evidently's "chisquare" method.

Reference: Pearson, K. (1900). "On the criterion that a given system of deviations from the probable
in the case of a correlated system of variables is such that it can be reasonably supposed to have
arisen from random sampling." Philosophical Magazine 50(302), 157–175.
"""

from __future__ import annotations

import math
from typing import ClassVar

import numpy as np
from scipy import special

from tendml.stats.drift.histogram import HistogramMethod
from tendml.stats.summary import FloatArray


class ChiSquare(HistogramMethod):
    """Chi-square goodness-of-fit test of categories; drift when ``p_value < threshold`` (0.05).

    >>> import numpy as np
    >>> ref = np.array(["a"] * 50 + ["b"] * 30 + ["c"] * 20)
    >>> r = ChiSquare().fit(ref).score(np.array(["a"] * 20 + ["b"] * 30 + ["c"] * 50))
    >>> round(r.statistic, 3), r.p_value < 0.05, r.drifted
    (63.0, True, True)
    """

    name: ClassVar[str] = "chisquare"
    kind: ClassVar[str] = "categorical"
    is_test: ClassVar[bool] = True
    default_threshold: ClassVar[float] = 0.05

    def __init__(self, threshold: float | None = None) -> None:
        super().__init__(threshold, categorical=True)

    def _compare(self, reference: FloatArray, current: FloatArray) -> tuple[float, float | None]:
        expected = reference * (current.sum() / reference.sum())
        seen = (expected > 0) | (current > 0)  # a category absent from both (bare counts) adds nothing
        expected, observed = expected[seen], current[seen]
        if observed.size < 2:
            return 0.0, 1.0
        if bool(np.any(expected == 0)):
            return math.inf, 0.0
        statistic = float(np.sum((observed - expected) ** 2 / expected))
        return statistic, float(special.chdtrc(observed.size - 1, statistic))
