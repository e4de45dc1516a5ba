"""Mergeable summaries: a window summarised in parts and merged is the summary of the whole window."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tendml.core.errors import ValidationFailed
from tendml.stats.summary import CategoricalSummary, NumericSummary, bin_edges, finite_numbers


def test_numeric_parts_merge_into_the_whole() -> None:
    rng = np.random.default_rng(0)
    reference = rng.normal(size=10_000)
    window = np.concatenate((rng.normal(0.3, 1.2, size=9_000), [np.nan, np.inf, -50.0, 50.0]))
    edges = bin_edges(reference, bins=20)
    whole = NumericSummary.of(window, edges)
    parts = [NumericSummary.of(part, edges) for part in np.array_split(window, 7)]
    merged = parts[0]
    for part in parts[1:]:
        merged = merged.merge(part)
    assert (merged.edges, merged.counts, merged.count, merged.nulls) == (whole.edges, whole.counts, 9_002, 2)
    assert (merged.min, merged.max) == (-50.0, 50.0)
    assert merged.sum == pytest.approx(whole.sum, rel=1e-12)
    assert merged.sum_squares == pytest.approx(whole.sum_squares, rel=1e-12)
    finite = window[np.isfinite(window)]
    assert merged.mean == pytest.approx(finite.mean(), rel=1e-12)
    assert merged.std == pytest.approx(finite.std(), rel=1e-9)


def test_numeric_counts_use_the_reference_bins_and_keep_outliers_in_the_end_bins() -> None:
    edges = bin_edges([0.0, 10.0], bins=5)
    assert edges == (0.0, 2.0, 4.0, 6.0, 8.0, 10.0)
    summary = NumericSummary.of([-3.0, 0.0, 1.99, 2.0, 9.0, 10.0, 11.0], edges)
    assert summary.counts == (3, 1, 0, 0, 3)
    expected, _ = np.histogram(np.clip([-3.0, 0.0, 1.99, 2.0, 9.0, 10.0, 11.0], 0, 10), edges)
    assert summary.counts == tuple(expected)
    uneven = NumericSummary.of([-1.0, 0.5, 1.0, 5.0, 99.0], (0.0, 1.0, 3.0, 10.0))
    assert uneven.counts == (2, 1, 2)


def test_an_empty_part_is_neutral() -> None:
    edges = (0.0, 1.0, 2.0)
    empty = NumericSummary.of(np.array([np.nan, np.nan]), edges)
    assert (empty.count, empty.nulls, empty.min, empty.mean, empty.std) == (0, 2, None, None, None)
    some = NumericSummary.of([0.5, 1.5], edges)
    assert empty.merge(some) == some.merge(empty) == NumericSummary.of([0.5, np.nan, 1.5, np.nan], edges)
    assert NumericSummary.empty(edges).merge(some) == some


def test_numeric_summaries_on_other_edges_do_not_merge() -> None:
    with pytest.raises(ValidationFailed, match="different bin edges") as error:
        NumericSummary.of([1.0], (0.0, 2.0)).merge(NumericSummary.of([1.0], (0.0, 3.0)))
    assert error.value.field == "edges"
    with pytest.raises(ValidationFailed, match="strictly increasing"):
        NumericSummary.of([1.0], (0.0, 0.0))
    with pytest.raises(ValidationFailed, match="cannot merge"):
        NumericSummary.of([1.0], (0.0, 2.0)).merge(CategoricalSummary.of(["a"]))  # type: ignore[arg-type]


def test_categorical_parts_merge_into_the_whole_in_any_order() -> None:
    rng = np.random.default_rng(1)
    window = rng.choice(np.array(["red", "green", "blue", None, "teal"], dtype=object), size=5000)
    window[:3] = [float("nan"), None, "violet"]
    whole = CategoricalSummary.of(window)
    parts = [CategoricalSummary.of(part) for part in np.array_split(window, 5)]
    forward, backward = parts[0], parts[-1]
    for part in parts[1:]:
        forward = forward.merge(part)
    for part in reversed(parts[:-1]):
        backward = backward.merge(part)
    assert forward == backward == whole
    assert whole.categories == ("blue", "green", "red", "teal", "violet")
    assert whole.count + whole.nulls == 5000 and whole.nulls == int(np.sum([v is None for v in window])) + 1


def test_categories_of_every_dtype() -> None:
    assert CategoricalSummary.of(np.array([True, False, True])).categories == (False, True)
    floats = CategoricalSummary.of(np.array([2.0, np.nan, 1.0, 2.0]))
    assert (floats.categories, floats.counts, floats.nulls) == ((1.0, 2.0), (1, 2), 1)
    mixed = CategoricalSummary.of(np.array([1, "a", 1, None], dtype=object))
    assert (mixed.categories, mixed.counts, mixed.nulls) == ((1, "a"), (2, 1), 1)
    days = np.array(["2024-01-01", "NaT", "2024-01-01"], dtype="datetime64[D]")
    assert CategoricalSummary.of(days).counts == (2,) and CategoricalSummary.of(days).nulls == 1
    unhashable = np.empty(2, dtype=object)
    unhashable[:] = [[1], "a"]
    with pytest.raises(ValidationFailed, match="cannot be categories") as error:
        CategoricalSummary.of(unhashable, field="current")
    assert error.value.field == "current"
    with pytest.raises(ValidationFailed, match="1-D"):
        CategoricalSummary.of([[1], [2, 3]])


def test_finite_numbers_drop_and_count_the_nulls() -> None:
    values, nulls = finite_numbers(np.array([1.0, np.nan, -np.inf, 2.0]))
    assert values.tolist() == [1.0, 2.0] and nulls == 2
    days, missing = finite_numbers(np.array(["1970-01-02", "NaT"], dtype="datetime64[D]"))
    assert days.tolist() == [1.0] and missing == 1
    with pytest.raises(ValidationFailed, match="must hold numbers"):
        finite_numbers(np.array(["1.5"]))
    with pytest.raises(ValidationFailed, match="1-D"):
        finite_numbers(np.zeros((2, 2)))
    assert math.isnan(float("nan"))
