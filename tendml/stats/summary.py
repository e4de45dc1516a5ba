"""Mergeable summaries of one column: what a window keeps so that its parts combine exactly.

A :class:`NumericSummary` holds counts on fixed bin edges (the reference's) with the count, nulls,
sum, sum of squares, minimum and maximum; a :class:`CategoricalSummary` holds a count per category.
``a.merge(b)`` is the summary of the two parts together: counts add exactly, so the drift methods
that compare histograms (Jensen–Shannon, PSI, chi-square, Z) give the same answer from a window
summarised in parts and merged as from its raw values.

>>> edges = bin_edges(np.array([0.0, 1.0, 2.0, 3.0]), bins=3)
>>> whole = NumericSummary.of(np.array([0.5, 1.5, 2.5, np.nan, 9.0]), edges)
>>> parts = NumericSummary.of(np.array([0.5, 1.5]), edges).merge(
...     NumericSummary.of(np.array([2.5, np.nan, 9.0]), edges))
>>> parts == whole, whole.counts, whole.nulls
(True, (1, 1, 2), 1)
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from tendml.core.errors import ValidationFailed
from tendml.entities import Record

FloatArray = npt.NDArray[np.float64]
CountArray = npt.NDArray[np.int64]

DEFAULT_BINS = "sturges"
"""How :func:`bin_edges` splits a reference's range by default: NumPy's Sturges rule, log2(n) + 1 bins."""


def column_array(values: npt.ArrayLike, *, field: str = "values") -> npt.NDArray[Any]:
    """``values`` as a 1-D NumPy array (not copied when it is one); else an error naming ``field``."""
    try:
        arr = np.asarray(values)
    except (TypeError, ValueError) as exc:
        raise ValidationFailed(f"{field} must be a 1-D array: {exc}", field=field) from exc
    if arr.ndim != 1:
        raise ValidationFailed(f"{field} must be a 1-D array, got shape {arr.shape}", field=field)
    return arr


def finite_numbers(values: npt.ArrayLike, *, field: str = "values") -> tuple[FloatArray, int]:
    """``values`` as a 1-D float64 array of finite numbers, and how many nulls were dropped.

    Nulls are NaN, None, NaT and, as Evidently treats them, ±inf. Datetimes and timedeltas become
    numbers of their unit; strings are refused.

    >>> finite_numbers([1, None, 3.5, float("inf")])
    (array([1. , 3.5]), 2)
    """
    arr = column_array(values, field=field)
    if arr.dtype.kind in "mM":
        missing = np.isnat(arr)
        arr = arr.view(np.int64).astype(np.float64)
        arr[missing] = np.nan
    elif arr.dtype.kind in "USV":
        raise ValidationFailed(f"{field} must hold numbers, got dtype {arr.dtype}", field=field)
    try:
        floats = np.asarray(arr, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValidationFailed(
            f"{field} must hold numbers, got dtype {arr.dtype}", field=field, hint="compare it as categorical"
        ) from exc
    if math.isfinite(float(np.sum(floats))):  # NaN and inf spread to the sum: one pass, no mask
        return floats, 0
    finite = np.isfinite(floats)
    nulls = floats.size - int(np.count_nonzero(finite))
    return (floats[finite] if nulls else floats), nulls


def bin_edges(reference: npt.ArrayLike, bins: int | str = DEFAULT_BINS) -> tuple[float, ...]:
    """Equal-width bin edges over the range of ``reference`` (nulls ignored), as ``np.histogram_bin_edges``.

    ``bins`` is a number of bins or one of NumPy's rules (``"sturges"``, ``"auto"``, ``"fd"``...). Values
    outside the edges are later counted in the first or last bin, so no value of a window is lost.

    >>> bin_edges([0.0, 4.0], bins=4)
    (0.0, 1.0, 2.0, 3.0, 4.0)
    """
    values, _ = finite_numbers(reference, field="reference")
    if values.size == 0:
        raise ValidationFailed("cannot derive bin edges from a reference with no values", field="reference")
    if isinstance(bins, bool) or not isinstance(bins, (int, str)) or (isinstance(bins, int) and bins < 1):
        raise ValidationFailed(
            f"bins must be a positive integer or the name of a NumPy binning rule, got {bins!r}", field="bins"
        )
    try:
        edges = np.histogram_bin_edges(values, bins=bins)
    except ValueError as exc:
        raise ValidationFailed(f"bins: {exc}", field="bins", hint="for example 30 or 'sturges'") from exc
    return tuple(float(e) for e in edges)


def count_on_edges(values: FloatArray, edges: FloatArray) -> CountArray:
    """Counts of finite ``values`` in the bins of ``edges``: bin i holds ``[edges[i], edges[i+1])``,
    the last bin is closed, and values below or above the edges count in the first or last bin."""
    bins = edges.size - 1
    lo, hi = float(edges[0]), float(edges[-1])
    if values.size and np.array_equal(edges, np.linspace(lo, hi, bins + 1)):
        # NumPy's equal-width path: arithmetic bin index corrected against these very edges.
        if values.min() < lo or values.max() > hi:
            values = np.clip(values, lo, hi)
        counts, _ = np.histogram(values, bins=bins, range=(lo, hi))
        return counts.astype(np.int64, copy=False)
    index = np.clip(np.searchsorted(edges, values, side="right") - 1, 0, bins - 1)
    return np.bincount(index, minlength=bins).astype(np.int64, copy=False)


@dataclass(frozen=True, slots=True)
class NumericSummary(Record):
    """Counts of a numeric column on fixed ``edges`` plus its moments; :meth:`merge` adds two parts.

    ``counts[i]`` counts values in ``[edges[i], edges[i+1])`` (the last bin closed; values outside the
    edges count in the first or last bin). ``count`` excludes the ``nulls``; ``min`` and ``max`` are
    None when ``count`` is 0.

    >>> s = NumericSummary.of(np.array([1.0, 2.0, 4.0]), (0.0, 2.0, 4.0))
    >>> s.counts, s.count, s.mean, s.min, s.max
    ((1, 2), 3, 2.3333333333333335, 1.0, 4.0)
    """

    edges: tuple[float, ...]
    counts: tuple[int, ...]
    count: int
    nulls: int
    sum: float
    sum_squares: float
    min: float | None
    max: float | None

    @classmethod
    def of(
        cls, values: npt.ArrayLike, edges: Iterable[float], *, nulls: int = 0, field: str = "values"
    ) -> NumericSummary:
        """Summarise ``values`` on ``edges``; NaN, None and ±inf count as nulls (added to ``nulls``)."""
        edge_array = _check_edges(edges)
        finite, dropped = finite_numbers(values, field=field)
        if finite.size == 0:
            return cls.empty(edge_array, nulls=nulls + dropped)
        return cls(
            edges=tuple(edge_array.tolist()),
            counts=tuple(count_on_edges(finite, edge_array).tolist()),
            count=int(finite.size),
            nulls=nulls + dropped,
            sum=float(finite.sum()),
            sum_squares=float(np.dot(finite, finite)),
            min=float(finite.min()),
            max=float(finite.max()),
        )

    @classmethod
    def empty(cls, edges: Iterable[float], *, nulls: int = 0) -> NumericSummary:
        """The summary of no values on ``edges`` (the neutral element of :meth:`merge`)."""
        edge_array = _check_edges(edges)
        zeros = (0,) * (edge_array.size - 1)
        return cls(tuple(edge_array.tolist()), zeros, 0, nulls, 0.0, 0.0, None, None)

    def merge(self, other: NumericSummary) -> NumericSummary:
        """The summary of both parts; they must share their edges."""
        if not isinstance(other, NumericSummary):
            raise ValidationFailed(
                f"cannot merge a NumericSummary with {type(other).__name__}", field="other"
            )
        if other.edges != self.edges:
            raise ValidationFailed(
                "cannot merge numeric summaries on different bin edges",
                field="edges",
                hint="summarise every part on the reference's edges",
            )
        return NumericSummary(
            edges=self.edges,
            counts=tuple(a + b for a, b in zip(self.counts, other.counts, strict=True)),
            count=self.count + other.count,
            nulls=self.nulls + other.nulls,
            sum=self.sum + other.sum,
            sum_squares=self.sum_squares + other.sum_squares,
            min=_extreme(min, self.min, other.min),
            max=_extreme(max, self.max, other.max),
        )

    @property
    def mean(self) -> float | None:
        """Mean of the non-null values (None when there are none)."""
        return self.sum / self.count if self.count else None

    @property
    def std(self) -> float | None:
        """Population standard deviation (``ddof=0``) from the moments (None when there are no values)."""
        if not self.count:
            return None
        mean = self.sum / self.count
        return math.sqrt(max(self.sum_squares / self.count - mean * mean, 0.0))


@dataclass(frozen=True, slots=True)
class CategoricalSummary(Record):
    """A count per category (nulls apart); :meth:`merge` adds two parts.

    Categories are kept in one canonical order (sorted, or by type and ``repr`` when they do not
    compare), so a summary does not depend on the order its parts came in.

    >>> a = CategoricalSummary.of(np.array(["b", "a", None, "b"], dtype=object))
    >>> a
    CategoricalSummary(categories=('a', 'b'), counts=(1, 2), nulls=1)
    >>> a.merge(CategoricalSummary.of(np.array(["c", "a"]))).counts
    (2, 2, 1)
    """

    categories: tuple[Any, ...]
    counts: tuple[int, ...]
    nulls: int = 0

    @classmethod
    def of(cls, values: npt.ArrayLike, *, nulls: int = 0, field: str = "values") -> CategoricalSummary:
        """Count the categories of ``values``; None, NaN and NaT count as nulls (added to ``nulls``)."""
        arr = column_array(values, field=field)
        if arr.dtype.kind in "OUS":  # a hash count beats sorting strings
            counted, dropped = _count_objects(arr, field)
            return cls.from_counts(counted, nulls=nulls + dropped)
        missing = (
            np.isnan(arr) if arr.dtype.kind in "fc" else np.isnat(arr) if arr.dtype.kind in "mM" else None
        )
        dropped = 0
        if missing is not None and missing.any():
            dropped = int(np.count_nonzero(missing))
            arr = arr[~missing]
        uniques, counts = np.unique(arr, return_counts=True)
        return cls.from_counts(
            dict(zip(uniques.tolist(), counts.tolist(), strict=True)), nulls=nulls + dropped
        )

    @classmethod
    def from_counts(cls, counts: Mapping[Hashable, int], *, nulls: int = 0) -> CategoricalSummary:
        """The summary of known counts per category (categories with a zero count are left out)."""
        try:
            kept = {c: int(n) for c, n in counts.items() if n}
        except (AttributeError, TypeError, ValueError) as exc:
            raise ValidationFailed(f"counts must map categories to integers: {exc}", field="counts") from exc
        if any(n < 0 for n in kept.values()):
            raise ValidationFailed("category counts must not be negative", field="counts")
        order = _canonical(kept)
        return cls(tuple(order), tuple(kept[c] for c in order), nulls)

    def merge(self, other: CategoricalSummary) -> CategoricalSummary:
        """The summary of both parts (the union of their categories)."""
        if not isinstance(other, CategoricalSummary):
            raise ValidationFailed(
                f"cannot merge a CategoricalSummary with {type(other).__name__}", field="other"
            )
        total: Counter[Hashable] = Counter(dict(zip(self.categories, self.counts, strict=True)))
        total.update(dict(zip(other.categories, other.counts, strict=True)))
        return CategoricalSummary.from_counts(total, nulls=self.nulls + other.nulls)

    @property
    def count(self) -> int:
        """Number of non-null values."""
        return sum(self.counts)


Summary = NumericSummary | CategoricalSummary


def _check_edges(edges: Iterable[float]) -> FloatArray:
    try:
        arr = np.asarray(list(edges), dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValidationFailed("edges must be numbers", field="edges") from exc
    if arr.ndim != 1 or arr.size < 2 or not np.isfinite(arr).all() or np.any(np.diff(arr) <= 0):
        raise ValidationFailed(
            f"edges must be at least two finite, strictly increasing numbers, got {arr.tolist()!r}",
            field="edges",
        )
    return arr


def _extreme(pick: Any, a: float | None, b: float | None) -> float | None:
    if a is None:
        return b
    if b is None:
        return a
    return float(pick(a, b))


def _count_objects(arr: npt.NDArray[Any], field: str) -> tuple[dict[Hashable, int], int]:
    # A hash count (C speed, no sort); nulls are picked out of the distinct keys, not out of the rows.
    try:
        counts: dict[Hashable, int] = dict(Counter(arr.tolist()))
    except TypeError as exc:
        raise ValidationFailed(f"{field} holds values that cannot be categories: {exc}", field=field) from exc
    nulls = 0
    for key in [k for k in counts if _is_null(k)]:
        nulls += counts.pop(key)
    return counts, nulls


def _is_null(value: object) -> bool:
    if value is None:
        return True
    try:
        return bool(value != value)  # noqa: PLR0124 (NaN, of any float type, and NaT)
    except (TypeError, ValueError):
        return False


def _canonical(categories: Iterable[Hashable]) -> list[Hashable]:
    items = list(categories)
    try:
        return sorted(items)  # type: ignore[type-var]
    except TypeError:
        return sorted(items, key=lambda c: (type(c).__name__, repr(c)))
