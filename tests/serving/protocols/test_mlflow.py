"""MLflow's scoring protocol: the payloads of MLflow's documentation, CSV, errors and the response."""

from __future__ import annotations

import base64
from datetime import datetime

import numpy as np
import orjson
import pytest

from tendml.entities.models import ColumnSpec, IOKind, Schema, Signature, TensorSpec
from tendml.serving.protocols import Inputs, Prediction, RequestError, mlflow
from tests.serving.protocols.samples import NUMERIC, NUMERIC_INPUTS, NUMERIC_ROWS, columns_of

JSON = "application/json"


def _columns(*specs: tuple[str, str]) -> Signature:
    return Signature(Schema(IOKind.COLUMNS, tuple(ColumnSpec(n, t) for n, t in specs)))


def _tensor(dtype: str, shape: tuple[int, ...]) -> Signature:
    return Signature(Schema(IOKind.TENSOR, tensor=TensorSpec(dtype, shape)))


def _refused(
    body: bytes, signature: Signature = NUMERIC, content_type: str = JSON, **kw: int
) -> RequestError:
    with pytest.raises(RequestError) as caught:
        mlflow.decode_invocations(body, content_type, signature, **kw)
    return caught.value


# --- the payloads of MLflow's documentation ---------------------------------------------------------
# https://mlflow.org/docs/latest/ml/deployment/deploy-model-locally/ ("Deploying Inference Server" and
# "Accepted Input Formats"); https://mlflow.org/docs/latest/genai/serving ("Make Predictions").
DOC_INPUTS_LISTS = b'{"inputs": [[1, 2], [3, 4], [5, 6]]}'
DOC_INSTANCES = b'{"instances": [1.0, 2.0, 5.0]}'
DOC_INPUTS_RAGGED = b'{"inputs": [["Cheese"], ["and", "Crackers"]]}'
DOC_INPUTS_WITH_PARAMS = b"""{
    "inputs": {"question": ["What color is it?"],
                "context": ["Some people said it was green but I know that it is pink."]},
    "params": {"max_answer_len": 10}
}"""
DOC_CSV = b"1,2,3,4"
DOC_RECORDS_BINARY = b"""[
    {"a": 0, "b": "dGVzdCBiaW5hcnkgZGF0YSAw"},
    {"a": 1, "b": "dGVzdCBiaW5hcnkgZGF0YSAx"},
    {"a": 2, "b": "dGVzdCBiaW5hcnkgZGF0YSAy"}
]"""
DOC_RECORDS_DATETIME = b"""[
    {"a": 0, "b": "2020-01-01T00:00:00Z"},
    {"a": 1, "b": "2020-02-01T12:34:56Z"},
    {"a": 2, "b": "2021-03-01T00:00:00Z"}
]"""
DOC_GENAI_SPLIT = orjson.dumps(
    {
        "dataframe_split": {
            "columns": ["feature1", "feature2", "feature3", "feature4"],
            "data": [[1, 2, 3, 4]],
        }
    }
)
DOC_GENAI_INPUTS = b'{"inputs": [[1, 2, 3, 4]]}'


def test_doc_inputs_lists_fill_numeric_columns_or_a_tensor() -> None:
    columns = mlflow.decode_invocations(DOC_INPUTS_LISTS, JSON, _columns(("x", "long"), ("y", "double")))
    assert columns == Inputs({"x": np.array([1, 3, 5]), "y": np.array([2.0, 4.0, 6.0])}, None, 3)
    tensor = mlflow.decode_invocations(DOC_INPUTS_LISTS, "application/json;", _tensor("float64", (-1, 2)))
    assert tensor == Inputs(None, np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]), 3)


def test_doc_instances_fill_a_vector_or_one_column() -> None:
    vector = mlflow.decode_invocations(DOC_INSTANCES, JSON, _tensor("float64", (-1,)))
    assert vector == Inputs(None, np.array([1.0, 2.0, 5.0]), 3)
    column = mlflow.decode_invocations(DOC_INSTANCES, JSON, _columns(("x", "double")))
    assert column == Inputs({"x": np.array([1.0, 2.0, 5.0])}, None, 3)


def test_doc_ragged_inputs_are_refused() -> None:
    err = _refused(DOC_INPUTS_RAGGED, _tensor("object", (-1, 1)))
    assert err.status == 422 and "rectangular" in err.message


def test_doc_inputs_with_params_decode_and_params_are_ignored() -> None:
    sig = _columns(("question", "string"), ("context", "string"))
    inputs = mlflow.decode_invocations(DOC_INPUTS_WITH_PARAMS, JSON, sig)
    assert (inputs.columns or {})["question"].tolist() == ["What color is it?"] and inputs.rows == 1


