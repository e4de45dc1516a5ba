"""What every drift method shares: its result, its interface, and the base of the methods on raw numbers.

A method is fitted on a reference sample once (``fit`` keeps what scoring needs: the sorted
reference, its bins or its categories) and then scores any number of current samples. Nulls (None,
NaN, NaT and, for numbers, ±inf as Evidently drops them) are left out of both samples and counted;
a sample left empty is a :class:`~tendml.core.errors.ValidationFailed` naming it.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass
from typing import ClassVar, Self

import numpy as np
import numpy.typing as npt

from tendml.core.errors import ValidationFailed
from tendml.entities import Record
from tendml.stats.drift.checks import check_threshold, not_fitted, numeric_sample, sorted_sample
from tendml.stats.summary import FloatArray


@dataclass(frozen=True, slots=True)
class DriftResult(Record):
    """The verdict of one drift method on one column.

    ``statistic`` is the method's statistic (a distance, or a test statistic whose ``p_value`` is
    given; ``p_value`` is None for distances). ``drifted`` is ``p_value < threshold`` for tests and
    ``statistic >= threshold`` for distances. The counts are of the non-null values compared;
    ``nulls`` counts the values of the current sample that were dropped.

    >>> DriftResult("wasserstein", 0.25, None, 0.1, True).drifted
    True
    """

    method: str
    statistic: float
    p_value: float | None
    threshold: float
    drifted: bool
    reference_count: int = 0
    current_count: int = 0
    nulls: int = 0


class DriftMethod(abc.ABC):
    """Base of the drift methods: ``fit(reference)`` returns the method, ``score(current)`` a result.

    Class attributes describe the method: ``name`` (its key in ``METHODS``), ``kind`` (the columns
    it compares: ``"numeric"``, ``"categorical"`` or ``"any"``), ``is_test`` (True when the verdict
    is on a p-value) and ``default_threshold``. Constructor arguments are stored as given and
    checked in ``fit``; what ``fit`` learns ends with ``_``.
    """

    name: ClassVar[str]
    kind: ClassVar[str]
    is_test: ClassVar[bool]
    default_threshold: ClassVar[float]

    def __init__(self, threshold: float | None = None) -> None:
        self.threshold = threshold

    @abc.abstractmethod
    def fit(self, reference: npt.ArrayLike) -> Self:
        """Learn what scoring needs from the reference sample; returns the method."""

    @abc.abstractmethod
    def score(self, current: npt.ArrayLike) -> DriftResult:
        """Compare the current sample with the fitted reference."""

    def fit_counts(self, counts: npt.ArrayLike) -> Self:
        """Fit on counts per category (or bin); only the methods that compare counts accept them."""
        raise self._no_counts()

    def score_counts(self, counts: npt.ArrayLike) -> DriftResult:
        """Score counts aligned with those given to :meth:`fit_counts`."""
        raise self._no_counts()

    def _no_counts(self) -> ValidationFailed:
        return ValidationFailed(
            f"{type(self).__name__} ({self.name}) compares samples of numbers, not counts",
            field="method",
            hint="use chisquare, z, jensenshannon or psi on counts",
        )

    def _start(self) -> None:
        self.threshold_ = check_threshold(
            type(self).__name__, self.threshold, self.default_threshold, p_value=self.is_test
        )

    def _result(
        self, statistic: float, p_value: float | None, *, reference_count: int, current_count: int, nulls: int
    ) -> DriftResult:
        if not hasattr(self, "threshold_"):
            raise not_fitted(type(self).__name__)
        threshold = self.threshold_
        drifted = p_value < threshold if p_value is not None else statistic >= threshold
        return DriftResult(
            method=self.name,
            statistic=float(statistic),
            p_value=None if p_value is None else float(p_value),
            threshold=threshold,
            drifted=bool(drifted),
            reference_count=reference_count,
            current_count=current_count,
            nulls=nulls,
        )

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in vars(self).items() if not k.endswith("_"))
        return f"{type(self).__name__}({params})"


class NumericMethod(DriftMethod):
    """Base of the methods on two samples of numbers (KS, Wasserstein, Anderson–Darling).

    ``fit`` sorts the reference once; ``score`` sorts the current sample once and hands both sorted
    arrays to ``_compare``. A caller that already holds the current sample sorted calls
    :meth:`score_sorted` and skips the sort.
    """

    kind: ClassVar[str] = "numeric"

    def fit(self, reference: npt.ArrayLike) -> Self:
        """Keep the reference sorted (nulls dropped and counted in ``nulls_``)."""
        self._start()
        values, nulls = numeric_sample(reference, type(self).__name__, "reference")
        self.reference_: FloatArray = np.sort(values)
        self.nulls_ = nulls
        self._prepare(self.reference_)
        return self

    def score(self, current: npt.ArrayLike) -> DriftResult:
        """Compare the current sample (nulls dropped and counted) with the reference."""
        self._check_fitted()
        values, nulls = numeric_sample(current, type(self).__name__, "current")
        return self._score(np.sort(values), nulls)

    def score_sorted(self, current: npt.ArrayLike, *, nulls: int = 0) -> DriftResult:
        """Like :meth:`score` for a current sample already sorted ascending and without nulls; ``nulls``
        says how many were dropped from it (reported in the result)."""
        self._check_fitted()
        return self._score(sorted_sample(current, type(self).__name__, "current"), nulls)

    def _score(self, current: FloatArray, nulls: int) -> DriftResult:
        statistic, p_value = self._compare(current)
        return self._result(
            statistic, p_value, reference_count=self.reference_.size, current_count=current.size, nulls=nulls
        )

    def _check_fitted(self) -> None:
        if not hasattr(self, "reference_"):
            raise not_fitted(type(self).__name__)

    def _prepare(self, reference: FloatArray) -> None:
        """Precompute from the sorted reference what every score needs (nothing by default)."""

    @abc.abstractmethod
    def _compare(self, current: FloatArray) -> tuple[float, float | None]:
        """(statistic, p-value or None) of the sorted current sample against ``reference_``."""
