"""Population stability index (PSI) between the reference's and the current sample's histograms.

With ``r`` and ``c`` the shares of the reference and the current sample in each bin (numbers on the
reference's bins, categories over the union of both samples' categories),
``PSI = Σ (r − c) · ln(r / c)``, the symmetrised Kullback–Leibler divergence. An empty bin would make
it infinite, so, as Evidently does, a zero share becomes 0.0001, or a millionth of the smallest
non-zero share when that is at most 0.0001. Drift when PSI reaches the threshold (0.1: the usual
reading is < 0.1 stable, 0.1–0.25 moderate, > 0.25 a significant shift).

References: Siddiqi, N. (2006). Credit Risk Scorecards. Wiley, ch. 8. Yurdakul, B. (2018).
"Statistical properties of population stability index." PhD thesis, Western Michigan University.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from tendml.stats.drift.histogram import HistogramMethod
from tendml.stats.summary import FloatArray

EMPTY_SHARE = 1e-4
"""The share given to an empty bin (or a millionth of the smallest share, when that is smaller)."""


def shares(counts: FloatArray) -> FloatArray:
    """Counts as shares of their total, empty bins filled as Evidently fills them.

    >>> shares(np.array([0.0, 1.0, 3.0])).tolist()
    [0.0001, 0.25, 0.75]
    """
    out: FloatArray = counts / counts.sum()
    empty = out == 0
    if empty.any():
        smallest = float(out[~empty].min())
        out[empty] = smallest / 1e6 if smallest <= EMPTY_SHARE else EMPTY_SHARE
    return out


class PSI(HistogramMethod):
    """Population stability index of two histograms; drift when it is at least ``threshold`` (0.1).

    - ``threshold``: the index from which a column drifts.
    - ``bins``: number of equal-width bins over the reference's range, or a NumPy rule (numbers only).
    - ``categorical``: count categories (True), bin numbers (False), or decide from the dtype (None).

    >>> rng = np.random.default_rng(0)
    >>> method = PSI(bins=10).fit(rng.normal(size=5000))
    >>> method.score(rng.normal(size=5000)).drifted, method.score(rng.normal(0.5, size=5000)).drifted
    (False, True)
    """

    name: ClassVar[str] = "psi"
    is_test: ClassVar[bool] = False
    default_threshold: ClassVar[float] = 0.1

    def _compare(self, reference: FloatArray, current: FloatArray) -> tuple[float, float | None]:
        r, c = shares(reference), shares(current)
        return float(np.sum((r - c) * np.log(r / c))), None
