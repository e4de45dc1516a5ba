"""Wasserstein (earth mover's) distance between the two samples, in standard deviations of the reference.

``W₁ = ∫ |F_ref(x) − F_cur(x)| dx`` as ``scipy.stats.wasserstein_distance`` computes it, divided by the
reference's standard deviation (``np.std``, at least 0.001 so a constant reference does not divide by
zero): Evidently's "wasserstein" method, drift when the normed distance reaches the threshold (0.1,
a tenth of a standard deviation).

The distance is computed from the two sorted samples as ``∫₀¹ |Q_ref(t) − Q_cur(t)| dt`` over their
quantile functions, steps at ``i/n`` and ``j/m`` (n ≤ m). Where each step of the smaller sample
starts is arithmetic, not data: one ``np.repeat`` lines it up with the larger sample's steps, and a
correction on the at most n − 1 steps it starts inside finishes the integral. No merge, no search.

References: Vaserstein, L. N. (1969). "Markov processes over denumerable products of spaces,
describing large systems of automata." Problems of Information Transmission 5(3), 47–52. Ramdas, A.,
García Trillos, N. & Cuturi, M. (2017). "On Wasserstein two-sample testing and related families of
nonparametric tests." Entropy 19(2), 47.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from tendml.stats.drift.base import NumericMethod
from tendml.stats.summary import FloatArray

MIN_STD = 0.001
"""The smallest standard deviation the distance is divided by (Evidently's floor)."""


def wasserstein_sorted(a: FloatArray, b: FloatArray) -> float:
    """W₁ distance between two sorted samples (equal to ``scipy.stats.wasserstein_distance``).

    >>> wasserstein_sorted(np.array([0.0, 1.0]), np.array([0.0, 1.0, 2.0]))
    0.5
    """
    if a.size > b.size:
        a, b = b, a
    n, m = a.size, b.size
    if n == m:
        return float(np.mean(np.abs(a - b)))
    # In units of 1/(n·m), step j of b covers (j·n, (j+1)·n] and step i of a covers (i·m, (i+1)·m].
    # Step j of b first meets step floor(j·n/m) of a: a[i] repeated over the steps of b that start
    # in step i of a. A step of a that starts strictly inside step j of b (at most one, as n < m)
    # takes over its last n − r units, r = i·m mod n: a correction on n − 1 steps at most.
    starts = -((-np.arange(n + 1, dtype=np.int64) * m) // n)  # ceil(i·m/n): first step of b in step i of a
    gaps = np.repeat(a, np.diff(starts))
    gaps -= b
    np.abs(gaps, out=gaps)
    total = n * float(np.sum(gaps))
    at = np.arange(1, n, dtype=np.int64)
    at *= m
    j = at // n
    at -= j * n  # r; where it is 0 the step of a starts with step j of b and the correction is 0
    correction = a[1:] - b[j]
    np.abs(correction, out=correction)
    correction -= gaps[j]  # gaps[j] is |a[i - 1] − b[j]| when r > 0
    np.subtract(n, at, out=at)
    return (total + float(np.dot(at.astype(np.float64), correction))) / (n * m)


class Wasserstein(NumericMethod):
    """Wasserstein distance normed by the reference's standard deviation; drift when ≥ ``threshold`` (0.1).

    >>> rng = np.random.default_rng(0)
    >>> method = Wasserstein().fit(rng.normal(size=5000))
    >>> method.score(rng.normal(size=5000)).drifted, method.score(rng.normal(0.3, size=5000)).drifted
    (False, True)
    """

    name: ClassVar[str] = "wasserstein"
    is_test: ClassVar[bool] = False
    default_threshold: ClassVar[float] = 0.1

    def _prepare(self, reference: FloatArray) -> None:
        self.std_ = float(np.std(reference))

    def _compare(self, current: FloatArray) -> tuple[float, float | None]:
        return wasserstein_sorted(self.reference_, current) / max(self.std_, MIN_STD), None