def test_doc_csv_without_a_header_row_has_no_rows() -> None:
    # pandas (and so MLflow) reads the single line as the header too
    err = _refused(
        DOC_CSV, _columns(("1", "long"), ("2", "long"), ("3", "long"), ("4", "long")), "application/csv"
    )
    assert err.status == 422 and "no rows" in err.message


def test_doc_bare_record_lists_are_refused_as_mlflow_2_does_and_decode_when_wrapped() -> None:
    binary = _columns(("a", "long"), ("b", "binary"))
    assert _refused(DOC_RECORDS_BINARY, binary).status == 400
    inputs = mlflow.decode_invocations(b'{"dataframe_records": ' + DOC_RECORDS_BINARY + b"}", JSON, binary)
    assert (inputs.columns or {})["b"].tolist() == [
        b"test binary data 0",
        b"test binary data 1",
        b"test binary data 2",
    ]
    moments = _columns(("a", "long"), ("b", "datetime"))
    inputs = mlflow.decode_invocations(b'{"dataframe_records": ' + DOC_RECORDS_DATETIME + b"}", JSON, moments)
    assert (inputs.columns or {})["b"].tolist()[1] == datetime(2020, 2, 1, 12, 34, 56)


def test_doc_genai_examples_decode_alike() -> None:
    sig = _columns(*((f"feature{i}", "double") for i in range(1, 5)))
    split = mlflow.decode_invocations(DOC_GENAI_SPLIT, JSON, sig)
    assert split == mlflow.decode_invocations(DOC_GENAI_INPUTS, JSON, sig)
    assert split.rows == 1 and (split.columns or {})["feature4"].tolist() == [4.0]


# --- forms, CSV and content types -------------------------------------------------------------------


def test_a_single_record_may_be_a_dict_of_scalars() -> None:
    inputs = mlflow.decode_invocations(orjson.dumps({"inputs": NUMERIC_ROWS[0]}), JSON, NUMERIC)
    assert inputs.rows == 1 and (inputs.columns or {})["age"].tolist() == [41]


@pytest.mark.parametrize(
    "content_type", ["text/csv", "application/csv", "text/csv; charset=utf-8", "TEXT/CSV;charset=UTF-8"]
)
def test_csv_content_types(content_type: str) -> None:
    body = b"age,income,score,visits\n41,52000.5,0.25,3\n7,0,1.5,0\n23,1234.75,-2,12\n"
    assert mlflow.decode_invocations(body, content_type, NUMERIC) == NUMERIC_INPUTS


def test_csv_nulls_and_text() -> None:
    sig = Signature(
        Schema(
            IOKind.COLUMNS,
            (
                ColumnSpec("n", "long", nullable=True),
                ColumnSpec("s", "string"),
                ColumnSpec("t", "string", nullable=True),
            ),
        )
    )
    inputs = mlflow.decode_invocations(b'n,s,t\n1,NA,\n,"a,b",null\nNaN,,x\n', "text/csv", sig)
    columns = inputs.columns or {}
    assert columns["n"].tolist()[0] == 1.0 and np.isnan(columns["n"][1]) and np.isnan(columns["n"][2])
    assert columns["s"].tolist() == ["NA", "a,b", ""]
    assert columns["t"].tolist() == [None, "null", "x"]


@pytest.mark.parametrize(
    ("body", "status", "field", "words"),
    [
        (b"", 400, None, "not valid CSV"),
        (b"age,income\n1,2,3\n", 400, None, "not valid CSV"),
        (b"age,age\n1,2\n", 400, None, "names a column twice"),
        (b"age,income,score,visits\n", 422, None, "no rows"),
        (b"age,income,score\n1,2,3\n", 422, "visits", "missing column"),
        (b"age,income,score,visits,x\n1,2,3,4,5\n", 422, "x", "unknown column"),
        (b"age,income,score,visits\n1,abc,3,4\n2,1,1,1\n", 422, "income", 'got string "abc" at row 0'),
        (b"age,income,score,visits\n1.5,2,3,4\n", 422, "age", "expected long, got double 1.5 at row 0"),
        (b"age,income,score,visits\n1,,3,4\n", 422, "income", "got null at row 0"),
        (b"age,income,score,visits\n1,2,3,4\n1,2,3,4\n1,2,3,4\n", 413, None, "limit of 2"),
    ],
)
def test_bad_csv(body: bytes, status: int, field: str | None, words: str) -> None:
    err = _refused(body, NUMERIC, "text/csv", max_rows=2)
    assert (err.status, err.field) == (status, field) and words in err.message, err.message


