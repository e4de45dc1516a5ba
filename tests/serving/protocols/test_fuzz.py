"""Random JSON and bytes at every decoder: valid Inputs or a RequestError come out, nothing else."""

from __future__ import annotations

import base64
import os
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.configuration import set_hypothesis_home_dir

from tendml.entities.models import ColumnSpec, IOKind, Schema, Signature
from tendml.serving.protocols import (
    Inputs,
    RequestError,
    mlflow,
    native,
    v2,
    validate_columns,
    validate_rows,
    validate_tensor,
)
from tests.serving.protocols.samples import MIXED, NUMERIC, TENSOR

SIGNATURES = st.sampled_from([NUMERIC, MIXED, TENSOR])
KEYS = [
    *NUMERIC.inputs.names,
    *MIXED.inputs.names,
    *["records", "columns", "tensor", "key", "explain", "inputs", "outputs", "instances", "params"],
    *["dataframe_split", "dataframe_records", "data", "index", "name", "shape", "datatype", "parameters"],
    *["binary_data_size", "binary_data", "binary_data_output", "id", "input-0", "predict", "predict_proba"],
]
DATATYPES = ["BOOL", "UINT8", "UINT64", "INT8", "INT32", "INT64", "FP16", "FP32", "FP64", "BYTES", "BF16"]
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**64 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8)
    | st.sampled_from(["2020-01-01", "YWJj", "NaN", "", "1", DATATYPES[0], "FP64", "BYTES"])
)
JSON_VALUES = st.recursive(
    SCALARS,
    lambda children: (
        st.lists(children, max_size=5)
        | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=4), children, max_size=5)
    ),
    max_leaves=40,
)
# FUZZ_EXAMPLES=5000 for a longer search; no example database, and hypothesis' caches go to the
# temporary directory, so nothing is written to the checkout
set_hypothesis_home_dir(Path(tempfile.gettempdir()) / "tendml-hypothesis")
NUMERIC_TYPES = {"double", "float", "long", "integer"}
SETTINGS = settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "300")),
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def _check(result: Inputs) -> None:
    assert result.rows >= 1
    if result.columns is not None:
        assert all(len(column) == result.rows for column in result.columns.values())
    else:
        assert result.tensor is not None and result.tensor.shape[0] == result.rows


def _decode(call: Any, *args: Any, **kwargs: Any) -> None:
    try:
        out = call(*args, **kwargs)
    except RequestError as err:
        refused: RequestError | None = err
    else:
        refused = None
        _check(out[0] if isinstance(out, tuple) else out)
    if refused is not None:
        assert refused.status in (400, 413, 415, 422) and refused.message


@SETTINGS
@given(payload=JSON_VALUES, signature=SIGNATURES)
def test_random_json_at_every_json_decoder(payload: Any, signature: Signature) -> None:
    body = orjson.dumps(payload)
    _decode(native.decode_predict, body, signature, max_rows=20)
    _decode(mlflow.decode_invocations, body, "application/json", signature, max_rows=20)
    _decode(v2.decode_infer, body, signature, max_rows=20)
    for key in ("records", "columns", "tensor"):
        _decode(native.decode_predict, orjson.dumps({key: payload}), signature, max_rows=20)
    for key in mlflow.FORMATS:
        _decode(mlflow.decode_invocations, orjson.dumps({key: payload}), "application/json", signature)


def test_integers_beyond_64_bits_in_json() -> None:
    huge = b"123456789012345678901234567890"
    for signature in (NUMERIC, MIXED, TENSOR):
        _decode(native.decode_predict, b'{"records": [{"age": ' + huge + b"}]}", signature)
        _decode(native.decode_predict, b'{"tensor": [[' + huge + b"]]}", signature)
        _decode(
            v2.decode_infer,
            b'{"inputs": [{"name": "age", "shape": [1], "datatype": "INT64", "data": [' + huge + b"]}]}",
            signature,
        )


@SETTINGS
@given(body=st.binary(max_size=200), signature=SIGNATURES, header=st.none() | st.integers(-5, 250))
def test_random_bytes_at_every_decoder(body: bytes, signature: Signature, header: int | None) -> None:
    _decode(native.decode_predict, body, signature)
    _decode(v2.decode_infer, body, signature, header_length=header)
    for content_type in ("application/json", "text/csv", "text/plain", "application/json; charset=ascii"):
        _decode(mlflow.decode_invocations, body, content_type, signature)


V2_INPUT = st.fixed_dictionaries(
    {
        "name": st.sampled_from([*NUMERIC.inputs.names, *MIXED.inputs.names, "input-0"]),
        "shape": st.lists(st.integers(-1, 4), min_size=0, max_size=3),
        "datatype": st.sampled_from(DATATYPES),
    },
    optional={
        "data": JSON_VALUES,
        "parameters": st.fixed_dictionaries({}, optional={"binary_data_size": st.integers(-1, 40) | SCALARS}),
    },
)


