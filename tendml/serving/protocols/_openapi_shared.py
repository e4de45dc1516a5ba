"""The parts of the OpenAPI document every server has: MLflow, health, metadata and feedback
endpoints, and the component schemas of the v2 protocol, errors and feedback."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tendml.serving.protocols._tensors import DTYPES as V2_DATATYPES

REF = "#/components/schemas/"
_ERRORS = {"400": "Malformed request", "413": "Too many rows", "422": "Input does not match the signature"}
_STRING: dict[str, Any] = {"type": "string"}
_ANY: dict[str, Any] = {}
_PARAMETERS: dict[str, Any] = {"type": "object", "additionalProperties": True}
_DATATYPE: dict[str, Any] = {"type": "string", "enum": list(V2_DATATYPES)}
_SHAPE: dict[str, Any] = {"type": "array", "items": {"type": "integer"}}
_TENSOR_DATA: dict[str, Any] = {"type": "array", "description": "Flat or nested row-major values."}


def json_content(ref: str) -> dict[str, Any]:
    """A JSON body holding the component schema ``ref``."""
    return {"application/json": {"schema": {"$ref": REF + ref}}}


def error_responses(schema: str) -> dict[str, Any]:
    """The 400, 413 and 422 responses, each with the error schema ``schema``."""
    return {
        status: {"description": text, "content": json_content(schema)} for status, text in _ERRORS.items()
    }


def plain_get(
    operation_id: str, summary: str, tag: str, content: dict[str, Any] | None = None
) -> dict[str, Any]:
    """A path item with one GET that answers 200 (with ``content`` when given)."""
    response: dict[str, Any] = {"description": "OK"}
    if content is not None:
        response["content"] = content
    operation = {
        "operationId": operation_id,
        "summary": summary,
        "tags": [tag],
        "responses": {"200": response},
    }
    return {"get": operation}


def shared_paths() -> dict[str, Any]:
    """The paths that do not depend on the models served."""
    text = {"text/plain": {"schema": _STRING}}
    return {
        "/invocations": {"post": _invocations_operation()},
        "/ping": plain_get("ping", "Health check (MLflow)", "mlflow", text),
        "/health": plain_get("health", "Health check, as /ping", "mlflow", text),
        "/version": plain_get("version", "Server version (MLflow)", "mlflow", text),
        "/v2": plain_get("server_metadata", "Server metadata", "v2", json_content("V2ServerMetadata")),
        "/v2/health/live": plain_get("server_live", "The server is live", "v2"),
        "/v2/health/ready": plain_get("server_ready", "The server is ready", "v2"),
        "/feedback": {"post": _feedback_operation()},
    }


def _invocations_operation() -> dict[str, Any]:
    return {
        "operationId": "invocations",
        "summary": "Predict with the served model (MLflow scoring protocol)",
        "tags": ["mlflow"],
        "requestBody": {
            "required": True,
            "content": {**json_content("MlflowRequest"), "text/csv": {"schema": _STRING}},
        },
        "responses": {
            "200": {"description": "Predictions", "content": json_content("MlflowResponse")},
            **error_responses("MlflowError"),
            "415": {"description": "Unsupported media type", "content": json_content("MlflowError")},
        },
    }


def _feedback_operation() -> dict[str, Any]:
    return {
        "operationId": "feedback",
        "summary": "Send true labels for earlier predictions, by prediction id",
        "tags": ["native"],
        "requestBody": {"required": True, "content": json_content("FeedbackRequest")},
        "responses": {
            "200": {"description": "Labels accepted", "content": json_content("FeedbackResponse")},
            **error_responses("NativeError"),
        },
    }


def shared_schemas() -> dict[str, Any]:
    """The component schemas that do not depend on the models served."""
    return {**_error_schemas(), **_v2_schemas(), **_mlflow_schemas(), **_feedback_schemas()}


def _error_schemas() -> dict[str, Any]:
    detail = {"type": _STRING, "message": _STRING, "field": _STRING, "hint": _STRING}
    return {
        "NativeError": _object({"error": _object(detail, ["type", "message"])}, ["error"]),
        "V2Error": _object({"error": _STRING}, ["error"]),
        "MlflowError": _object({"error_code": _STRING, "message": _STRING}, ["error_code", "message"]),
    }


def _v2_schemas() -> dict[str, Any]:
    tensor = {
        "name": _STRING,
        "shape": _SHAPE,
        "datatype": _DATATYPE,
        "parameters": _PARAMETERS,
        "data": _TENSOR_DATA,
    }
    described = {"type": "array", "items": _object({"name": _STRING, "datatype": _DATATYPE, "shape": _SHAPE})}
    requested = _object({"name": _STRING, "parameters": _PARAMETERS}, ["name"])
    request = {
        "id": _STRING,
        "parameters": _PARAMETERS,
        "inputs": {"type": "array", "minItems": 1, "items": {"$ref": REF + "V2RequestInput"}},
        "outputs": {"type": "array", "items": requested},
    }
    response = {
        "model_name": _STRING,
        "model_version": _STRING,
        "id": _STRING,
        "parameters": _PARAMETERS,
        "outputs": {"type": "array", "items": {"$ref": REF + "V2ResponseOutput"}},
    }
    metadata = {"name": _STRING, "versions": {"type": "array", "items": _STRING}, "platform": _STRING}
    server = {"name": _STRING, "version": _STRING, "extensions": {"type": "array", "items": _STRING}}
    return {
        "V2InferRequest": _object(request, ["inputs"]),
        "V2RequestInput": _object(tensor, ["name", "shape", "datatype"]),
        "V2InferResponse": _object(response, ["model_name", "outputs"]),
        "V2ResponseOutput": _object(tensor, ["name", "shape", "datatype"]),
        "V2ModelMetadata": _object(
            {**metadata, "inputs": described, "outputs": described}, ["name", "platform", "inputs", "outputs"]
        ),
        "V2ServerMetadata": _object(server, ["name", "version", "extensions"]),
    }


def _mlflow_schemas() -> dict[str, Any]:
    array: dict[str, Any] = {"type": "array"}
    split = {"columns": {"type": "array", "items": _STRING}, "data": array, "index": array}
    forms: dict[str, Any] = {
        "dataframe_split": _object(split, ["columns", "data"]),
        "dataframe_records": {"type": "array", "items": {"type": "object"}},
        "instances": {"type": ["array", "object"]},
        "inputs": {"type": ["array", "object"]},
    }
    request = {
        "type": "object",
        "properties": {**forms, "params": {"type": "object", "description": "Accepted and ignored."}},
        "oneOf": [{"required": [name]} for name in forms],
    }
    response = _object({"predictions": {"type": "array", "items": _ANY}}, ["predictions"])
    return {"MlflowRequest": request, "MlflowResponse": response}


def _feedback_schemas() -> dict[str, Any]:
    label = _object({"prediction_id": _STRING, "label": _ANY}, ["prediction_id", "label"])
    count = {"type": "integer", "minimum": 0}
    return {
        "FeedbackRequest": _object(
            {"model": _STRING, "labels": {"type": "array", "minItems": 1, "items": label}}, ["labels"]
        ),
        "FeedbackResponse": _object(
            {"accepted": count, "duplicates": count, "unknown_ids": {"type": "array", "items": _STRING}},
            ["accepted", "duplicates", "unknown_ids"],
        ),
    }


def _object(properties: dict[str, Any], required: Sequence[str] = ()) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = list(required)
    return schema
