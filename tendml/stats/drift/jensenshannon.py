"""Jensen–Shannon distance between the reference's and the current sample's histograms.

The distance is the square root of the Jensen–Shannon divergence (natural logarithm), computed by
``scipy.spatial.distance.jensenshannon`` on the two count vectors: numbers on the reference's bins,
categories over the union of both samples' categories. It is symmetric, bounded by √ln 2 ≈ 0.83, and
defined when a bin is empty on one side. Drift when the distance reaches the threshold (0.1, as in
Evidently, whose "jensenshannon" method this is).

References: Lin, J. (1991). "Divergence measures based on the Shannon entropy." IEEE Transactions on
Information Theory 37(1), 145–151. Endres, D. M. & Schindelin, J. E. (2003). "A new metric for
probability distributions." IEEE Transactions on Information Theory 49(7), 1858–1860.
"""

from __future__ import annotations

from typing import ClassVar

from scipy.spatial import distance

from tendml.stats.drift.histogram import HistogramMethod
from tendml.stats.summary import FloatArray


class JensenShannon(HistogramMethod):
    """Jensen–Shannon distance of two histograms; drift when it is at least ``threshold`` (0.1).

    - ``threshold``: the distance from which a column drifts.
    - ``bins``: number of equal-width bins over the reference's range, or a NumPy rule (numbers only).
    - ``categorical``: count categories (True), bin numbers (False), or decide from the dtype (None).

    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> method = JensenShannon().fit(rng.normal(size=5000))
    >>> method.score(rng.normal(size=5000)).drifted, method.score(rng.normal(1.0, size=5000)).drifted
    (False, True)
    >>> result = JensenShannon().fit(np.array(["a", "a", "b"])).score(np.array(["a", "b", "b"]))
    >>> result.method, round(result.statistic, 4), result.p_value, result.drifted
    ('jensenshannon', 0.238, None, True)
    """

    name: ClassVar[str] = "jensenshannon"
    is_test: ClassVar[bool] = False
    default_threshold: ClassVar[float] = 0.1

    def _compare(self, reference: FloatArray, current: FloatArray) -> tuple[float, float | None]:
        return float(distance.jensenshannon(reference, current)), None