@SETTINGS
@given(
    inputs=st.lists(V2_INPUT, min_size=1, max_size=7),
    outputs=st.none()
    | st.lists(st.fixed_dictionaries({"name": st.sampled_from(["predict", "predict_proba", "x"])})),
    tail=st.binary(max_size=80),
    signature=SIGNATURES,
)
def test_structured_v2_requests(inputs: list[Any], outputs: Any, tail: bytes, signature: Signature) -> None:
    request: dict[str, Any] = {"inputs": inputs, "parameters": {"binary_data_output": True}}
    if outputs is not None:
        request["outputs"] = outputs
    header = orjson.dumps(request)
    _decode(v2.decode_infer, header, signature)
    _decode(v2.decode_infer, header + tail, signature, header_length=len(header))


NULLABLE = Signature(
    Schema(IOKind.COLUMNS, tuple(ColumnSpec(c.name, c.type, nullable=True) for c in MIXED.inputs.columns))
)
# values only Python callers can pass: NaN, infinities, integers beyond 64 bits, NumPy scalars
PYTHON_SCALARS = (
    SCALARS
    | st.floats()
    | st.integers(min_value=-(2**1100), max_value=2**1100)
    | st.sampled_from(
        [np.float32(1.5), np.int8(3), np.bool_(True), np.str_("x"), np.datetime64("2020-01-01")]
    )
)


@SETTINGS
@given(
    columns=st.dictionaries(
        st.sampled_from(list(MIXED.inputs.names)), st.lists(PYTHON_SCALARS, min_size=1, max_size=40)
    ),
    signature=st.sampled_from([NUMERIC, MIXED, NULLABLE]),
)
def test_random_columns_and_records(columns: dict[str, list[Any]], signature: Signature) -> None:
    _decode(validate_columns, signature, columns)
    records = [dict(zip(columns, values, strict=False)) for values in zip(*columns.values(), strict=False)]
    _decode(validate_rows, signature, records)


ARRAYS = st.sampled_from(
    [
        np.zeros((2, 4)),
        np.zeros((2, 2, 3), dtype=np.float16),
        np.array([[True, False]]),
        np.array([["a", "b"]]),
        np.array([[1, 2, 3, 4]], dtype=np.uint64) * (2**63),
        np.array([[np.nan, 1.0, 2.0, 3.0]]),
        np.zeros((0, 4)),
        np.zeros(()),
        np.array([b"x"], dtype=object),
        np.array(["2020-01-01"], dtype="datetime64[us]"),
    ]
)


@SETTINGS
@given(array=ARRAYS, signature=SIGNATURES)
def test_random_arrays(array: np.ndarray, signature: Signature) -> None:
    _decode(validate_tensor, signature, array, name="x")


VALID = {
    "double": st.floats(allow_nan=False) | st.integers(-(2**53), 2**53),
    "float": st.floats(allow_nan=False, width=32) | st.integers(-(2**24), 2**24),
    "long": st.integers(-(2**63), 2**63 - 1),
    "integer": st.integers(-(2**31), 2**31 - 1),
    "boolean": st.booleans(),
    "string": st.text(max_size=10),
    "datetime": st.datetimes(
        datetime(2, 1, 1), datetime(9998, 12, 31), timezones=st.none() | st.timezones()
    ).map(lambda d: d.isoformat()),
    "binary": st.binary(max_size=10).map(lambda b: base64.b64encode(b).decode()),
}


def _complete_columns(signature: Signature) -> st.SearchStrategy[dict[str, list[Any]]]:
    """Every column of the signature, all of one length, of valid values: each converter runs to
    its end (the test then spoils one value half the time)."""
    specs = signature.inputs.columns
    nulls = {s.name: st.none() if s.nullable else st.nothing() for s in specs}
    return st.integers(1, 40).flatmap(
        lambda n: st.fixed_dictionaries(
            {s.name: st.lists(VALID[s.type] | nulls[s.name], min_size=n, max_size=n) for s in specs}
        )
    )


@SETTINGS
@given(data=st.data(), signature=st.sampled_from([NUMERIC, MIXED, NULLABLE]))
def test_random_values_in_complete_columns(data: st.DataObject, signature: Signature) -> None:
    columns = data.draw(_complete_columns(signature))
    spoiled = data.draw(st.booleans())
    if spoiled:
        name = data.draw(st.sampled_from(list(columns)))
        row = data.draw(st.integers(0, len(columns[name]) - 1))
        columns[name][row] = data.draw(PYTHON_SCALARS)
    _decode(validate_columns, signature, columns)
    _decode(validate_columns, signature, {k: np.array(v, dtype=object) for k, v in columns.items()})
    rows = [dict(zip(columns, values, strict=True)) for values in zip(*columns.values(), strict=True)]
    _decode(validate_rows, signature, rows)
    if not spoiled:
        _check_values_kept(signature, columns)


def _check_values_kept(signature: Signature, columns: dict[str, list[Any]]) -> None:
    """Valid values come back unchanged (integers beside a null may be refused, never rounded)."""
    try:
        inputs = validate_columns(signature, columns)
    except RequestError as err:
        refusal = err.message
    else:
        refusal = ""
    if refusal:
        assert "beside a null" in refusal, refusal
        return
    for spec in signature.inputs.columns:
        sent, got = columns[spec.name], (inputs.columns or {})[spec.name]
        if spec.type in NUMERIC_TYPES | {"boolean", "string"} and None not in sent:
            assert got.tolist() == sent, spec
