"""Parquet segments of the log: their keys (partitioned by model and UTC day), schema and encoding.

Keys are ``predictions/model=<model>/date=<YYYY-MM-DD>/<name>.parquet`` and the same under ``labels/``;
the model name is percent-encoded so that any name is one safe path segment (plain names are unchanged).
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import quote

import pyarrow as pa
import pyarrow.parquet as pq

from tendml.logs.records import PredictionRecord, json_text

log = logging.getLogger("tendml.logs")

DAY_US = 86_400_000_000
#: Rows per Parquet segment at most; a larger (model, day) group is split into ``-0``, ``-1``, ...
SEGMENT_ROWS = 1_000_000
TIMESTAMP = pa.timestamp("us", tz="UTC")

#: The columns of a prediction segment; ``inputs`` and ``prediction`` take their types from the values.
PREDICTION_SCHEMA = pa.schema(
    [
        ("prediction_id", pa.string()),
        ("time", TIMESTAMP),
        ("model", pa.string()),
        ("version", pa.int32()),
        ("arm", pa.string()),
        ("inputs", pa.struct([])),
        ("prediction", pa.string()),
        ("probabilities", pa.list_(pa.float64())),
        ("latency_ms", pa.float64()),
    ]
)
LABEL_SCHEMA = pa.schema([("prediction_id", pa.string()), ("label", pa.string()), ("time", TIMESTAMP)])
_CONVERSION_ERRORS = (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError, TypeError, ValueError)


def model_prefix(kind: str, model: str) -> str:
    """The key prefix of one model's segments of ``kind`` (``"predictions"`` or ``"labels"``).

    >>> model_prefix("predictions", "churn"), model_prefix("labels", "team/churn v2")
    ('predictions/model=churn/', 'labels/model=team%2Fchurn%20v2/')
    """
    return f"{kind}/model={quote(model, safe='')}/"


def day_of(time_us: int) -> str:
    """The UTC day of an epoch-microsecond time, as ``YYYY-MM-DD``.

    >>> day_of(0), day_of(DAY_US - 1), day_of(DAY_US)
    ('1970-01-01', '1970-01-01', '1970-01-02')
    """
    return date.fromordinal(date(1970, 1, 1).toordinal() + time_us // DAY_US).isoformat()


def key_day(key: str) -> str | None:
    """The ``YYYY-MM-DD`` of a segment key's ``date=`` folder, or None if it has none."""
    for part in key.split("/"):
        if part.startswith("date="):
            return part[5:]
    return None


def value_array(values: Sequence[Any]) -> pa.Array:
    """An Arrow array typed from the values (NaN -> null); text (JSON for non-strings) if they mix types.

    >>> value_array([1, 2.5, None]).type, value_array([1, "a", True]).to_pylist()
    (DataType(double), ['1', 'a', 'true'])
    """
    try:
        return pa.array(values, from_pandas=True)
    except _CONVERSION_ERRORS:
        return pa.array([None if v is None else json_text(v) for v in values], type=pa.string())


def _inputs_array(rows: Sequence[dict[str, Any]]) -> pa.Array | None:
    """The ``inputs`` struct, one field per column (null where a row lacks it); None without columns."""
    try:
        array = pa.array(rows, from_pandas=True)
    except _CONVERSION_ERRORS:
        # Some column mixes types: type each column on its own.
        names = list(dict.fromkeys(name for row in rows for name in row))
        columns = [value_array([row.get(name) for row in rows]) for name in names]
        array = pa.StructArray.from_arrays(columns, names=names) if names else pa.array(rows)
    # Parquet cannot store a struct without fields (every row had empty inputs).
    return array if array.type.num_fields else None


def _probabilities_array(rows: Sequence[list[float] | None]) -> pa.Array:
    """``list<double>``; a row that is not a list of numbers becomes null rather than block its segment."""
    kind = pa.list_(pa.float64())
    try:
        return pa.array(rows, type=kind, from_pandas=True)
    except _CONVERSION_ERRORS:
        return pa.array([_float_list(row) for row in rows], type=kind, from_pandas=True)


def _float_list(row: list[float] | None) -> list[float] | None:
    try:
        return None if row is None else [float(p) for p in row]
    except (TypeError, ValueError):
        log.warning("a probabilities value %.80r is not a list of numbers: logged as null", row)
        return None


def predictions_table(records: Sequence[PredictionRecord]) -> pa.Table:
    """The Arrow table of a segment (one model's records; schema as ``PREDICTION_SCHEMA``)."""
    columns: dict[str, pa.Array] = {
        "prediction_id": pa.array([r.id for r in records], type=pa.string()),
        "time": pa.array([r.time_us for r in records], type=TIMESTAMP),
        "model": pa.array([r.model for r in records], type=pa.string()),
        "version": pa.array([r.version for r in records], type=pa.int32()),
        "arm": pa.array([r.arm for r in records], type=pa.string()),
    }
    inputs = _inputs_array([r.inputs for r in records])
    if inputs is not None:
        columns["inputs"] = inputs
    columns["prediction"] = value_array([r.prediction for r in records])
    columns["probabilities"] = _probabilities_array([r.probabilities for r in records])
    columns["latency_ms"] = pa.array([r.latency_ms for r in records], type=pa.float64())
    return pa.table(columns)


def parquet_bytes(table: pa.Table) -> bytes:
    """A table as the bytes of one Parquet file (zstd)."""
    sink = io.BytesIO()
    pq.write_table(table, sink, compression="zstd")
    return sink.getvalue()


def prediction_segments(records: Iterable[PredictionRecord], name: str) -> list[tuple[str, bytes]]:
    """Keys and Parquet bytes of the segments for ``records``: one per (model, UTC day), named
    ``<name>-<n>.parquet``; the same records and name always give the same keys (idempotent rewrites)."""
    groups: dict[tuple[str, int], list[PredictionRecord]] = {}
    for record in records:
        groups.setdefault((record.model, record.time_us // DAY_US), []).append(record)
    segments = []
    for (model, day), rows in sorted(groups.items()):
        prefix = f"{model_prefix('predictions', model)}date={day_of(day * DAY_US)}/"
        for n, start in enumerate(range(0, len(rows), SEGMENT_ROWS)):
            table = predictions_table(rows[start : start + SEGMENT_ROWS])
            segments.append((f"{prefix}{name}-{n}.parquet", parquet_bytes(table)))
    return segments


def utc_day(moment: datetime) -> str:
    """The UTC day of a datetime (a naive one is taken as UTC), as ``YYYY-MM-DD``."""
    aware = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return aware.date().isoformat()
