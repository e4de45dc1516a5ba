"""Validation against a signature: what is accepted, what is refused, and the error's status and field."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from tendml.core.errors import ValidationFailed
from tendml.entities.models import ColumnSpec, IOKind, Schema, Signature, TensorSpec
from tendml.serving.protocols import (
    Inputs,
    RequestError,
    validate_columns,
    validate_rows,
    validate_tensor,
)
from tests.serving.protocols.samples import (
    MIXED,
    MIXED_ROWS,
    NUMERIC,
    NUMERIC_INPUTS,
    NUMERIC_ROWS,
    columns_of,
)


def _signature(*columns: ColumnSpec) -> Signature:
    return Signature(Schema(IOKind.COLUMNS, columns))


def _refused(call: Any, *args: Any, **kwargs: Any) -> RequestError:
    with pytest.raises(RequestError) as caught:
        call(*args, **kwargs)
    return caught.value


def test_request_error_is_a_validation_failure_with_a_status() -> None:
    err = RequestError("x", status=413, field="rows", hint="fewer")
    assert isinstance(err, ValidationFailed)
    assert (err.status, err.http_status, err.field, err.hint) == (413, 413, "rows", "fewer")
    assert err.to_dict() == {"type": "RequestError", "message": "x", "field": "rows", "hint": "fewer"}
    with pytest.raises(ValueError, match="status"):
        RequestError("x", status=500)


def test_columns_come_back_in_signature_order_with_their_dtypes() -> None:
    given = dict(reversed(list(columns_of(NUMERIC_ROWS).items())))
    inputs = validate_columns(NUMERIC, given)
    assert list(inputs.columns or {}) == list(NUMERIC.inputs.names)
    assert {k: v.dtype.name for k, v in (inputs.columns or {}).items()} == {
        "age": "int64",
        "income": "float64",
        "score": "float32",
        "visits": "int32",
    }
    assert inputs == NUMERIC_INPUTS and inputs.rows == 3 and inputs.tensor is None


def test_whole_floats_fill_integer_columns_and_integers_fill_float_columns() -> None:
    inputs = validate_columns(
        NUMERIC, {"age": [1.0, 2.0], "income": [1, 2], "score": [3, 4], "visits": [5.0, 6]}
    )
    columns = inputs.columns or {}
    assert columns["age"].tolist() == [1, 2] and columns["income"].tolist() == [1.0, 2.0]


def test_nullable_columns_keep_their_missing_value() -> None:
    sig = _signature(
        ColumnSpec("d", "double", True),
        ColumnSpec("n", "long", True),
        ColumnSpec("b", "boolean", True),
        ColumnSpec("s", "string", True),
        ColumnSpec("t", "datetime", True),
        ColumnSpec("x", "binary", True),
    )
    columns = validate_columns(sig, {key: [None] for key in sig.inputs.names}).columns or {}
    assert np.isnan(columns["d"][0]) and np.isnan(columns["n"][0]) and columns["n"].dtype == np.float64
    assert (
        columns["b"].tolist() == [None]
        and columns["s"].tolist() == [None]
        and columns["x"].tolist() == [None]
    )
    assert np.isnat(columns["t"][0])


def test_numpy_scalars_and_arrays_are_accepted() -> None:
    inputs = validate_columns(
        NUMERIC,
        {
            "age": [np.int64(41), np.int32(7), np.int8(23)],
            "income": np.array([52000.5, 0.0, 1234.75]),
            "score": np.array([0.25, 1.5, -2.0], dtype=np.float64),
            "visits": np.array([3, 0, 12], dtype=np.uint8),
        },
    )
    assert inputs == NUMERIC_INPUTS


@pytest.mark.parametrize(
    ("column", "values", "words"),
    [
        ("age", [41, "abc", 3], 'expected long, got string "abc" at row 1'),
        ("age", [41, 1.5, 3], "expected long, got double 1.5 at row 1"),
        ("age", [41, True, 3], "expected long, got boolean true at row 1"),
        ("age", [41, None, 3], "expected long (not nullable), got null at row 1"),
        ("age", [41, 2**64, 3], "out of range"),
        ("age", [41, [1], 3], "got array at row 1"),
        ("visits", [1, 2**40, 3], "out of the range of integer"),
        ("income", [1.0, False, 3], "expected double, got boolean false at row 1"),
        ("income", [1.0, None, 3], "expected double (not nullable), got null at row 1"),
        ("income", np.array([1.0, np.nan, 3.0]), "expected double (not nullable), got NaN at row 1"),
        ("income", np.array([True, False, True]), "expected double, got boolean true at row 0"),
        ("income", np.array(["1", "2", "3"]), 'expected double, got string "1" at row 0'),
        ("score", [1.0, 1e300, 3.0], "out of the range of float"),
        ("income", {"a": 1}, "expected a list of values, got object"),
        ("income", np.zeros((3, 2)), "expected a list of values, got an array of shape [3, 2]"),
    ],
)
def test_wrong_types_are_422_naming_the_column_row_and_value(column: str, values: Any, words: str) -> None:
    columns: dict[str, Any] = columns_of(NUMERIC_ROWS)
    columns[column] = values
    err = _refused(validate_columns, NUMERIC, columns)
    assert (err.status, err.field) == (422, column)
    assert f"column {column!r}: {words}" in err.message or words in err.message, err.message
    assert err.hint


@pytest.mark.parametrize(
    ("column", "value", "words"),
    [
        ("city", 5, "expected string, got long 5"),
        ("member", 1, "expected boolean, got long 1"),
        ("member", "true", 'expected boolean, got string "true"'),
        ("joined", "yesterday", "not an ISO 8601 date and time"),
        ("joined", "0001-01-01T00:00:00+02:00", "out of the range of datetime"),
        ("joined", 1577836800, "expected datetime, got long"),
        ("photo", "not base64!", "which is not base64"),
        ("photo", 3, "expected binary, got long 3"),
    ],
)
def test_every_type_refuses_other_kinds(column: str, value: Any, words: str) -> None:
    rows = [dict(row) for row in MIXED_ROWS]
    rows[2][column] = value
    err = _refused(validate_rows, MIXED, rows)
    assert (err.status, err.field) == (422, column)
    assert words in err.message and "at row 2" in err.message, err.message


def test_bytes_that_are_not_utf8_are_refused_in_a_string_column() -> None:
    columns: dict[str, Any] = columns_of(MIXED_ROWS)
    columns["city"] = np.array([b"ok", b"\xff", b"x"], dtype=object)
    err = _refused(validate_columns, MIXED, columns)
    assert err.field == "city" and "UTF-8" in err.message


def test_missing_and_unknown_columns_are_named() -> None:
    columns = columns_of(NUMERIC_ROWS)
    del columns["score"]
    missing = _refused(validate_columns, NUMERIC, columns)
    assert (missing.status, missing.field) == (422, "score") and "missing column 'score'" in missing.message
    unknown = _refused(validate_columns, NUMERIC, {**columns_of(NUMERIC_ROWS), "colour": [1, 2, 3]})
    assert (unknown.status, unknown.field) == (422, "colour") and "unknown column" in unknown.message


def test_records_must_each_have_exactly_the_columns() -> None:
    rows = [dict(row) for row in NUMERIC_ROWS]
    del rows[1]["age"]
    err = _refused(validate_rows, NUMERIC, rows)
    assert (err.status, err.field) == (422, "age") and err.message.startswith("record 1: missing column")
    rows = [dict(row) for row in NUMERIC_ROWS]
    rows[2]["extra"] = 1
    err = _refused(validate_rows, NUMERIC, rows)
    assert (err.status, err.field) == (422, "extra")
    err = _refused(validate_rows, NUMERIC, [NUMERIC_ROWS[0], [1, 2, 3, 4]])
    assert err.status == 422 and "record 1" in err.message


def test_unequal_lengths_name_the_short_column() -> None:
    columns = columns_of(NUMERIC_ROWS)
    columns["visits"] = [1, 2]
    err = _refused(validate_columns, NUMERIC, columns)
    assert (err.status, err.field) == (422, "visits") and "expected 3 values" in err.message


def test_too_many_rows_is_413_and_none_is_422() -> None:
    err = _refused(validate_rows, NUMERIC, NUMERIC_ROWS, max_rows=2)
    assert err.status == 413 and "limit of 2" in err.message
    err = _refused(validate_columns, NUMERIC, columns_of(NUMERIC_ROWS), max_rows=2)
    assert err.status == 413
    err = _refused(validate_tensor, NUMERIC, np.zeros((3, 4)), max_rows=2)
    assert err.status == 413
    assert _refused(validate_rows, NUMERIC, []).status == 422
    assert _refused(validate_columns, NUMERIC, {key: [] for key in NUMERIC.inputs.names}).status == 422


def test_a_tensor_signature_refuses_columns() -> None:
    sig = Signature(Schema(IOKind.TENSOR, tensor=TensorSpec("float64", (-1, 2))))
    err = _refused(validate_rows, sig, [{"a": 1}])
    assert err.status == 422 and "tensor" in err.message


TENSOR = Signature(Schema(IOKind.TENSOR, tensor=TensorSpec("float32", (-1, 2))))


@pytest.mark.parametrize(
    "array",
    [
        np.array([[1, 2], [3, 4]]),
        np.array([[1.0, 2.0], [3.0, 4.0]]),
        np.array([[1, 2], [3, 4]], dtype=np.uint8),
    ],
)
def test_tensors_take_value_preserving_casts(array: np.ndarray) -> None:
    inputs = validate_tensor(TENSOR, array)
    assert inputs == Inputs(columns=None, tensor=np.array([[1, 2], [3, 4]], dtype=np.float32), rows=2)


@pytest.mark.parametrize(
    ("spec", "array", "words"),
    [
        (TensorSpec("float32", (-1, 2)), np.zeros((2, 3)), "expected shape [-1, 2]"),
        (TensorSpec("float32", (-1, 2)), np.zeros(2), "expected shape [-1, 2]"),
        (TensorSpec("float32", (-1, 2)), np.zeros((2, 2), dtype=bool), "got booleans"),
        (TensorSpec("float32", (-1, 2)), np.array([["a", "b"]]), "got strings"),
        (TensorSpec("int64", (-1, 2)), np.array([[1.5, 2.0]]), "fraction"),
        (TensorSpec("int8", (-1, 2)), np.array([[1, 300]]), "out of its range"),
        (TensorSpec("bool", (-1, 2)), np.array([[1, 0]]), "expected bool values"),
    ],
)
def test_tensors_refuse_other_shapes_and_lossy_casts(spec: TensorSpec, array: np.ndarray, words: str) -> None:
    err = _refused(validate_tensor, Signature(Schema(IOKind.TENSOR, tensor=spec)), array, name="x")
    assert (err.status, err.field) == (422, "x") and words in err.message, err.message


def test_an_all_numeric_column_signature_takes_one_2d_array() -> None:
    matrix = np.array([[r[n] for n in NUMERIC.inputs.names] for r in NUMERIC_ROWS])
    assert validate_tensor(NUMERIC, matrix) == NUMERIC_INPUTS
    err = _refused(validate_tensor, NUMERIC, matrix[:, :3], name="input-0")
    assert (err.status, err.field) == (422, "input-0") and "expected shape [rows, 4]" in err.message
    err = _refused(validate_tensor, MIXED, np.zeros((3, 6)))
    assert err.status == 422 and "numeric columns" in err.message
    one = _signature(ColumnSpec("x", "double"))
    assert (validate_tensor(one, np.array([1.0, 2.0])).columns or {})["x"].tolist() == [1.0, 2.0]


def test_inputs_compare_by_value() -> None:
    a = Inputs({"x": np.array([1.0, np.nan])}, None, 2)
    assert a == Inputs({"x": np.array([1.0, np.nan])}, None, 2)
    assert a != Inputs({"x": np.array([1.0, 2.0])}, None, 2)
    assert a != Inputs({"x": np.array([1.0, np.nan], dtype=np.float32)}, None, 2)
    assert a != Inputs(None, np.array([1.0, np.nan]), 2)


@pytest.mark.parametrize("rows", [3, 100])  # short columns are checked in Python, long ones in NumPy
@pytest.mark.parametrize(
    ("spec", "bad", "words"),
    [
        (ColumnSpec("x", "double"), float("nan"), "got NaN"),
        (ColumnSpec("x", "float"), 1e300, "out of the range of float"),
        (ColumnSpec("x", "integer"), 2**31, "out of the range of integer"),
        (ColumnSpec("x", "integer"), -(2**31) - 1, "out of the range of integer"),
        (ColumnSpec("x", "long"), 2.0**63, "out of the range of long"),
    ],
)
def test_checks_find_the_bad_row_at_any_size(spec: ColumnSpec, bad: Any, words: str, rows: int) -> None:
    values = [1] * (rows - 1) + [bad]
    for given in (values, np.array(values)):
        err = _refused(validate_columns, _signature(spec), {"x": given})
        assert err.field == "x" and words in err.message and f"at row {rows - 1}" in err.message, err.message
    assert validate_columns(_signature(spec), {"x": [1] * rows}).rows == rows


def test_infinity_is_a_value_in_float_columns() -> None:
    sig = _signature(ColumnSpec("x", "float"), ColumnSpec("y", "double"))
    columns = (
        validate_columns(sig, {"x": np.array([np.inf, -np.inf]), "y": np.array([np.inf, 1.0])}).columns or {}
    )
    assert np.isinf(columns["x"]).all() and columns["x"].dtype == np.float32


def test_a_one_column_signature_of_any_type_takes_a_1d_array() -> None:
    sig = _signature(ColumnSpec("text", "string"))
    inputs = validate_tensor(sig, np.array(["a", "b"], dtype=object))
    assert (inputs.columns or {})["text"].tolist() == ["a", "b"]


def test_string_tensors() -> None:
    sig = Signature(Schema(IOKind.TENSOR, tensor=TensorSpec("str96", (-1, 2))))
    inputs = validate_tensor(sig, np.array([["a", "bc"]], dtype=object))
    assert (
        inputs.tensor is not None
        and inputs.tensor.tolist() == [["a", "bc"]]
        and inputs.tensor.dtype.kind == "U"
    )
    err = _refused(validate_tensor, sig, np.array([[1, 2]]))
    assert err.status == 422 and "got int64" in err.message
