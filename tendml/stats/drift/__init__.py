"""Univariate drift: one method a module; ``fit(reference)``, then ``score(current)`` → :class:`DriftResult`.

========================  ===========  ========================================  ==========
method                    columns      statistic                                 drift when
========================  ===========  ========================================  ==========
``ks``                    numeric      Kolmogorov–Smirnov D, p-value             p < 0.05
``wasserstein``           numeric      Wasserstein distance / reference's std    ≥ 0.1
``anderson``              numeric      Anderson–Darling (k-sample), p-value      p < 0.05
``jensenshannon``         any          Jensen–Shannon distance of histograms     ≥ 0.1
``psi``                   any          population stability index                ≥ 0.1
``chisquare``             categorical  Pearson's chi-square, p-value             p < 0.05
``z``                     categorical  two-proportion Z, p-value                 p < 0.05
========================  ===========  ========================================  ==========

:func:`choose_method` picks one by column type and size as Evidently does; :func:`get_method` and
:data:`METHODS` find one by name. Statistics and p-values equal SciPy's.

>>> import numpy as np
>>> rng = np.random.default_rng(7)
>>> name = choose_method("numeric", 5000, 5000, 5000)
>>> result = get_method(name)().fit(rng.normal(size=5000)).score(rng.normal(0.5, 1.0, size=5000))
>>> result.method, round(result.statistic, 2), result.drifted
('wasserstein', 0.52, True)
"""

from tendml.stats.drift.anderson import AndersonDarling
from tendml.stats.drift.base import DriftMethod, DriftResult, NumericMethod
from tendml.stats.drift.chisquare import ChiSquare
from tendml.stats.drift.histogram import HistogramMethod
from tendml.stats.drift.jensenshannon import JensenShannon
from tendml.stats.drift.ks import KolmogorovSmirnov
from tendml.stats.drift.psi import PSI
from tendml.stats.drift.registry import METHODS, choose_method, get_method
from tendml.stats.drift.wasserstein import Wasserstein
from tendml.stats.drift.ztest import ZTest

__all__ = [
    "METHODS",
    "PSI",
    "AndersonDarling",
    "ChiSquare",
    "DriftMethod",
    "DriftResult",
    "HistogramMethod",
    "JensenShannon",
    "KolmogorovSmirnov",
    "NumericMethod",
    "Wasserstein",
    "ZTest",
    "choose_method",
    "get_method",
]
