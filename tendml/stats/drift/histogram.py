"""The base of the methods that compare counts: on the reference's bins for numbers, per category otherwise.

``fit(reference)`` summarises the reference (:mod:`tendml.stats.summary`): numbers on equal-width
bins over the reference's range (values of a later window outside that range count in the first or
last bin), anything else per category. ``score(current)`` summarises the current sample the same
way and compares the counts, so a window summarised in parts and merged
(:meth:`HistogramMethod.summarize`, ``merge``, :meth:`HistogramMethod.score_summary`) gives exactly
the answer of its raw values. Counts already aligned by the caller go through :meth:`fit_counts` and
:meth:`score_counts`.
"""

from __future__ import annotations

import abc
from typing import Any, ClassVar, Self

import numpy as np
import numpy.typing as npt

from tendml.core.errors import ValidationFailed
from tendml.stats.drift.base import DriftMethod, DriftResult
from tendml.stats.drift.checks import check_counts, empty, not_fitted, numeric_sample
from tendml.stats.summary import (
    DEFAULT_BINS,
    CategoricalSummary,
    FloatArray,
    NumericSummary,
    Summary,
    bin_edges,
    column_array,
)

NUMERIC_KINDS = "iufmM"
"""NumPy dtype kinds binned as numbers when ``categorical`` is None (booleans, strings and objects are
counted per category)."""


