"""Open Inference Protocol v2: requests as tritonclient and curl send them, responses as tritonclient reads them."""

from __future__ import annotations

import struct
from typing import Any

import numpy as np
import orjson
import pytest
import tritonclient.http as triton

from tendml.entities.models import ColumnSpec, IOKind, Schema, Signature, TensorSpec
from tendml.serving.protocols import InferRequestMeta, Prediction, RequestedOutput, RequestError, v2
from tests.serving.protocols.samples import MIXED, NUMERIC, NUMERIC_ROWS, TENSOR, columns_of
from tests.serving.protocols.triton import infer_input, parse_response, request_body


def _json_request(*inputs: dict[str, Any], **extra: Any) -> bytes:
    return orjson.dumps({"inputs": list(inputs), **extra})


def _column(name: str, data: Any, datatype: str = "FP64", shape: list[int] | None = None) -> dict[str, Any]:
    return {
        "name": name,
        "shape": shape if shape is not None else [len(data)],
        "datatype": datatype,
        "data": data,
    }


def _numeric_inputs(**override: dict[str, Any]) -> list[dict[str, Any]]:
    datatypes = {"age": "INT64", "income": "FP64", "score": "FP32", "visits": "INT32"}
    columns = columns_of(NUMERIC_ROWS)
    tensors = {n: _column(n, v, datatypes[n]) for n, v in columns.items()}
    return list({**tensors, **override}.values())


def _refused(body: bytes, signature: Signature = NUMERIC, **kwargs: Any) -> RequestError:
    with pytest.raises(RequestError) as caught:
        v2.decode_infer(body, signature, **kwargs)
    return caught.value


def _prediction(**changes: Any) -> Prediction:
    fields: dict[str, Any] = {
        "predictions": np.array(["no", "yes", "no"], dtype=object),
        "probabilities": np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4]]),
        "classes": ("no", "yes"),
        "ids": ["p1", "p2", "p3"],
        "model": "churn",
        "version": 4,
        "arm": "champion",
    }
    return Prediction(**{**fields, **changes})


# --- requests ------------------------------------------------------------------------------------


def test_request_metadata_is_read() -> None:
    body = _json_request(
        *_numeric_inputs(),
        id="req-9",
        parameters={"key": "user-7", "binary_data_output": True, "other": [1]},
        outputs=[{"name": "predict", "parameters": {"binary_data": False}}, {"name": "predict_proba"}],
    )
    _, meta = v2.decode_infer(body, NUMERIC)
    assert meta == InferRequestMeta(
        id="req-9",
        parameters={"key": "user-7", "binary_data_output": True, "other": [1]},
        outputs=(RequestedOutput("predict", False), RequestedOutput("predict_proba", True)),
        binary_data_output=True,
        key="user-7",
    )


def test_tritonclient_requested_outputs_and_parameters_are_read() -> None:
    arrays = {n: np.array(v) for n, v in columns_of(NUMERIC_ROWS).items()}
    outputs = [triton.InferRequestedOutput("predict_proba", binary_data=False)]
    body, length = request_body(
        [infer_input(n, a) for n, a in arrays.items()], outputs, request_id="r1", parameters={"key": "k"}
    )
    _, meta = v2.decode_infer(body, NUMERIC, header_length=length)
    assert meta.outputs == (RequestedOutput("predict_proba", False),)
    assert (meta.id, meta.key, meta.binary_data_output) == ("r1", "k", False)


def test_a_request_without_outputs_wants_every_output() -> None:
    _, meta = v2.decode_infer(_json_request(*_numeric_inputs()), NUMERIC)
    assert meta.outputs is None and meta.binary_data_output is False and meta.id is None


def test_nested_data_and_column_shapes_n_by_1_are_accepted() -> None:
    nested = _column("income", [[52000.5], [0.0], [1234.75]], shape=[3, 1])
    inputs, _ = v2.decode_infer(_json_request(*_numeric_inputs(income=nested)), NUMERIC)
    assert (inputs.columns or {})["income"].tolist() == [52000.5, 0.0, 1234.75]


