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
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from tendml.core.errors import ValidationFailed
from tendml.core.frames import to_arrow
from tendml.entities.monitoring import ColumnDrift, Distribution, DriftReport, MultivariateResult
from tendml.stats.drift import NumericMethod, choose_method, get_method
from tendml.stats.summary import finite_numbers

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
    multivariate: bool = False,
) -> DriftReport:
    """Compare ``current`` with ``reference`` column by column.

    ``columns`` limits the comparison (default: every column both have); ``methods`` names a method
    for some columns (``{"age": "psi"}``: see :data:`tendml.stats.drift.METHODS`); the dataset drifts
    when the share of drifted columns reaches ``share_threshold``. With ``multivariate``, the report
    also holds the PCA reconstruction error (numeric columns) and a domain classifier's ROC AUC, which
    see drift in how columns move together (:mod:`tendml.monitoring.multivariate`).

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
    ref, cur = _Sample(reference, "reference"), _Sample(current, "current")
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
    together = _multivariate(ref, cur, names) if multivariate else ()
    return DriftReport(
        multivariate=together,
        columns=tuple(results),
        reference_rows=ref.rows,
        current_rows=cur.rows,
        share_threshold=share_threshold,
        seconds=time.perf_counter() - started,
    )


def _multivariate(ref: _Sample, cur: _Sample, names: list[str]) -> tuple[MultivariateResult, ...]:
    from tendml.monitoring.multivariate import domain_classifier, pca_reconstruction

    reference, current = ref.frame_of(names), cur.frame_of(names)
    found = [pca_reconstruction(reference, current), domain_classifier(reference, current)]
    return tuple(result for result in found if result is not None)


def _columns(ref: _Sample, cur: _Sample, wanted: Sequence[str] | None) -> list[str]:
    if ref.rows == 0 or cur.rows == 0:
        side = "reference" if ref.rows == 0 else "current"
        raise ValidationFailed(f"the {side} sample has no rows", field=side)
    if wanted is not None:
        missing = [n for n in wanted if n not in ref.names or n not in cur.names]
        if missing:
            raise ValidationFailed(
                f"columns missing from the reference or the current sample: {missing}",
                field="columns",
                hint=f"both have: {[n for n in ref.names if n in cur.names]}",
            )
        return list(dict.fromkeys(wanted))
    shared = [n for n in ref.names if n in cur.names]
    only = sorted(set(ref.names) ^ set(cur.names))
    if only:
        raise ValidationFailed(
            f"columns in only one of the samples: {only}",
            field="columns",
            hint="pass columns=[...] (CLI: --column) to compare the shared ones",
        )
    if not shared:
        raise ValidationFailed("the samples have no column in common", field="columns")
    return shared


class _Column:
    """One column of a sample, Arrow or pandas, as the comparison needs it."""

    def __init__(self, kind: str, type_: str, numbers: Any, counts: Any, nulls: int) -> None:
        self.kind, self.type, self.nulls = kind, type_, nulls
        self._numbers, self._counts = numbers, counts

    def numbers(self) -> np.ndarray:
        """float64 values, nulls as NaN."""
        return self._numbers()  # type: ignore[no-any-return]

    def counts(self) -> dict[Any, int]:
        """Counts per value, nulls left out."""
        return self._counts()  # type: ignore[no-any-return]

    @classmethod
    def of(cls, array: pa.ChunkedArray) -> _Column:
        t = array.type.value_type if pa.types.is_dictionary(array.type) else array.type
        numeric = pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_decimal(t)
        numeric = numeric or pa.types.is_temporal(t)  # compared as numbers of its unit since the epoch
        return cls(
            "numeric" if numeric else "categorical",
            str(array.type),
            lambda: _arrow_numbers(array),
            lambda: _arrow_counts(array),
            array.null_count,
        )

    @classmethod
    def of_series(cls, series: pd.Series) -> _Column:
        dtype = series.dtype
        numeric = (
            pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype)
        ) or pd.api.types.is_datetime64_any_dtype(dtype)
        return cls(
            "numeric" if numeric else "categorical",
            str(dtype),
            lambda: _pandas_numbers(series),
            lambda: {k: int(v) for k, v in series.value_counts(dropna=True, sort=False).items() if v},
            int(series.isna().sum()) if not numeric else 0,
        )


class _Sample:
    """The columns of a DataFrame (read as they are: no copy to Arrow) or of anything else as Arrow."""

    def __init__(self, data: Any, side: str) -> None:
        if (
            isinstance(data, pd.DataFrame)
            and data.columns.is_unique
            and all(isinstance(c, str) for c in data)
        ):
            self.frame: pd.DataFrame | None = data
            self.table: pa.Table | None = None
            self.names = list(data.columns)
            self.rows = len(data)
        else:
            self.frame = None
            self.table = to_arrow(data, field=side)
            self.names = self.table.column_names
            self.rows = self.table.num_rows

    def frame_of(self, names: list[str]) -> pd.DataFrame:
        """The columns ``names`` as a pandas DataFrame."""
        if self.frame is not None:
            selected: pd.DataFrame = self.frame[names]
            return selected
        assert self.table is not None
        converted: pd.DataFrame = self.table.select(names).to_pandas()
        return converted

    def column(self, name: str) -> _Column:
        if self.frame is not None:
            return _Column.of_series(self.frame[name])
        assert self.table is not None
        return _Column.of(self.table.column(name))


def _pandas_numbers(series: pd.Series) -> np.ndarray:
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        values = series.to_numpy(dtype="datetime64[ns]")
        out = values.view(np.int64).astype(np.float64)
        out[np.isnat(values)] = np.nan
        return out
    return np.asarray(series.to_numpy(dtype=np.float64, na_value=np.nan), dtype=np.float64)


def _arrow_numbers(array: pa.ChunkedArray) -> np.ndarray:
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


def _arrow_counts(array: pa.ChunkedArray) -> dict[Any, int]:
    """Counts per value, nulls left out (Arrow's hash kernel, no Python per row)."""
    counts = pc.value_counts(array)
    values = counts.field("values").to_pylist()
    numbers = counts.field("counts").to_pylist()
    return {v: n for v, n in zip(values, numbers, strict=True) if v is not None}


def _column(name: str, ref: _Column, cur: _Column, method: str | None) -> ColumnDrift:
    kind = ref.kind
    if kind != cur.kind:
        raise ValidationFailed(
            f"column {name!r} is {ref.type} in the reference and {cur.type} in the current sample",
            field=name,
            hint="cast one of them so both sides have comparable types",
        )
    if kind == "numeric":
        x, y = ref.numbers(), cur.numbers()
        unique = _distinct(x)
        if unique > CATEGORICAL_NUMBERS or (method is not None and get_method(method).kind == "numeric"):
            return _numeric(name, x, y, method, unique)
        ref, cur = _Column.of(pa.chunked_array([pa.array(x)])), _Column.of(pa.chunked_array([pa.array(y)]))
    return _categorical(name, ref, cur, method)


def _numeric(name: str, x: np.ndarray, y: np.ndarray, method: str | None, unique: int) -> ColumnDrift:
    """Each sample is sorted once: the method compares the sorted arrays and the chart counts its
    bins on them with binary searches (no histogram pass over the rows)."""
    x, _ = finite_numbers(x, field=name)
    y, nulls = finite_numbers(y, field=name)
    if x.size == 0 or y.size == 0:
        raise _no_values(name, "reference" if x.size == 0 else "current")
    chosen = get_method(method or choose_method("numeric", x.size, y.size, unique))()
    if isinstance(chosen, NumericMethod):
        fitted = chosen.fit(x)
        x_sorted, y_sorted = fitted.reference_, np.sort(y)
        result = fitted.score_sorted(y_sorted, nulls=nulls)
    else:  # a method on bins (psi, jensenshannon): no sort needed for the statistic
        result = chosen.fit(x).score(y)
        x_sorted, y_sorted = np.sort(x), np.sort(y)
    return _result(name, "numeric", result, x.size, y.size, nulls, _histograms(x_sorted, y_sorted))


def _categorical(name: str, ref: _Column, cur: _Column, method: str | None) -> ColumnDrift:
    ref_counts, cur_counts = ref.counts(), cur.counts()
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
    return _result(name, "categorical", result, n_ref, n_cur, cur.nulls, chart)


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


def _distinct(x: np.ndarray) -> int:
    """Distinct values, counted up to ``CATEGORICAL_NUMBERS + 1`` cheaply (a sample first)."""
    head = np.unique(x[: 10 * (CATEGORICAL_NUMBERS + 1)])
    if head.size > CATEGORICAL_NUMBERS:
        return int(head.size)
    return int(np.unique(x).size)


def _histograms(x: np.ndarray, y: np.ndarray) -> Distribution:
    """Counts of both sorted samples on shared equal-width bins (binary searches, not a pass)."""
    lo, hi = float(min(x[0], y[0])), float(max(x[-1], y[-1]))
    if hi <= lo:
        hi = lo + 1.0
    edges = np.linspace(lo, hi, CHART_BINS + 1)
    inner = edges[1:-1]
    ref = np.diff(np.concatenate(([0], np.searchsorted(x, inner, side="left"), [x.size])))
    cur = np.diff(np.concatenate(([0], np.searchsorted(y, inner, side="left"), [y.size])))
    return Distribution(
        bins=tuple(float(e) for e in edges),
        reference=tuple(int(n) for n in ref),
        current=tuple(int(n) for n in cur),
    )


def _no_values(name: str, side: str) -> ValidationFailed:
    return ValidationFailed(f"column {name!r} has no values in the {side} sample", field=name)
