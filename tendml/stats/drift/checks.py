"""Checks shared by every drift method: each parameter and input is checked here, once, with a message
that names the method, the field, what is allowed and what came in."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import numpy.typing as npt

from tendml.core.errors import ValidationFailed
from tendml.stats.summary import FloatArray, finite_numbers


def check_threshold(owner: str, threshold: Any, default: float, *, p_value: bool) -> float:
    """The threshold to use: ``default`` for None; a p-value level in (0, 1] or a positive distance."""
    if threshold is None:
        return default
    ok = isinstance(threshold, (int, float, np.floating, np.integer)) and not isinstance(threshold, bool)
    value = float(threshold) if ok else math.nan
    if not (math.isfinite(value) and value > 0 and (value <= 1 or not p_value)):
        allowed = "a p-value level in (0, 1]" if p_value else "a positive number"
        raise ValidationFailed(f"{owner}.threshold must be {allowed}, got {threshold!r}", field="threshold")
    return value


def numeric_sample(values: npt.ArrayLike, owner: str, field: str) -> tuple[FloatArray, int]:
    """``values`` as float64 without nulls, and the number of nulls dropped; refuses an empty sample."""
    try:
        numbers, nulls = finite_numbers(values, field=field)
    except ValidationFailed as exc:
        raise ValidationFailed(f"{owner}: {exc.message}", field=field, hint=exc.hint) from exc
    if numbers.size == 0:
        raise empty(owner, field, nulls)
    return numbers, nulls


def sorted_sample(values: npt.ArrayLike, owner: str, field: str) -> FloatArray:
    """A non-empty float64 sample without NaN that is sorted ascending, as given."""
    numbers, nulls = numeric_sample(values, owner, field)
    if nulls:
        raise ValidationFailed(
            f"{owner}: {field} holds {nulls} NaN or infinite values", field=field, hint="drop them first"
        )
    if numbers.size > 1 and bool(np.any(numbers[1:] < numbers[:-1])):
        raise ValidationFailed(f"{owner}: {field} is not sorted ascending", field=field, hint="np.sort it")
    return numbers


def check_counts(counts: npt.ArrayLike, owner: str, field: str) -> FloatArray:
    """Counts per bin or category: a 1-D array of finite numbers ≥ 0 with a positive total."""
    try:
        arr = np.asarray(counts, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValidationFailed(
            f"{owner}: {field} must be counts (numbers), got {counts!r:.80}", field=field
        ) from exc
    if arr.ndim != 1 or arr.size == 0:
        raise ValidationFailed(
            f"{owner}: {field} must be a non-empty 1-D array, got shape {arr.shape}", field=field
        )
    if not np.isfinite(arr).all() or bool(np.any(arr < 0)):
        raise ValidationFailed(f"{owner}: {field} must be finite counts ≥ 0", field=field)
    if not arr.sum() > 0:
        raise empty(owner, field, 0)
    return arr


def empty(owner: str, field: str, nulls: int) -> ValidationFailed:
    """The error for a sample with no values left to compare."""
    dropped = f" ({nulls} nulls dropped)" if nulls else ""
    return ValidationFailed(
        f"{owner}: {field} has no values to compare{dropped}",
        field=field,
        hint="pass at least one non-null value",
    )


def not_fitted(owner: str) -> ValidationFailed:
    """The error for scoring before fitting."""
    return ValidationFailed(f"{owner} is not fitted", field="reference", hint="call fit(reference) first")
