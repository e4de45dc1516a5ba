"""The drift methods by name, and the default choice of one by column type and sample size.

:func:`choose_method` follows Evidently's defaults (``_get_default_stattest`` of its data-drift
preset), with a reference of at most 1,000 rows compared by a test and a larger one by a distance:

- a numeric (or datetime) column with more than 5 distinct values: ``ks`` (drift when p < 0.05) for
  a small reference, else ``wasserstein`` (normed by the reference's std; drift when ≥ 0.1);
- a categorical or boolean column, and a numeric one with at most 5 distinct values: for a small
  reference ``chisquare`` (p < 0.05), or ``z`` (p < 0.05) when there are at most 2 distinct values;
  for a large one ``jensenshannon`` (drift when ≥ 0.1).

Distinct values are counted over both samples, nulls left out, as Evidently counts them. The
current sample's size does not change the choice: a two-sample test is no more sensitive than its
smaller sample allows (KS's effective size n·m/(n + m) stays below n), so a small reference keeps
a test from flagging negligible shifts, while a large one would; there a distance, whose threshold
is an effect size, decides instead.

>>> choose_method("numeric", 50_000, 1_000_000, 9_000)
'wasserstein'
>>> choose_method("categorical", 800, 1_000_000, 2), METHODS["z"].default_threshold
('z', 0.05)
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import numpy as np

from tendml.core.errors import ValidationFailed
from tendml.entities import ColumnKind
from tendml.stats.drift.anderson import AndersonDarling
from tendml.stats.drift.base import DriftMethod
from tendml.stats.drift.chisquare import ChiSquare
from tendml.stats.drift.jensenshannon import JensenShannon
from tendml.stats.drift.ks import KolmogorovSmirnov
from tendml.stats.drift.psi import PSI
from tendml.stats.drift.wasserstein import Wasserstein
from tendml.stats.drift.ztest import ZTest

METHODS: Mapping[str, type[DriftMethod]] = MappingProxyType(
    {
        cls.name: cls
        for cls in (KolmogorovSmirnov, Wasserstein, JensenShannon, PSI, AndersonDarling, ChiSquare, ZTest)
    }
)
"""Every drift method by its name: ``ks``, ``wasserstein``, ``jensenshannon``, ``psi``, ``anderson``,
``chisquare`` and ``z``."""

SMALL_REFERENCE = 1000
"""A reference of at most this many rows is compared with a test, a larger one with a distance."""
FEW_VALUES = 5
"""A numeric column with at most this many distinct values is compared as categorical."""
BINARY = 2

_NUMERIC = frozenset({ColumnKind.NUMERIC.value, ColumnKind.DATETIME.value})
_CATEGORICAL = frozenset({ColumnKind.CATEGORICAL.value, ColumnKind.BOOLEAN.value})


def get_method(name: str) -> type[DriftMethod]:
    """The class of the method called ``name`` (a key of :data:`METHODS`).

    >>> get_method("psi")(threshold=0.2).fit([1.0, 2.0, 3.0]).threshold_
    0.2
    """
    try:
        return METHODS[name]
    except (KeyError, TypeError):
        raise ValidationFailed(
            f"unknown drift method {name!r}", field="method", hint=f"one of {', '.join(METHODS)}"
        ) from None


def choose_method(kind: str, n_reference: int, n_current: int, n_unique: int) -> str:
    """The name of the default method for a column (Evidently's rule, see the module's docstring).

    ``kind`` is ``numeric``, ``datetime`` (compared as numbers), ``categorical`` or ``boolean``;
    ``n_reference`` and ``n_current`` count the non-null values of each sample and ``n_unique`` the
    distinct non-null values of both together.
    """
    value = kind.value if isinstance(kind, ColumnKind) else kind
    if not isinstance(value, str) or value not in _NUMERIC | _CATEGORICAL:
        raise ValidationFailed(
            f"choose_method: kind must be numeric, datetime, categorical or boolean, got {kind!r}",
            field="kind",
        )
    for field, count in (("n_reference", n_reference), ("n_current", n_current), ("n_unique", n_unique)):
        _check_count(field, count)
    small = n_reference <= SMALL_REFERENCE
    if value in _NUMERIC and n_unique > FEW_VALUES:
        return KolmogorovSmirnov.name if small else Wasserstein.name
    if not small:
        return JensenShannon.name
    return ZTest.name if n_unique <= BINARY else ChiSquare.name


def _check_count(field: str, count: Any) -> None:
    if isinstance(count, bool) or not isinstance(count, (int, np.integer)) or count < 1:
        raise ValidationFailed(
            f"choose_method: {field} must be a positive integer, got {count!r}", field=field
        )