class HistogramMethod(DriftMethod):
    """Base of Jensen–Shannon, PSI, chi-square and Z: a statistic of two vectors of counts.

    - ``threshold``: the method's default when None.
    - ``bins``: number of equal-width bins over the reference's range, or a NumPy rule (numbers only).
    - ``categorical``: count categories (True), bin numbers (False), or decide from the dtype (None).
    """

    kind: ClassVar[str] = "any"

    def __init__(
        self,
        threshold: float | None = None,
        *,
        bins: int | str = DEFAULT_BINS,
        categorical: bool | None = None,
    ) -> None:
        super().__init__(threshold)
        self.bins = bins
        self.categorical = categorical

    def fit(self, reference: npt.ArrayLike) -> Self:
        """Summarise the reference: bins and counts for numbers, counts per category otherwise."""
        self._start()
        owner = type(self).__name__
        arr = column_array(reference, field="reference")
        if self._counts_categories(arr):
            return self.fit_summary(CategoricalSummary.of(arr, field="reference"))
        values, nulls = numeric_sample(arr, owner, "reference")
        try:
            edges = bin_edges(values, self.bins)
        except ValidationFailed as exc:
            raise ValidationFailed(f"{owner}.{exc.message}", field=exc.field, hint=exc.hint) from exc
        return self.fit_summary(NumericSummary.of(values, edges, nulls=nulls, field="reference"))

    def fit_summary(self, reference: Summary) -> Self:
        """Fit on a summary of the reference (its bins, or its categories, are the ones compared)."""
        self._start()
        owner = type(self).__name__
        if not isinstance(reference, (NumericSummary, CategoricalSummary)) or (
            isinstance(reference, NumericSummary) and self.kind == "categorical"
        ):
            raise ValidationFailed(
                f"{owner} cannot be fitted on {type(reference).__name__}", field="reference"
            )
        if reference.count == 0:
            raise empty(owner, "reference", reference.nulls)
        self.reference_: Summary | None = reference
        self.counts_: FloatArray = np.asarray(reference.counts, dtype=np.float64)
        self.nulls_ = reference.nulls
        return self

    def fit_counts(self, counts: npt.ArrayLike) -> Self:
        """Fit on reference counts per category (or bin); score counts aligned with them."""
        self._start()
        self.counts_ = check_counts(counts, type(self).__name__, "reference")
        self.reference_ = None
        self.nulls_ = 0
        return self

    def summarize(self, values: npt.ArrayLike) -> Summary:
        """The summary of ``values`` that :meth:`score_summary` compares: on the reference's bins, or
        per category. Summaries of the parts of a window merge into the summary of the window."""
        reference = self._reference()
        if isinstance(reference, NumericSummary):
            return NumericSummary.of(values, reference.edges, field="current")
        return CategoricalSummary.of(values, field="current")

    def score(self, current: npt.ArrayLike) -> DriftResult:
        """Compare the current sample with the reference (nulls dropped and counted)."""
        return self.score_summary(self.summarize(current))

    def score_summary(self, current: Summary) -> DriftResult:
        """Compare a summary made by :meth:`summarize` (or merged from such summaries)."""
        reference = self._reference()
        owner = type(self).__name__
        if isinstance(reference, NumericSummary):
            if not isinstance(current, NumericSummary) or current.edges != reference.edges:
                raise ValidationFailed(
                    f"{owner}: current is not a summary on the reference's bins",
                    field="current",
                    hint="make it with summarize(values)",
                )
            ref_counts, cur_counts = self.counts_, np.asarray(current.counts, dtype=np.float64)
        elif isinstance(current, CategoricalSummary):
            ref_counts, cur_counts = _align(reference, self.counts_, current)
        else:
            raise ValidationFailed(f"{owner}: current must be a CategoricalSummary", field="current")
        if current.count == 0:
            raise empty(owner, "current", current.nulls)
        return self._compare_counts(ref_counts, cur_counts, current.nulls)

    def score_counts(self, counts: npt.ArrayLike) -> DriftResult:
        """Compare current counts aligned with the reference's (same categories or bins, same order)."""
        owner = type(self).__name__
        if not hasattr(self, "counts_"):
            raise not_fitted(owner)
        current = check_counts(counts, owner, "current")
        if current.size != self.counts_.size:
            raise ValidationFailed(
                f"{owner}: current has {current.size} counts, the reference {self.counts_.size}",
                field="current",
                hint="align both on the same categories, a zero where one has none",
            )
        return self._compare_counts(self.counts_, current, 0)

    def _compare_counts(self, reference: FloatArray, current: FloatArray, nulls: int) -> DriftResult:
        statistic, p_value = self._compare(reference, current)
        return self._result(
            statistic,
            p_value,
            reference_count=int(reference.sum()),
            current_count=int(current.sum()),
            nulls=nulls,
        )

    @abc.abstractmethod
    def _compare(self, reference: FloatArray, current: FloatArray) -> tuple[float, float | None]:
        """(statistic, p-value or None) of two aligned vectors of counts, each with a positive total."""

    def _reference(self) -> Summary:
        owner = type(self).__name__
        if not hasattr(self, "counts_"):
            raise not_fitted(owner)
        if self.reference_ is None:
            raise ValidationFailed(
                f"{owner} was fitted on bare counts, so it knows no bins or categories",
                field="current",
                hint="score counts aligned with the reference's with score_counts",
            )
        return self.reference_

    def _counts_categories(self, values: npt.NDArray[Any]) -> bool:
        if self.kind == "categorical":
            return True
        if self.categorical is None:
            return values.dtype.kind not in NUMERIC_KINDS
        if not isinstance(self.categorical, bool):
            raise ValidationFailed(
                f"{type(self).__name__}.categorical must be True, False or None, got {self.categorical!r}",
                field="categorical",
            )
        return self.categorical


def _align(
    reference: CategoricalSummary, ref_counts: FloatArray, current: CategoricalSummary
) -> tuple[FloatArray, FloatArray]:
    """Both count vectors over the union of categories: the reference's, then the new ones."""
    index = {c: i for i, c in enumerate(reference.categories)}
    size = len(index)
    for category in current.categories:
        if category not in index:
            index[category] = len(index)
    cur_counts = np.zeros(len(index), dtype=np.float64)
    for category, n in zip(current.categories, current.counts, strict=True):
        cur_counts[index[category]] = n
    if len(index) == size:
        return ref_counts, cur_counts
    return np.concatenate((ref_counts, np.zeros(len(index) - size))), cur_counts
