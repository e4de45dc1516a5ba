"""Parquet segments of the log: their keys (partitioned by model and UTC day), schema and encoding.

Keys are ``predictions/model=<model>/date=<YYYY-MM-DD>/<name>.parquet`` and the same under ``labels/``;
the model name is percent-encoded so that any name is one safe path segment (plain names are unchanged).
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime
from itertools import chain
from urllib.parse import quote

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from tendml.logs.arrays import Piece, column_array
from tendml.logs.block import DAY_US, Block

#: Rows per Parquet segment at most (whole blocks); a larger (model, day) group is split into ``-0``, ``-1``.
SEGMENT_ROWS = 1_000_000
TIMESTAMP = pa.timestamp("us", tz="UTC")
PROBABILITIES = pa.list_(pa.float64())

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
        ("probabilities", PROBABILITIES),
        ("latency_ms", pa.float64()),
    ]
)
LABEL_SCHEMA = pa.schema([("prediction_id", pa.string()), ("label", pa.string()), ("time", TIMESTAMP)])


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


def predictions_table(blocks: Sequence[Block]) -> pa.Table:
    """The Arrow table of a segment (schema as ``PREDICTION_SCHEMA``): one array a column, built from
    the blocks' arrays, never from row objects."""
    counts = list(chain.from_iterable(block.counts for block in blocks))

    def each(field: str, dtype: type) -> np.ndarray:
        """A per-batch field, repeated for every row of its batch."""
        values = chain.from_iterable(getattr(block, field) for block in blocks)
        return np.repeat(np.array(list(values), dtype=dtype), counts)

    models = np.repeat(np.array([b.model for b in blocks], dtype=object), [b.rows for b in blocks])
    columns: dict[str, pa.Array] = {
        "prediction_id": pa.array(list(chain.from_iterable(b.ids for b in blocks)), type=pa.string()),
        "time": pa.array(each("time_us", np.int64), type=TIMESTAMP),
        "model": pa.array(models, type=pa.string()),
        "version": pa.array(each("version", np.int32), type=pa.int32()),
        "arm": pa.array(each("arm", object), type=pa.string()),
    }
    inputs = _inputs_array(blocks)
    if inputs is not None:
        columns["inputs"] = inputs
    columns["prediction"] = column_array([b.predictions for b in blocks])
    columns["probabilities"] = _probabilities_array(blocks)
    columns["latency_ms"] = pa.array(each("latency_ms", np.float64))
    return pa.table(columns)


def _inputs_array(blocks: Sequence[Block]) -> pa.Array | None:
    """The ``inputs`` struct, one field per column (null in the rows of a block without it), a tensor
    as the field ``tensor`` (a list of floats a row); None without inputs."""
    inputs = [_input_columns(block) for block in blocks]
    names = list(dict.fromkeys(chain.from_iterable(inputs)))
    if not names:
        return None  # Parquet cannot store a struct without fields
    pieces = [[c.get(name, b.rows) for c, b in zip(inputs, blocks, strict=True)] for name in names]
    return pa.StructArray.from_arrays([column_array(p) for p in pieces], names=names)


def _input_columns(block: Block) -> Mapping[str, np.ndarray]:
    if block.columns is not None:
        return block.columns
    tensor = block.tensor
    if tensor is None:
        return {}
    rows = tensor.reshape(len(tensor), -1)
    return {"tensor": rows.astype(np.float64) if rows.dtype.kind in "biuf" else rows}


def _probabilities_array(blocks: Sequence[Block]) -> pa.Array:
    """``list<double>``, null for the rows of a block without probabilities."""
    pieces: list[Piece] = [
        b.rows if b.probabilities is None else b.probabilities.astype(np.float64, copy=False) for b in blocks
    ]
    array = column_array(pieces)
    return array if array.type == PROBABILITIES else array.cast(PROBABILITIES)


def parquet_bytes(table: pa.Table) -> bytes:
    """A table as the bytes of one Parquet file (zstd; dictionaries for text columns only).

    Parquet's default dictionary-encodes every column: for floats and ids, whose values hardly repeat,
    that was four fifths of the time of writing a segment, and made it larger.
    """
    sink = io.BytesIO()
    pq.write_table(table, sink, compression="zstd", use_dictionary=dictionary_columns(table.schema))
    return sink.getvalue()


def dictionary_columns(schema: pa.Schema) -> list[str]:
    """The paths of the columns worth a dictionary: text and binary (but not ids), and ``version``.

    >>> dictionary_columns(pa.schema([("prediction_id", pa.string()), ("version", pa.int32()),
    ...     ("inputs", pa.struct([("plan", pa.string()), ("age", pa.int64())]))]))
    ['version', 'inputs.plan']
    """
    paths: list[str] = []
    fields = [(field, field.name) for field in schema]
    while fields:
        field, path = fields.pop(0)
        if pa.types.is_struct(field.type):
            fields.extend((child, f"{path}.{child.name}") for child in field.type if "." not in child.name)
        elif path == "version" or (_is_text(field.type) and path != "prediction_id"):
            paths.append(path)
    return paths


def _is_text(kind: pa.DataType) -> bool:
    return bool(
        pa.types.is_string(kind)
        or pa.types.is_large_string(kind)
        or pa.types.is_binary(kind)
        or pa.types.is_large_binary(kind)
    )


def prediction_segments(blocks: Iterable[Block], name: str) -> list[tuple[str, bytes]]:
    """Keys and Parquet bytes of the segments for ``blocks``: one per (model, UTC day), named
    ``<name>-<n>.parquet``; the same blocks and name always give the same keys (idempotent rewrites)."""
    groups: dict[tuple[str, int], list[Block]] = {}
    for block in blocks:
        if block.rows:
            groups.setdefault((block.model, block.day), []).append(block)
    segments = []
    for (model, day), group in sorted(groups.items()):
        prefix = f"{model_prefix('predictions', model)}date={day_of(day * DAY_US)}/"
        for n, part in enumerate(_parts(group)):
            segments.append((f"{prefix}{name}-{n}.parquet", parquet_bytes(predictions_table(part))))
    return segments


def _parts(blocks: list[Block]) -> list[list[Block]]:
    """The blocks cut into parts of at most ``SEGMENT_ROWS`` rows (a larger block is a part alone)."""
    parts: list[list[Block]] = [[]]
    rows = 0
    for block in blocks:
        if parts[-1] and rows + block.rows > SEGMENT_ROWS:
            parts.append([])
            rows = 0
        parts[-1].append(block)
        rows += block.rows
    return parts


def utc_day(moment: datetime) -> str:
    """The UTC day of a datetime (a naive one is taken as UTC), as ``YYYY-MM-DD``."""
    aware = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return aware.date().isoformat()
