"""Tabular input in any common form (pandas, polars, Arrow, Parquet or CSV path) → one Arrow table."""

from __future__ import annotations

from os import PathLike, fspath
from pathlib import Path
from typing import Any

import pyarrow as pa

from tendml.core.errors import NotFound, ValidationFailed

SUPPORTED = (
    "a pandas or polars DataFrame, a pyarrow Table or RecordBatch, or a path to a .parquet or .csv file"
)


def to_arrow(data: Any, *, field: str = "data") -> pa.Table:
    """Convert ``data`` to a :class:`pyarrow.Table` without schema metadata.

    A pandas RangeIndex is dropped; any other index becomes a column, as pandas itself would write it.

    >>> import pandas as pd
    >>> to_arrow(pd.DataFrame({"a": [1, 2]})).column_names
    ['a']
    """
    if isinstance(data, pa.Table):
        table = data
    elif isinstance(data, pa.RecordBatch):
        table = pa.Table.from_batches([data])
    elif isinstance(data, (str, PathLike)):
        table = read_path(Path(fspath(data)), field=field)
    elif _is_pandas(data):
        table = pa.Table.from_pandas(data, preserve_index=None)
    elif _is_polars(data):
        table = data.to_arrow()
    else:
        raise ValidationFailed(
            f"{field} of type {type(data).__name__} is not a table", field=field, hint=f"pass {SUPPORTED}"
        )
    return table.replace_schema_metadata(None)


def read_path(path: Path, *, field: str = "data") -> pa.Table:
    """Read a Parquet or CSV file into Arrow."""
    if not path.exists():
        raise NotFound(f"{field}: no such file {path}", field=field)
    suffix = path.suffix.lower()
    if suffix in {".parquet", ".pq"}:
        import pyarrow.parquet as pq

        return pq.read_table(path)
    if suffix in {".csv", ".txt"}:
        import pyarrow.csv as pcsv

        return pcsv.read_csv(path)
    raise ValidationFailed(
        f"{field}: cannot read {path.name}", field=field, hint="use a .parquet or .csv file"
    )


def _is_pandas(obj: Any) -> bool:
    return type(obj).__module__.startswith("pandas") and hasattr(obj, "columns") and hasattr(obj, "iloc")


def _is_polars(obj: Any) -> bool:
    return type(obj).__module__.startswith("polars") and hasattr(obj, "to_arrow")
