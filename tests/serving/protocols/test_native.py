"""tendml's native protocol: records, columns or a tensor in; predictions with ids out."""

from __future__ import annotations

from typing import Any

import numpy as np
import orjson
import pytest

from tendml.serving.protocols import NativeMeta, Prediction, RequestError, native
from tests.serving.protocols.samples import (
    NUMERIC,
    NUMERIC_INPUTS,
    NUMERIC_ROWS,
    TENSOR,
    TENSOR_DATA,
    columns_of,
)


def _refused(payload: Any, signature: Any = NUMERIC, **kw: int) -> RequestError:
    body = payload if isinstance(payload, bytes) else orjson.dumps(payload)
    with pytest.raises(RequestError) as caught:
        native.decode_predict(body, signature, **kw)
    return caught.value


def test_records_with_key_and_explain() -> None:
    body = orjson.dumps({"records": NUMERIC_ROWS, "key": "user-7", "explain": True})
    inputs, meta = native.decode_predict(body, NUMERIC)
    assert inputs == NUMERIC_INPUTS and meta == NativeMeta(key="user-7", explain=True)


def test_columns_without_options() -> None:
    inputs, meta = native.decode_predict(orjson.dumps({"columns": columns_of(NUMERIC_ROWS)}), NUMERIC)
    assert inputs == NUMERIC_INPUTS and meta == NativeMeta()


def test_tensor_for_a_tensor_model() -> None:
    inputs, _ = native.decode_predict(orjson.dumps({"tensor": TENSOR_DATA}), TENSOR)
    assert (
        inputs.tensor is not None and inputs.tensor.shape == (2, 2, 3) and inputs.tensor.dtype == np.float32
    )


@pytest.mark.parametrize(
    ("payload", "status", "field", "words"),
    [
        (b"{not json", 400, None, "not valid JSON"),
        ([1], 400, None, "expected a JSON object, got array"),
        ({}, 400, None, "exactly one of records, columns, tensor"),
        ({"records": NUMERIC_ROWS, "columns": {}}, 400, None, "exactly one of"),
        ({"records": NUMERIC_ROWS, "keys": "x"}, 400, "keys", "unknown field 'keys'"),
        ({"records": {"age": 1}}, 400, "records", "records must be a list"),
        ({"columns": [1]}, 400, "columns", "columns must be an object"),
        ({"records": NUMERIC_ROWS, "key": 7}, 400, "key", "key must be a string"),
        ({"records": NUMERIC_ROWS, "explain": "yes"}, 400, "explain", "explain must be true or false"),
        (
            {"records": [{**NUMERIC_ROWS[0], "age": "x"}]},
            422,
            "age",
            'expected long, got string "x" at row 0',
        ),
        ({"records": [{**NUMERIC_ROWS[0], "colour": 1}]}, 422, "colour", "unknown column 'colour'"),
        ({"records": [{"age": 1}]}, 422, "income", "missing column 'income'"),
        ({"records": []}, 422, None, "no rows"),
        ({"records": NUMERIC_ROWS}, 413, None, "more than the limit of 2"),
        ({"tensor": [[1, 2, 3]]}, 422, "tensor", "expected shape [rows, 4]"),
        ({"tensor": 5}, 422, "tensor", "rectangular array"),
    ],
)
def test_refused_requests(payload: Any, status: int, field: str | None, words: str) -> None:
    err = _refused(payload, max_rows=2) if status == 413 else _refused(payload)
    assert (err.status, err.field) == (status, field) and words in err.message, err.message


def test_a_tensor_model_refuses_records() -> None:
    err = _refused({"records": [{"x": 1}]}, TENSOR)
    assert err.status == 422 and "takes a tensor" in err.message


def test_response_has_ids_predictions_and_probabilities_by_class() -> None:
    result = Prediction(
        predictions=np.array([1, 0]),
        probabilities=np.array([[0.25, 0.75], [np.nan, 0.5]]),
        classes=(0, 1),
        ids=["a", "b"],
        model="churn",
        version=3,
        arm="challenger",
    )
    assert orjson.loads(native.encode_predict(result, model="churn", version=3, arm="challenger")) == {
        "model": "churn",
        "version": 3,
        "arm": "challenger",
        "predictions": [
            {"id": "a", "prediction": 1, "probabilities": {"0": 0.25, "1": 0.75}},
            {"id": "b", "prediction": 0, "probabilities": {"0": None, "1": 0.5}},
        ],
    }


def test_response_without_probabilities_and_with_2d_predictions() -> None:
    result = Prediction(np.array([[1.0, 2.0]]), None, None, ["a"], "m", 1, "champion")
    body = orjson.loads(native.encode_predict(result, model="m", version=1, arm="champion"))
    assert body["predictions"] == [{"id": "a", "prediction": [1.0, 2.0]}]


def test_probabilities_without_classes_are_keyed_by_position() -> None:
    result = Prediction(np.array(["x"], dtype=object), np.array([[0.1, 0.9]]), None, ["a"], "m", 1, "c")
    body = orjson.loads(native.encode_predict(result, model="m", version=1, arm="c"))
    assert body["predictions"][0]["probabilities"] == {"0": 0.1, "1": 0.9}


def test_error_body_is_the_shared_error_shape() -> None:
    err = RequestError("column 'age': expected long", field="age", hint="send numbers")
    assert orjson.loads(native.error_body(err)) == {
        "error": {
            "type": "RequestError",
            "message": "column 'age': expected long",
            "field": "age",
            "hint": "send numbers",
        }
    }