def test_a_tensor_model_takes_one_input_of_any_name() -> None:
    data = np.arange(12, dtype=np.float32).reshape(2, 2, 3)
    body, length = request_body([infer_input("pixels", data)])
    inputs, _ = v2.decode_infer(body, TENSOR, header_length=length)
    assert inputs.tensor is not None and np.array_equal(inputs.tensor, data) and inputs.rows == 2


def test_bytes_are_length_prefixed_in_binary_data() -> None:
    strings = np.array([b"", "é".encode(), b"x" * 300], dtype=object)
    sig = Signature(Schema(IOKind.COLUMNS, (ColumnSpec("s", "string"),)))
    body, length = request_body([infer_input("s", strings)])
    inputs, _ = v2.decode_infer(body, sig, header_length=length)
    assert (inputs.columns or {})["s"].tolist() == ["", "é", "x" * 300]


# --- refused requests ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        (b"{not json", None, "not valid JSON"),
        (b"[1, 2]", None, "must be a JSON object"),
        (b'{"inputs": []}', "inputs", "non-empty list"),
        (b'{"inputs": {"age": [1]}}', "inputs", "non-empty list"),
        (_json_request(_column("age", [1, 2], "INT64", [3])), "age", "shape [3] holds 3 values, data has 2"),
        (_json_request(_column("age", [[1, 2], 3], "INT64", [2, 2])), "age", "mixes lists and values"),
        (_json_request(_column("age", [[1, 2], [3]], "INT64", [2, 2])), "age", "holds 4 values, data has 3"),
        (_json_request(_column("age", [[[1]]], "INT64", [1])), "age", "nested deeper than its shape"),
        (_json_request(_column("age", ["a"], "INT64")), "age", 'INT64 cannot hold string "a"'),
        (_json_request(_column("age", [1.5], "INT64")), "age", "INT64 cannot hold double 1.5"),
        (_json_request(_column("age", [True], "INT64")), "age", "INT64 cannot hold boolean true"),
        (_json_request(_column("age", [1], "BOOL")), "age", "BOOL cannot hold long 1"),
        (_json_request(_column("age", [300], "UINT8")), "age", "out of the range of UINT8"),
        (_json_request(_column("age", [1], "BF16")), "age", "unsupported datatype 'BF16'"),
        (_json_request(_column("age", [1], "INT64", [-1])), "age", "sizes of 0 or more"),
        (_json_request({"name": "age", "shape": [1], "datatype": "INT64"}), "age", "neither data nor binary"),
        (_json_request({"shape": [1], "datatype": "INT64", "data": [1]}), "inputs", "name must be a string"),
        (_json_request(_column("age", "1,2", "INT64", [1])), "age", "data must be a list"),
        (_json_request(*_numeric_inputs(), _column("age", [1], "INT64")), "age", "given twice"),
        (_json_request(*_numeric_inputs(), id=5), "id", "id must be a string"),
        (_json_request(*_numeric_inputs(), parameters={"key": 5}), "parameters.key", "must be a string"),
        (_json_request(*_numeric_inputs(), parameters=[]), "parameters", "must be an object"),
        (
            _json_request(*_numeric_inputs(), outputs=[{"name": "explain"}]),
            "explain",
            "unknown output 'explain'",
        ),
        (
            _json_request(
                *_numeric_inputs(), outputs=[{"name": "predict", "parameters": {"binary_data": "yes"}}]
            ),
            "predict",
            "binary_data must be true or false",
        ),
    ],
)
def test_malformed_requests_are_400(body: bytes, field: str | None, words: str) -> None:
    err = _refused(body)
    assert (err.status, err.field) == (400, field) and words in err.message, err.message


