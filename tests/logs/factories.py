"""Prediction batches spread over two models and two UTC days, and what the reader gives back for them."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import fields
from datetime import UTC, datetime
from typing import Any

import numpy as np

from tendml.logs import PredictionBatch
from tendml.logs.block import Block, merge
from tendml.logs.encoding import encode_blocks
from tendml.logs.wal import WalContents, frame

DAY1 = datetime(2024, 3, 1, 23, 59, tzinfo=UTC)
DAY2 = datetime(2024, 3, 2, 0, 1, tzinfo=UTC)
FIELDS = [field.name for field in fields(PredictionBatch) if field.init]


def epoch_us(moment: datetime) -> int:
    return int(moment.timestamp()) * 1_000_000


def pid(i: int) -> str:
    """The prediction id of row ``i`` of the factories."""
    return f"{i:032x}"


def churn(
    start: int, rows: int = 1, *, day: datetime = DAY1, version: int = 1, **columns: Any
) -> PredictionBatch:
    """``rows`` classification predictions of the model "churn" (int class, probabilities), rows
    ``start, start + 1, ...``; ``columns`` (lists or arrays) replace the default inputs."""
    i = np.arange(start, start + rows)
    default = {
        "age": 20 + i,
        "plan": np.array(["basic", "pro"], dtype=object)[i % 2],
        "income": 1000.5 * i,
        "active": i % 3 == 0,
    }
    given = {name: np.asarray(values) for name, values in columns.items()}
    return PredictionBatch(
        ids=[pid(k) for k in range(start, start + rows)],
        time_us=epoch_us(day) + start,
        model="churn",
        version=version,
        arm="champion" if start % 4 else "challenger",
        columns=given or default,
        tensor=None,
        predictions=i % 2,
        probabilities=np.where((i % 2 == 1)[:, None], [0.25, 0.75], [0.9, 0.1]),
        latency_ms=0.5 + start / 100,
    )


def price(start: int, rows: int = 1, *, day: datetime = DAY2) -> PredictionBatch:
    """``rows`` regression predictions of the model "price" (float value, no probabilities)."""
    i = np.arange(start, start + rows)
    return PredictionBatch(
        ids=[pid(1_000_000 + k) for k in range(start, start + rows)],
        time_us=epoch_us(day) + start,
        model="price",
        version=2,
        arm="shadow",
        columns={
            "rooms": i % 5,
            "city": np.array([None if k % 7 == 0 else "Lyon" for k in i.tolist()], dtype=object),
        },
        tensor=None,
        predictions=100_000.0 + i,
        probabilities=None,
        latency_ms=1.0,
    )


def odd_batches() -> list[PredictionBatch]:
    """Batches with every kind of array: text, bytes, datetimes with NaT, nulls, tensors, 2-D output."""
    base = churn(10, 3)
    columns = {
        "small": np.array([1.5, -2.0, 3.25], dtype=np.float32),
        "count": np.array([1, 2, 3], dtype=np.int32),
        "big": np.array([2**62, 0, -1], dtype=np.int64),
        "flag": np.array([True, None, False], dtype=object),
        "name": np.array(["é", None, ""], dtype=object),
        "raw": np.array([b"\x00\xff", None, b""], dtype=object),
        "when": np.array(["2024-03-01T12:00:00.123456", "NaT", "1969-12-31"], dtype="datetime64[us]"),
        "mixed": np.array([1, "a", None], dtype=object),
        "strided": np.arange(9.0)[::3],
        "swapped": np.array([1.0, 2.0, 3.0], dtype=">f8"),
    }
    return [
        replace(base, columns=columns),
        replace(base, columns=None, tensor=np.arange(12.0).reshape(3, 2, 2), probabilities=None),
        replace(base, predictions=np.array([["a", "b"], ["c", "d"], ["e", "f"]], dtype=object)),
        replace(base, columns={}, predictions=np.array([0.5, np.nan, 2.0])),
    ]


def replace(batch: PredictionBatch, **changes: Any) -> PredictionBatch:
    """A copy of ``batch`` with some fields changed."""
    return PredictionBatch(**{**{name: getattr(batch, name) for name in FIELDS}, **changes})


def expected_rows(batches: Sequence[PredictionBatch]) -> list[dict[str, Any]]:
    """The rows the reader returns for ``batches`` (time in µs, inputs with every column, NaN as None),
    sorted by prediction id."""
    names = list(dict.fromkeys(name for b in batches for name in (b.columns or {})))
    rows = []
    for b in batches:
        columns = {name: _values(b.columns[name]) for name in b.columns or {}}
        for n, prediction_id in enumerate(b.ids):
            rows.append(
                {
                    "prediction_id": prediction_id,
                    "time_us": b.time_us,
                    "model": b.model,
                    "version": b.version,
                    "arm": b.arm,
                    "inputs": {name: columns[name][n] if name in columns else None for name in names},
                    "prediction": b.predictions[n].tolist(),
                    "probabilities": None if b.probabilities is None else b.probabilities[n].tolist(),
                    "latency_ms": b.latency_ms,
                }
            )
    return sorted(rows, key=lambda row: row["prediction_id"])


def _values(column: np.ndarray) -> list[Any]:
    return [None if isinstance(v, float) and math.isnan(v) else v for v in column.tolist()]


def frame_of(batches: Sequence[PredictionBatch]) -> bytes:
    """The WAL frame the log writes for ``batches``."""
    return frame(encode_blocks(merge([Block.of(batch) for batch in batches])))


def batches_in(contents: WalContents) -> list[PredictionBatch]:
    """The batches of the blocks read from a WAL file."""
    return [batch for block in contents.blocks for batch in block.batches()]


def same_batches(got: Sequence[PredictionBatch], expected: Sequence[PredictionBatch]) -> bool:
    """Whether two lists of batches hold the same values (arrays: dtype, shape and values; NaN == NaN),
    in any order."""
    assert len(got) == len(expected), (len(got), len(expected))
    for a, b in zip(sorted(got, key=_first_id), sorted(expected, key=_first_id), strict=True):
        for name in FIELDS:
            x, y = getattr(a, name), getattr(b, name)
            if isinstance(y, dict):
                assert isinstance(x, dict) and list(x) == list(y), (name, x, y)
                for column in y:
                    _same_array(x[column], y[column], f"{name}.{column}")
            elif isinstance(y, np.ndarray):
                _same_array(x, y, name)
            else:
                assert x == y and type(x) is type(y), (name, x, y)
    return True


def _first_id(batch: PredictionBatch) -> str:
    return batch.ids[0]


def _same_array(x: Any, y: np.ndarray, name: str) -> None:
    assert isinstance(x, np.ndarray), (name, x)
    assert (x.dtype, x.shape) == (y.dtype, y.shape), (name, x.dtype, y.dtype, x.shape, y.shape)
    if y.dtype.kind in "fcmM":
        assert np.array_equal(x, y, equal_nan=True), (name, x, y)
    else:
        assert x.tolist() == y.tolist(), (name, x, y)
