"""Schema and per-column profile of an Arrow table (Arrow for the scan, NumPy for the statistics)."""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from tendml.entities.datasets import CategoricalProfile, ColumnKind, ColumnSchema, NumericProfile
from tendml.stats import categorical_profile, numeric_profile


def column_kind(dtype: pa.DataType) -> ColumnKind:
    """How a column of Arrow type ``dtype`` is profiled."""
    if pa.types.is_boolean(dtype):
        return ColumnKind.BOOLEAN
    if pa.types.is_integer(dtype) or pa.types.is_floating(dtype) or pa.types.is_decimal(dtype):
        return ColumnKind.NUMERIC
    if pa.types.is_timestamp(dtype) or pa.types.is_date(dtype):
        return ColumnKind.DATETIME
    if (
        pa.types.is_string(dtype)
        or pa.types.is_large_string(dtype)
        or pa.types.is_dictionary(dtype)
        or pa.types.is_string_view(dtype)
    ):
        return ColumnKind.CATEGORICAL
    return ColumnKind.OTHER


def schema_of(table: pa.Table) -> tuple[ColumnSchema, ...]:
    """Names, Arrow types, kinds and nullability (whether the column holds a null) of each column."""
    return tuple(
        ColumnSchema(
            name=field.name,
            type=str(field.type),
            kind=column_kind(field.type),
            nullable=table.column(i).null_count > 0,
        )
        for i, field in enumerate(table.schema)
    )


def profile_of(table: pa.Table) -> dict[str, NumericProfile | CategoricalProfile]:
    """One profile per numeric, datetime, boolean or categorical column."""
    out: dict[str, NumericProfile | CategoricalProfile] = {}
    for i, field in enumerate(table.schema):
        kind = column_kind(field.type)
        column = table.column(i)
        if kind in (ColumnKind.NUMERIC, ColumnKind.DATETIME):
            out[field.name] = numeric_profile(_as_float(column, kind))
        elif kind in (ColumnKind.CATEGORICAL, ColumnKind.BOOLEAN):
            out[field.name] = _categorical(column)
    return out


def _as_float(column: pa.ChunkedArray, kind: ColumnKind) -> Any:
    if kind is ColumnKind.DATETIME:
        column = pc.cast(column, pa.timestamp("ns")) if pa.types.is_date(column.type) else column
        column = pc.cast(column, pa.int64())
    # Arrow nulls become NaN, which numeric_profile counts as null (as are NaN values themselves);
    # epoch nanoseconds exceed 2**53, so the float cast is allowed to round.
    values = pc.cast(column, pa.float64(), safe=False).fill_null(float("nan")).to_numpy()
    return values


def _categorical(column: pa.ChunkedArray) -> CategoricalProfile:
    if pa.types.is_dictionary(column.type):
        column = pc.cast(column, column.type.value_type)
    counts = pc.value_counts(column.drop_null())
    return categorical_profile(
        counts.field("values").to_pylist(), counts.field("counts").to_numpy(), nulls=column.null_count
    )