def test_predict_proba_is_unknown_for_a_model_without_it() -> None:
    body = _json_request(*_numeric_inputs(), outputs=[{"name": "predict_proba"}])
    no_proba = Signature(NUMERIC.inputs, NUMERIC.outputs, methods=("predict",))
    err = _refused(body, no_proba)
    assert (err.status, err.field) == (400, "predict_proba")


@pytest.mark.parametrize(
    ("inputs", "field", "words"),
    [
        (_numeric_inputs(colour=_column("colour", [1, 2, 3])), "colour", "unknown input 'colour'"),
        (_numeric_inputs()[:3], "visits", "missing column 'visits'"),
        (
            _numeric_inputs(age=_column("age", ["1", "2", "3"], "BYTES")),
            "age",
            'expected long, got string "1"',
        ),
        (
            _numeric_inputs(age=_column("age", [1.5, 2, 3], "FP64")),
            "age",
            "expected long, got double 1.5 at row 0",
        ),
        (_numeric_inputs(age=_column("age", [True, False, True], "BOOL")), "age", "got boolean true"),
        (_numeric_inputs(income=_column("income", [1.0, None, 2.0])), "income", "got NaN at row 1"),
        (
            _numeric_inputs(age=_column("age", [[1, 2], [3, 4]], "INT64", [2, 2])),
            "age",
            "shape [n] or [n, 1]",
        ),
        (_numeric_inputs(age=_column("age", [1, 2], "INT64")), "age", "expected 3 values"),
    ],
)
def test_inputs_that_do_not_match_the_signature_are_422(
    inputs: list[dict[str, Any]], field: str, words: str
) -> None:
    err = _refused(_json_request(*inputs))
    assert (err.status, err.field) == (422, field) and words in err.message, err.message


def test_a_single_tensor_of_the_wrong_width_is_422() -> None:
    body = _json_request(_column("input-0", [1.0] * 6, shape=[2, 3]))
    err = _refused(body)
    assert (err.status, err.field) == (422, "input-0") and "expected shape [rows, 4]" in err.message


def test_a_tensor_model_refuses_two_inputs_and_the_wrong_shape() -> None:
    two = _json_request(_column("a", [1.0] * 6, shape=[1, 2, 3]), _column("b", [1.0] * 6, shape=[1, 2, 3]))
    assert _refused(two, TENSOR).status == 422
    err = _refused(_json_request(_column("x", [1.0] * 6, shape=[1, 3, 2])), TENSOR)
    assert (err.status, err.field) == (422, "x") and "expected shape [-1, 2, 3]" in err.message


def test_too_many_rows_is_413_before_reading_data() -> None:
    body = _json_request(_column("age", [], "INT64", [10**12]))
    err = _refused(body, max_rows=1000)
    assert (err.status, err.field) == (413, "age")
    err = _refused(_json_request(*_numeric_inputs()), max_rows=2)
    assert err.status == 413


def _binary_request(header: dict[str, Any], data: bytes) -> tuple[bytes, int]:
    head = orjson.dumps(header)
    return head + data, len(head)


def _binary_input(name: str, shape: list[int], datatype: str, size: int) -> dict[str, Any]:
    return {"name": name, "shape": shape, "datatype": datatype, "parameters": {"binary_data_size": size}}


@pytest.mark.parametrize(
    ("inputs", "data", "words"),
    [
        ([_binary_input("age", [3], "INT64", 16)], b"\x00" * 16, "takes 24 bytes, binary_data_size is 16"),
        ([_binary_input("age", [3], "INT64", 24)], b"\x00" * 16, "runs past the body's end"),
        ([_binary_input("age", [2], "INT64", 16)], b"\x00" * 20, "4 bytes after the last input"),
        ([_binary_input("age", [2], "BOOL", 2)], b"\x01\x02", "neither 0 nor 1"),
        (
            [_binary_input("age", [2], "BYTES", 9)],
            struct.pack("<I", 1) + b"a" + struct.pack("<I", 9),
            "length-prefixed",
        ),
        (
            [_binary_input("age", [2], "BYTES", 5)],
            struct.pack("<I", 1) + b"a",
            "cannot hold 2 BYTES elements",
        ),
        ([_binary_input("age", [1], "INT64", -8)], b"", "binary_data_size must be a size in bytes"),
    ],
)
def test_inconsistent_binary_data_is_400(inputs: list[dict[str, Any]], data: bytes, words: str) -> None:
    body, length = _binary_request({"inputs": inputs}, data)
    err = _refused(body, header_length=length)
    assert err.status == 400 and words in err.message, err.message


