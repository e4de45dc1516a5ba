"""Signatures and rows shared by the codec tests: a numeric model and one of every column type."""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Any

import numpy as np

from tendml.entities.models import ColumnSpec, IOKind, Schema, Signature, TensorSpec
from tendml.serving.protocols import Inputs

NUMERIC = Signature(
    inputs=Schema(
        IOKind.COLUMNS,
        (
            ColumnSpec("age", "long"),
            ColumnSpec("income", "double"),
            ColumnSpec("score", "float"),
            ColumnSpec("visits", "integer"),
        ),
    ),
    outputs=Schema(IOKind.COLUMNS, (ColumnSpec("prediction", "string"),)),
    classes=("no", "yes"),
    methods=("predict", "predict_proba"),
)
NUMERIC_ROWS: list[dict[str, Any]] = [
    {"age": 41, "income": 52000.5, "score": 0.25, "visits": 3},
    {"age": 7, "income": 0.0, "score": 1.5, "visits": 0},
    {"age": 23, "income": 1234.75, "score": -2.0, "visits": 12},
]
NUMERIC_INPUTS = Inputs(
    columns={
        "age": np.array([41, 7, 23], dtype=np.int64),
        "income": np.array([52000.5, 0.0, 1234.75]),
        "score": np.array([0.25, 1.5, -2.0], dtype=np.float32),
        "visits": np.array([3, 0, 12], dtype=np.int32),
    },
    tensor=None,
    rows=3,
)

MIXED = Signature(
    inputs=Schema(
        IOKind.COLUMNS,
        (
            ColumnSpec("age", "long"),
            ColumnSpec("income", "double", nullable=True),
            ColumnSpec("city", "string"),
            ColumnSpec("member", "boolean"),
            ColumnSpec("joined", "datetime"),
            ColumnSpec("photo", "binary"),
        ),
    ),
    outputs=Schema(IOKind.COLUMNS, (ColumnSpec("prediction", "double"),)),
)
PHOTOS = [b"abc", b"\x00\x01", b""]  # raw bytes; only the first is UTF-8 text with a visible meaning
MIXED_ROWS: list[dict[str, Any]] = [
    {
        "age": 41,
        "income": 52000.5,
        "city": "Paris",
        "member": True,
        "joined": "2020-01-01T00:00:00Z",
        "photo": base64.b64encode(PHOTOS[0]).decode(),
    },
    {
        "age": 7,
        "income": None,
        "city": 'Zürich, "CH"',
        "member": False,
        "joined": "2021-06-15T12:30:00+02:00",
        "photo": base64.b64encode(PHOTOS[1]).decode(),
    },
    {
        "age": 23,
        "income": -1.5,
        "city": "NA",
        "member": True,
        "joined": "2022-03-01",
        "photo": base64.b64encode(PHOTOS[2]).decode(),
    },
]
MIXED_INPUTS = Inputs(
    columns={
        "age": np.array([41, 7, 23], dtype=np.int64),
        "income": np.array([52000.5, np.nan, -1.5]),
        "city": np.array(["Paris", 'Zürich, "CH"', "NA"], dtype=object),
        "member": np.array([True, False, True]),
        "joined": np.array(
            [datetime(2020, 1, 1), datetime(2021, 6, 15, 10, 30), datetime(2022, 3, 1)],
            dtype="datetime64[us]",
        ),
        "photo": np.array(PHOTOS, dtype=object),
    },
    tensor=None,
    rows=3,
)

TENSOR = Signature(
    inputs=Schema(IOKind.TENSOR, tensor=TensorSpec("float32", (-1, 2, 3))),
    outputs=Schema(IOKind.TENSOR, tensor=TensorSpec("float64", (-1,))),
)
TENSOR_DATA = [[[1, 2, 3], [4, 5, 6]], [[0.5, -1, 0], [7, 8, 9]]]
TENSOR_INPUTS = Inputs(columns=None, tensor=np.array(TENSOR_DATA, dtype=np.float32), rows=2)


def columns_of(rows: list[dict[str, Any]]) -> dict[str, list[Any]]:
    """Records as a dict of columns."""
    return {name: [row[name] for row in rows] for name in rows[0]}
