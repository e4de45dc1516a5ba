"""The OpenAPI document: valid OpenAPI 3.1, typed per model, and true to what the codecs take and give."""

from __future__ import annotations

from typing import Any

import jsonschema
import numpy as np
import orjson
import pytest
from openapi_spec_validator import validate

from tendml.entities.models import ColumnSpec, IOKind, Schema, Signature
from tendml.serving.protocols import Prediction, native, openapi_schema, v2
from tests.serving.protocols.samples import (
    MIXED,
    MIXED_ROWS,
    NUMERIC,
    NUMERIC_ROWS,
    TENSOR,
    TENSOR_DATA,
    columns_of,
)


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    models = [("churn", NUMERIC), ("mixed", MIXED), ("images/v1 beta", TENSOR)]
    return openapi_schema(models, title="tendml inference", version="0.1.0", max_rows=50)


def _schema(document: dict[str, Any], name: str) -> dict[str, Any]:
    return document["components"]["schemas"][name]


def _check(document: dict[str, Any], name: str, instance: Any) -> None:
    """Validate ``instance`` against a component, resolving its $refs within the document."""
    schema = {**_schema(document, name), "components": document["components"]}
    jsonschema.Draft202012Validator(schema).validate(instance)


def test_the_document_is_valid_openapi_3_1(document: dict[str, Any]) -> None:
    validate(document)
    assert document["openapi"] == "3.1.0" and document["info"] == {
        "title": "tendml inference",
        "version": "0.1.0",
    }
    orjson.dumps(document)  # plain JSON


def test_paths_per_model_and_shared(document: dict[str, Any]) -> None:
    paths = set(document["paths"])
    for name in ("churn", "mixed", "images%2Fv1%20beta"):
        assert {f"/models/{name}/predict", f"/v2/models/{name}/infer", f"/v2/models/{name}"} <= paths
    shared = {
        "/invocations",
        "/ping",
        "/health",
        "/version",
        "/v2/health/live",
        "/v2/health/ready",
        "/feedback",
    }
    assert shared <= paths
    operation_ids = [op["operationId"] for item in document["paths"].values() for op in item.values()]
    assert len(operation_ids) == len(set(operation_ids))


def test_native_request_schema_types_each_column(document: dict[str, Any]) -> None:
    request = _schema(document, "PredictRequest_mixed")
    records = request["properties"]["records"]
    assert records["maxItems"] == 50 and request["additionalProperties"] is False
    record = records["items"]
    assert record["required"] == list(MIXED.inputs.names) and record["additionalProperties"] is False
    assert record["properties"] == {
        "age": {"type": "integer", "format": "int64"},
        "income": {"type": ["number", "null"], "format": "double"},
        "city": {"type": "string"},
        "member": {"type": "boolean"},
        "joined": {"type": "string", "format": "date-time"},
        "photo": {"type": "string", "contentEncoding": "base64"},
    }


def test_requests_the_codecs_accept_match_the_schema(document: dict[str, Any]) -> None:
    _check(document, "PredictRequest_mixed", {"records": MIXED_ROWS, "key": "k", "explain": False})
    _check(document, "PredictRequest_churn", {"columns": columns_of(NUMERIC_ROWS)})
    _check(document, "PredictRequest_images_v1_beta", {"tensor": TENSOR_DATA})
    request = {"inputs": [{"name": "age", "shape": [3], "datatype": "INT64", "data": [1, 2, 3]}], "id": "1"}
    _check(document, "V2InferRequest", request)
    _check(document, "MlflowRequest", {"dataframe_split": {"columns": ["a"], "data": [[1]]}, "params": {}})
    _check(document, "FeedbackRequest", {"model": "churn", "labels": [{"prediction_id": "p", "label": 1}]})


@pytest.mark.parametrize(
    "request_body",
    [
        {"records": [{**NUMERIC_ROWS[0], "age": "x"}]},
        {"records": [{**NUMERIC_ROWS[0], "colour": 1}]},
        {"records": [{"age": 1}]},
        {"records": NUMERIC_ROWS * 20},
        {"records": NUMERIC_ROWS, "columns": columns_of(NUMERIC_ROWS)},
        {"records": NUMERIC_ROWS, "keys": "x"},
        {"records": [{**NUMERIC_ROWS[0], "income": None}]},
    ],
)
def test_requests_the_codecs_refuse_fail_the_schema(document: dict[str, Any], request_body: Any) -> None:
    with pytest.raises(jsonschema.ValidationError):
        _check(document, "PredictRequest_churn", request_body)


def test_responses_the_codecs_write_match_the_schema(document: dict[str, Any]) -> None:
    result = Prediction(
        np.array(["no", "yes"], dtype=object),
        np.array([[0.5, 0.5], [np.nan, 1.0]]),
        ("no", "yes"),
        ["a", "b"],
        "churn",
        2,
        "champion",
    )
    _check(
        document,
        "PredictResponse_churn",
        orjson.loads(native.encode_predict(result, model="churn", version=2, arm="champion")),
    )
    body, _ = v2.encode_infer(result, v2.InferRequestMeta(id="r"), model="churn", version=2)
    _check(document, "V2InferResponse", orjson.loads(body))
    _check(document, "V2ModelMetadata", v2.model_metadata("churn", [1, 2], "sklearn", NUMERIC))
    _check(document, "V2ServerMetadata", v2.server_metadata())
    _check(document, "V2Error", orjson.loads(v2.error_body("x")))
    _check(document, "NativeError", {"error": {"type": "RequestError", "message": "m", "field": "age"}})
    _check(document, "MlflowError", {"error_code": "BAD_REQUEST", "message": "m"})
    _check(document, "FeedbackResponse", {"accepted": 1, "duplicates": 0, "unknown_ids": ["x"]})


def test_name_clashes_get_distinct_components() -> None:
    sig = Signature(Schema(IOKind.COLUMNS, (ColumnSpec("x", "double"),)))
    document = openapi_schema([("a b", sig), ("a_b", sig)], title="t", version="1")
    validate(document)
    assert {"PredictRequest_a_b", "PredictRequest_a_b_2"} <= set(document["components"]["schemas"])