@pytest.mark.parametrize("length", [0, -1, 10**9])
def test_a_header_length_outside_the_body_is_400(length: int) -> None:
    err = _refused(_json_request(*_numeric_inputs()), header_length=length)
    assert (err.status, err.field) == (400, "Inference-Header-Content-Length")


def test_a_header_length_that_cuts_the_json_is_400() -> None:
    err = _refused(_json_request(*_numeric_inputs()), header_length=10)
    assert err.status == 400 and "not valid JSON" in err.message


def test_text_sent_for_a_boolean_column_is_422() -> None:
    inputs = [
        _column("age", [1], "INT64"),
        _column("income", [None]),
        _column("city", ["Oslo"], "BYTES"),
        _column("member", ["true"], "BYTES"),
        _column("joined", ["2024-01-01"], "BYTES"),
        _column("photo", ["abc"], "BYTES"),
    ]
    err = _refused(_json_request(*inputs), MIXED)
    assert (err.status, err.field) == (422, "member") and 'got string "true"' in err.message


# --- responses -------------------------------------------------------------------------------------


def test_json_response_has_the_documented_shape() -> None:
    body, headers = v2.encode_infer(_prediction(), InferRequestMeta(id="r-1"), model="churn", version=4)
    assert headers == {"Content-Type": "application/json"}
    assert orjson.loads(body) == {
        "model_name": "churn",
        "model_version": "4",
        "id": "r-1",
        "parameters": {"prediction_ids": ["p1", "p2", "p3"], "arm": "champion"},
        "outputs": [
            {"name": "predict", "datatype": "BYTES", "shape": [3], "data": ["no", "yes", "no"]},
            {
                "name": "predict_proba",
                "datatype": "FP64",
                "shape": [3, 2],
                "data": [0.9, 0.1, 0.2, 0.8, 0.6, 0.4],
            },
        ],
    }
    result = parse_response(body, headers)
    assert result.as_numpy("predict").tolist() == ["no", "yes", "no"]
    assert result.as_numpy("predict_proba").shape == (3, 2)


def test_binary_response_reads_back_in_tritonclient() -> None:
    arrays = {n: np.array(v) for n, v in columns_of(NUMERIC_ROWS).items()}
    request, length = request_body([infer_input(n, a) for n, a in arrays.items()], request_id="r-2")
    _, meta = v2.decode_infer(request, NUMERIC, header_length=length)
    assert meta.binary_data_output  # tritonclient asks for binary outputs when it names none
    body, headers = v2.encode_infer(_prediction(), meta, model="churn", version=4)
    assert headers["Content-Type"] == "application/octet-stream"
    result = parse_response(body, headers)
    assert result.as_numpy("predict").tolist() == [b"no", b"yes", b"no"]
    assert np.array_equal(result.as_numpy("predict_proba"), _prediction().probabilities)
    response = result.get_response()
    assert response["id"] == "r-2" and response["parameters"]["prediction_ids"] == ["p1", "p2", "p3"]