def test_csv_for_a_tensor_model() -> None:
    sig = _tensor("float32", (-1, 2))
    inputs = mlflow.decode_invocations(b"a,b\n1,2\n3,4.5\n", "text/csv", sig)
    assert inputs == Inputs(None, np.array([[1, 2], [3, 4.5]], dtype=np.float32), 2)
    err = _refused(b"a,b\n1,x\n", sig, "text/csv")
    assert (err.status, err.field) == (422, "b")


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/x-www-form-urlencoded", "", "application/json; charset=latin-1"],
)
def test_other_content_types_are_415(content_type: str) -> None:
    err = _refused(orjson.dumps({"dataframe_records": NUMERIC_ROWS}), NUMERIC, content_type)
    assert (err.status, err.field) == (415, "Content-Type")


@pytest.mark.parametrize(
    ("payload", "status", "field", "words"),
    [
        (b"{oops", 400, None, "not valid JSON"),
        (b"[]", 400, None, "received array"),
        (b"3", 400, None, "received long 3"),
        (b"{}", 400, None, "received the fields []"),
        (orjson.dumps({"instances": [], "inputs": []}), 400, None, "received the fields"),
        (
            orjson.dumps({"dataframe_records": NUMERIC_ROWS, "params": 5}),
            400,
            "params",
            "params must be an object",
        ),
        (orjson.dumps({"dataframe_records": {"a": 1}}), 400, "dataframe_records", "must be a list"),
        (orjson.dumps({"dataframe_split": [1]}), 400, "dataframe_split", "must be an object"),
        (
            orjson.dumps({"dataframe_split": {"data": [[1]]}}),
            400,
            "dataframe_split.columns",
            "must be a list",
        ),
        (
            orjson.dumps({"dataframe_split": {"columns": ["a", "a"], "data": [[1, 2]]}}),
            400,
            "dataframe_split.columns",
            "distinct",
        ),
        (
            orjson.dumps({"dataframe_split": {"columns": list(NUMERIC.inputs.names), "data": [[1, 2]]}}),
            400,
            "dataframe_split.data",
            "row 0: expected 4 values (one per column), got 2 values",
        ),
        (orjson.dumps({"dataframe_records": [{"age": 1}]}), 422, "income", "record 0: missing column"),
        (orjson.dumps({"inputs": [[1, 2, 3]]}), 422, "inputs", "expected shape [rows, 4]"),
        (
            orjson.dumps({"inputs": [[1, 2, 3, True]]}),
            422,
            "inputs",
            "numbers, booleans or strings of one kind",
        ),
        (orjson.dumps({"instances": "abc"}), 400, "instances", "must be a list"),
        (orjson.dumps({"dataframe_records": NUMERIC_ROWS * 2}), 413, None, "limit of 5"),
    ],
)
def test_bad_json(payload: bytes, status: int, field: str | None, words: str) -> None:
    err = _refused(payload, max_rows=5)
    assert (err.status, err.field) == (status, field) and words in err.message, err.message


def test_a_tensor_model_refuses_named_inputs() -> None:
    err = _refused(orjson.dumps({"inputs": {"a": [1]}}), _tensor("float64", (-1,)))
    assert (err.status, err.field) == (422, "inputs")


def test_dataframe_split_for_a_tensor_model() -> None:
    body = orjson.dumps({"dataframe_split": {"columns": ["a", "b"], "data": [[1, 2]]}})
    assert mlflow.decode_invocations(body, JSON, _tensor("int64", (-1, 2))) == Inputs(
        None, np.array([[1, 2]]), 1
    )


# --- responses --------------------------------------------------------------------------------------


def _prediction(predictions: np.ndarray) -> Prediction:
    ids = [f"p{i}" for i in range(len(predictions))]
    return Prediction(predictions, None, None, ids, "m", 1, "champion")


@pytest.mark.parametrize(
    ("predictions", "expected"),
    [
        (np.array([1, 0]), [1, 0]),
        (np.array([0.5, np.nan]), [0.5, None]),
        (np.array(["a", "b"], dtype=object), ["a", "b"]),
        (np.array([[1.0, 2.0], [3.0, np.inf]]), [[1.0, 2.0], [3.0, None]]),
        (np.array([b"\x00\x01"], dtype=object), [base64.b64encode(b"\x00\x01").decode()]),
        (np.arange(6.0)[::2], [0.0, 2.0, 4.0]),
        (np.array([1.5], dtype=np.float16), [1.5]),
    ],
)
def test_predictions_are_a_list_a_row(predictions: np.ndarray, expected: list[object]) -> None:
    assert orjson.loads(mlflow.encode_predictions(_prediction(predictions))) == {"predictions": expected}


def test_error_body_is_mlflow_shaped() -> None:
    err = RequestError("column 'a': expected long", field="a", hint="send numbers")
    assert orjson.loads(mlflow.error_body(err)) == {
        "error_code": "BAD_REQUEST",
        "message": "column 'a': expected long (send numbers)",
    }
    assert orjson.loads(mlflow.error_body(KeyError("x")))["message"] == "KeyError: 'x'"
    assert columns_of(NUMERIC_ROWS)  # the shared rows stay intact
