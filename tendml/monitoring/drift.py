"""Data drift between two samples: the column-by-column comparison behind ``tendml.drift`` and
``tendml report drift``.

Each input (a pandas or polars DataFrame, an Arrow table, a Parquet or CSV path) becomes Arrow; each
column shared by both is compared as numeric (integers and floats, nulls left out) or categorical
(strings, booleans, dictionaries; and numbers with at most five distinct values, as Evidently does),
with the method :func:`tendml.stats.drift.choose_method` picks for its type and the reference's size
(Evidently's defaults) unless one is named. Columns are compared in parallel threads: the work is in
NumPy sorts and Arrow kernels, which run without the GIL.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from tendml.core.errors import ValidationFailed
from tendml.core.frames import to_arrow
from tendml.entities.monitoring import ColumnDrift, Distribution, DriftReport
from tendml.stats.drift import choose_method, get_method

#: Numbers with at most this many distinct values in the reference are compared as categories.
CATEGORICAL_NUMBERS = 5
#: Bins of the charts of numeric columns (the statistics do not depend on them).
CHART_BINS = 30
#: Categories shown in a chart (the most frequent of the reference and the current sample).
CHART_CATEGORIES = 20


def drift(
    reference: Any,
    current: Any,
    *,
    columns: Sequence[str] | None = None,
    methods: Mapping[str, str] | None = None,
    share_threshold: float = 0.5,
    workers: int | None = None,
) -> DriftReport:
    """Compare ``current`` with ``reference`` column by column.

    ``columns`` limits the comparison (default: every column both have); ``methods`` names a method
    for some columns (``{"age": "psi"}``: see :data:`tendml.stats.drift.METHODS`); the dataset drifts
    when the share of drifted columns reaches ``share_threshold``.

    >>> import pandas as pd
    >>> ref = pd.DataFrame({"x": [float(i % 50) for i in range(400)], "plan": ["a", "b"] * 200})
    >>> cur = pd.DataFrame({"x": [float(i % 50) + 30 for i in range(400)], "plan": ["a", "b"] * 200})
    >>> report = drift(ref, cur)
    >>> report.drifted_columns, report.dataset_drift
    (['x'], True)
    """
    started = time.perf_counter()
    if not 0 < share_threshold <= 1:
        raise ValidationFailed(
            f"share_threshold must be in (0, 1], got {share_threshold!r}", field="share_threshold"
        )
    ref, cur = to_arrow(reference, field="reference"), to_arrow(current, field="current")
    names = _columns(ref, cur, columns)
    chosen = dict(methods or {})
    unknown = sorted(set(chosen) - set(names))
    if unknown:
        raise ValidationFailed(
            f"methods name columns that are not compared: {unknown}",
            field="methods",
            hint=f"columns: {names}",
        )
    threads = workers or min(len(names), os.cpu_count() or 1) or 1
    with ThreadPoolExecutor(max_workers=threads) as pool:
        results = list(pool.map(lambda n: _column(n, ref.column(n), cur.column(n), chosen.get(n)), names))
    return DriftReport(
        columns=tuple(results),
        reference_rows=ref.num_rows,
        current_rows=cur.num_rows,
        share_threshold=share_threshold,
        seconds=time.perf_counter() - started,
    )


def _columns(ref: pa.Table, cur: pa.Table, wanted: Sequence[str] | None) -> list[str]:
    if ref.num_rows == 0 or cur.num_rows == 0:
        side = "reference" if ref.num_rows == 0 else "current"
        raise ValidationFailed(f"the {side} sample has no rows", field=side)
    if wanted is not None:
        missing = [n for n in wanted if n not in ref.column_names or n not in cur.column_names]
        if missing:
            raise ValidationFailed(
                f"columns missing from the reference or the current sample: {missing}",
                field="columns",
                hint=f"both have: {[n for n in ref.column_names if n in cur.column_names]}",
            )
        return list(dict.fromkeys(wanted))
    shared = [n for n in ref.column_names if n in cur.column_names]
    only = sorted(set(ref.column_names) ^ set(cur.column_names))
    if only:
        raise ValidationFailed(
            f"columns in only one of the samples: {only}",
            field="columns",
            hint="pass columns=[...] (CLI: --column) to compare the shared ones",
        )
    if not shared:
        raise ValidationFailed("the samples have no column in common", field="columns")
    return shared


def _kind(array: pa.ChunkedArray) -> str:
    t = array.type
    if pa.types.is_dictionary(t):
        t = t.value_type
    if pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_decimal(t):
        return "numeric"
    if pa.types.is_temporal(t):
        return "numeric"  # compared as numbers of its unit since the epoch
    return "categorical"


def _column(name: str, ref: pa.ChunkedArray, cur: pa.ChunkedArray, method: str | None) -> ColumnDrift:
    kind = _kind(ref)
    if kind != _kind(cur):
        raise ValidationFailed(
            f"column {name!r} is {ref.type} in the reference and {cur.type} in the current sample",
            field=name,
            hint="cast one of them so both sides have comparable types",
        )
    if kind == "numeric":
        x, y = _numbers(ref), _numbers(cur)
        missing = np.isnan(y)  # nulls are NaN here, and so is a NaN the data held
        nulls = int(missing.sum())
        x, y = x[~np.isnan(x)], y[~missing]
        if x.size == 0 or y.size == 0:
            raise _no_values(name, "reference" if x.size == 0 else "current")
        unique = _distinct(x)
        if unique > CATEGORICAL_NUMBERS or (method is not None and get_method(method).kind == "numeric"):
            name_of = method or choose_method("numeric", x.size, y.size, unique)
            result = get_method(name_of)().fit(x).score(y)
            return _result(name, "numeric", result, x.size, y.size, nulls, _histograms(x, y))
        ref, cur = pa.chunked_array([pa.array(x)]), pa.chunked_array([pa.array(y)])
    return _categorical(name, ref, cur, method)


def _categorical(name: str, ref: pa.ChunkedArray, cur: pa.ChunkedArray, method: str | None) -> ColumnDrift:
    ref_counts, cur_counts = _value_counts(ref), _value_counts(cur)
    categories = list(dict.fromkeys([*ref_counts, *cur_counts]))
    if not ref_counts or not cur_counts:
        raise _no_values(name, "reference" if not ref_counts else "current")
    index = {c: i for i, c in enumerate(categories)}
    x = np.zeros(len(categories), dtype=np.int64)
    y = np.zeros(len(categories), dtype=np.int64)
    for value, n in ref_counts.items():
        x[index[value]] = n
    for value, n in cur_counts.items():
        y[index[value]] = n
    n_ref, n_cur = int(x.sum()), int(y.sum())
    name_of = method or choose_method("categorical", n_ref, n_cur, len(ref_counts))
    result = get_method(name_of)().fit_counts(x).score_counts(y)
    top = np.argsort(-(x / max(n_ref, 1) + y / max(n_cur, 1)), kind="stable")[:CHART_CATEGORIES]
    chart = Distribution(
        bins=tuple(categories[i] for i in top),
        reference=tuple(int(x[i]) for i in top),
        current=tuple(int(y[i]) for i in top),
    )
    return _result(name, "categorical", result, n_ref, n_cur, cur.null_count, chart)


def _result(
    name: str, kind: str, result: Any, n_ref: int, n_cur: int, nulls: int, chart: Distribution
) -> ColumnDrift:
    return ColumnDrift(
        name=name,
        type=kind,
        method=result.method,
        statistic=float(result.statistic),
        p_value=None if result.p_value is None else float(result.p_value),
        threshold=float(result.threshold),
        drifted=bool(result.drifted),
        reference_count=n_ref,
        current_count=n_cur,
        nulls=nulls,
        distribution=chart,
    )


def _numbers(array: pa.ChunkedArray) -> np.ndarray:
    """The column as float64, nulls as NaN (one copy at most)."""
    t = array.type
    if pa.types.is_dictionary(t):
        array = array.cast(t.value_type)
        t = t.value_type
    if pa.types.is_temporal(t):
        array = array.cast(pa.int64())
    elif pa.types.is_decimal(t):
        array = array.cast(pa.float64())
    combined = array.combine_chunks() if array.num_chunks != 1 else array.chunk(0)
    if combined.null_count:
        combined = pc.fill_null(combined.cast(pa.float64()), np.nan)
    return np.asarray(combined.to_numpy(zero_copy_only=False), dtype=np.float64)


def _distinct(x: np.ndarray) -> int:
    """Distinct values, counted up to ``CATEGORICAL_NUMBERS + 1`` cheaply (a sample first)."""
    head = np.unique(x[: 10 * (CATEGORICAL_NUMBERS + 1)])
    if head.size > CATEGORICAL_NUMBERS:
        return int(head.size)
    return int(np.unique(x).size)


def _value_counts(array: pa.ChunkedArray) -> dict[Any, int]:
    """Counts per value, nulls left out (Arrow's hash kernel, no Python per row)."""
    counts = pc.value_counts(array)
    values = counts.field("values").to_pylist()
    numbers = counts.field("counts").to_pylist()
    return {v: n for v, n in zip(values, numbers, strict=True) if v is not None}


def _histograms(x: np.ndarray, y: np.ndarray) -> Distribution:
    lo, hi = float(min(x.min(), y.min())), float(max(x.max(), y.max()))
    if hi <= lo:
        hi = lo + 1.0
    edges = np.linspace(lo, hi, CHART_BINS + 1)
    ref, _ = np.histogram(x, edges)
    cur, _ = np.histogram(y, edges)
    return Distribution(
        bins=tuple(float(e) for e in edges),
        reference=tuple(int(n) for n in ref),
        current=tuple(int(n) for n in cur),
    )


def _no_values(name: str, side: str) -> ValidationFailed:
    return ValidationFailed(f"column {name!r} has no values in the {side} sample", field=name)