@pytest.mark.parametrize(
    ("predictions", "datatype"),
    [
        (np.array([1, 0, 1]), "INT64"),
        (np.array([True, False, True]), "BOOL"),
        (np.array([0.5, np.nan, 2.0], dtype=np.float32), "FP32"),
        (np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]), "FP64"),
        (np.array(["a", "bb", "ccc"]), "BYTES"),
    ],
)
@pytest.mark.parametrize("binary", [True, False])
def test_every_prediction_dtype_round_trips(predictions: np.ndarray, datatype: str, binary: bool) -> None:
    meta = InferRequestMeta(outputs=(RequestedOutput("predict", binary),))
    body, headers = v2.encode_infer(_prediction(predictions=predictions), meta, model="m", version=1)
    result = parse_response(body, headers)
    output = result.get_output("predict")
    assert output["datatype"] == datatype and output["shape"] == list(predictions.shape)
    got = result.as_numpy("predict")
    if datatype == "BYTES":
        assert [v.decode() if isinstance(v, bytes) else v for v in got.tolist()] == predictions.tolist()
    elif binary:
        assert np.array_equal(got, predictions, equal_nan=predictions.dtype.kind == "f")
    if datatype == "FP32" and not binary:
        assert orjson.loads(body)["outputs"][0]["data"] == [0.5, None, 2.0]  # NaN is written as null
    assert result.get_output("predict_proba") is None


def test_only_the_requested_outputs_are_sent() -> None:
    meta = InferRequestMeta(outputs=(RequestedOutput("predict_proba", False),))
    body, _ = v2.encode_infer(_prediction(), meta, model="churn", version=4)
    assert [o["name"] for o in orjson.loads(body)["outputs"]] == ["predict_proba"]


def test_a_model_without_probabilities_sends_predict_only_and_refuses_predict_proba() -> None:
    body, _ = v2.encode_infer(_prediction(probabilities=None), InferRequestMeta(), model="m", version=1)
    assert [o["name"] for o in orjson.loads(body)["outputs"]] == ["predict"] and "id" not in orjson.loads(
        body
    )
    meta = InferRequestMeta(outputs=(RequestedOutput("predict_proba", False),))
    with pytest.raises(RequestError) as caught:
        v2.encode_infer(_prediction(probabilities=None), meta, model="m", version=1)
    assert (caught.value.status, caught.value.field) == (400, "predict_proba")


# --- metadata and errors -------------------------------------------------------------------------


def test_model_metadata_describes_columns_and_outputs() -> None:
    assert v2.model_metadata("churn", [1, 2], "sklearn", NUMERIC) == {
        "name": "churn",
        "versions": ["1", "2"],
        "platform": "sklearn",
        "inputs": [
            {"name": "age", "datatype": "INT64", "shape": [-1]},
            {"name": "income", "datatype": "FP64", "shape": [-1]},
            {"name": "score", "datatype": "FP32", "shape": [-1]},
            {"name": "visits", "datatype": "INT32", "shape": [-1]},
        ],
        "outputs": [
            {"name": "predict", "datatype": "BYTES", "shape": [-1]},
            {"name": "predict_proba", "datatype": "FP64", "shape": [-1, 2]},
        ],
    }


def test_model_metadata_describes_a_tensor() -> None:
    meta = v2.model_metadata("img", [3], "python", TENSOR)
    assert meta["inputs"] == [{"name": "input-0", "datatype": "FP32", "shape": [-1, 2, 3]}]
    assert meta["outputs"] == [{"name": "predict", "datatype": "FP64", "shape": [-1]}]
    unknown = Signature(Schema(IOKind.TENSOR, tensor=TensorSpec("int64", (-1, 4))))
    assert v2.model_metadata("x", [], "p", unknown)["outputs"] == [
        {"name": "predict", "datatype": "FP64", "shape": [-1]}
    ]


def test_server_metadata_and_error_body() -> None:
    meta = v2.server_metadata()
    assert meta["name"] == "tendml" and meta["extensions"] == ["binary_tensor_data"] and meta["version"]
    assert orjson.loads(v2.error_body("no model 'x'")) == {"error": "no model 'x'"}
