"""An OpenAPI 3.1 document of the inference server, typed per model from its signature.

Each model gets its native ``POST /models/{name}/predict`` (records typed column by column, every
column required and no other allowed) and the v2 ``POST /v2/models/{name}/infer``,
``GET /v2/models/{name}`` and ``GET /v2/models/{name}/ready``; the MLflow, health, version,
server metadata and feedback endpoints are shared. OpenAPI 3.1 is JSON Schema 2020-12, which has
no ``nullable``: a nullable column is typed ``[type, "null"]``. Numbers in responses may be null
too, because NaN is written as null.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

from tendml.entities.models import ColumnSpec, IOKind, Schema, Signature, TensorSpec
from tendml.serving.protocols._openapi_shared import (
    error_responses,
    json_content,
    plain_get,
    shared_paths,
    shared_schemas,
)
from tendml.serving.protocols.validation import MAX_ROWS

_COLUMN_SCHEMAS: dict[str, dict[str, Any]] = {
    "double": {"type": "number", "format": "double"},
    "float": {"type": "number", "format": "float"},
    "long": {"type": "integer", "format": "int64"},
    "integer": {"type": "integer", "format": "int32"},
    "boolean": {"type": "boolean"},
    "string": {"type": "string"},
    "datetime": {"type": "string", "format": "date-time"},
    "binary": {"type": "string", "contentEncoding": "base64"},
}


def openapi_schema(
    models: Sequence[tuple[str, Signature]], *, title: str, version: str, max_rows: int = MAX_ROWS
) -> dict[str, Any]:
    """The OpenAPI 3.1 document for ``models`` (name and signature of each served model).

    >>> from tendml.entities.models import ColumnSpec
    >>> sig = Signature(Schema(IOKind.COLUMNS, (ColumnSpec("age", "long", nullable=True),)))
    >>> doc = openapi_schema([("churn", sig)], title="tendml", version="0.1.0")
    >>> doc["components"]["schemas"]["PredictRequest_churn"]["properties"]["records"]["items"]["properties"]
    {'age': {'type': ['integer', 'null'], 'format': 'int64'}}
    """
    schemas = shared_schemas()
    paths: dict[str, Any] = {}
    for name, signature in models:
        ref = _unique(re.sub(r"[^A-Za-z0-9._-]", "_", name), schemas)
        schemas[f"PredictRequest_{ref}"] = predict_request_schema(signature, max_rows)
        schemas[f"PredictResponse_{ref}"] = predict_response_schema(signature)
        path = quote(name, safe="")
        paths[f"/models/{path}/predict"] = {"post": _native_operation(name, ref)}
        paths[f"/v2/models/{path}/infer"] = {"post": _infer_operation(name, ref)}
        paths[f"/v2/models/{path}"] = {"get": _metadata_operation(name, ref)}
        paths[f"/v2/models/{path}/ready"] = plain_get(f"model_ready_{ref}", f"{name} is ready", "v2")
    paths.update(shared_paths())
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": version},
        "paths": paths,
        "components": {"schemas": schemas},
    }


def _unique(ref: str, schemas: dict[str, Any]) -> str:
    candidate, n = ref, 1
    while f"PredictRequest_{candidate}" in schemas:
        n += 1
        candidate = f"{ref}_{n}"
    return candidate


def column_schema(spec: ColumnSpec, *, nullable: bool | None = None) -> dict[str, Any]:
    """The JSON Schema of one value of a column; a nullable column also takes null."""
    schema = dict(_COLUMN_SCHEMAS.get(spec.type, {}))
    if (spec.nullable if nullable is None else nullable) and "type" in schema:
        schema["type"] = [schema["type"], "null"]
    return schema


def _tensor_schema(tensor: TensorSpec | None, max_rows: int | None, nullable: bool) -> dict[str, Any]:
    kind = tensor.dtype[:1] if tensor else ""
    leaf_type = {"b": "boolean", "i": "integer", "u": "integer", "f": "number"}.get(kind)
    leaf: dict[str, Any] = {} if leaf_type is None else {"type": leaf_type}
    if nullable and leaf_type in ("number",):
        leaf["type"] = [leaf_type, "null"]
    schema = leaf
    shape = tensor.shape if tensor else (-1,)
    for depth, size in reversed(list(enumerate(shape))):
        schema = {"type": "array", "items": schema}
        if depth == 0 and max_rows is not None:
            schema.update(minItems=1, maxItems=max_rows)
        elif size >= 0:
            schema.update(minItems=size, maxItems=size)
    return schema


def predict_request_schema(signature: Signature, max_rows: int = MAX_ROWS) -> dict[str, Any]:
    """The native predict request of a model: ``records`` or ``columns`` typed from its signature
    (``tensor`` for a model that takes one), with ``key`` and ``explain``."""
    options = {
        "key": {"type": "string", "description": "Sticky routing: one key always reaches the same arm."},
        "explain": {"type": "boolean", "default": False},
    }
    inputs = signature.inputs
    if inputs.kind is IOKind.TENSOR:
        data = {"tensor": _tensor_schema(inputs.tensor, max_rows, nullable=False)}
    else:
        names = list(inputs.names)
        record = {"type": "object", "properties": {c.name: column_schema(c) for c in inputs.columns}}
        rows = {"minItems": 1, "maxItems": max_rows}
        columns = {c.name: {"type": "array", "items": column_schema(c), **rows} for c in inputs.columns}
        data = {
            "records": {
                "type": "array",
                "items": {**record, "required": names, "additionalProperties": False},
                **rows,
            },
            "columns": {
                "type": "object",
                "properties": columns,
                "required": names,
                "additionalProperties": False,
            },
        }
    return {
        "type": "object",
        "properties": {**data, **options},
        "oneOf": [{"required": [name]} for name in data],
        "additionalProperties": False,
    }


def predict_response_schema(signature: Signature) -> dict[str, Any]:
    """The native predict response: who answered, and one prediction with its id a row."""
    row: dict[str, Any] = {
        "type": "object",
        "required": ["id", "prediction"],
        "properties": {"id": {"type": "string"}, "prediction": _prediction_schema(signature.outputs)},
    }
    if "predict_proba" in signature.methods:
        probability = {"type": ["number", "null"], "minimum": 0, "maximum": 1}
        classes = [str(c) for c in signature.classes or ()]
        row["properties"]["probabilities"] = {
            "type": "object",
            "properties": dict.fromkeys(classes, probability),
            "additionalProperties": probability,
        }
    return {
        "type": "object",
        "required": ["model", "version", "arm", "predictions"],
        "properties": {
            "model": {"type": "string"},
            "version": {"type": "integer"},
            "arm": {"type": "string"},
            "predictions": {"type": "array", "items": row},
        },
    }


def _prediction_schema(outputs: Schema | None) -> dict[str, Any]:
    if outputs is None:
        return {}
    if outputs.kind is IOKind.TENSOR:
        tensor = outputs.tensor
        inner = TensorSpec(tensor.dtype, tensor.shape[1:]) if tensor and len(tensor.shape) > 1 else None
        return _tensor_schema(inner, None, nullable=True) if inner else {}
    if len(outputs.columns) == 1:
        spec = outputs.columns[0]
        return column_schema(spec, nullable=spec.nullable or spec.type in ("double", "float"))
    return {"type": "array", "items": {}}


def _native_operation(name: str, ref: str) -> dict[str, Any]:
    return {
        "operationId": f"predict_{ref}",
        "summary": f"Predict with {name}",
        "tags": ["native"],
        "requestBody": {"required": True, "content": json_content(f"PredictRequest_{ref}")},
        "responses": {
            "200": {
                "description": "Predictions with their ids",
                "content": json_content(f"PredictResponse_{ref}"),
            },
            **error_responses("NativeError"),
        },
    }


def _infer_operation(name: str, ref: str) -> dict[str, Any]:
    binary = {
        "application/octet-stream": {
            "schema": {"type": "string", "contentMediaType": "application/octet-stream"}
        }
    }
    header = {
        "name": "Inference-Header-Content-Length",
        "in": "header",
        "required": False,
        "description": "Bytes of JSON header before the binary tensor data.",
        "schema": {"type": "integer", "minimum": 1},
    }
    return {
        "operationId": f"infer_{ref}",
        "summary": f"Infer with {name} (Open Inference Protocol v2)",
        "tags": ["v2"],
        "parameters": [header],
        "requestBody": {"required": True, "content": {**json_content("V2InferRequest"), **binary}},
        "responses": {
            "200": {
                "description": "Inference response",
                "content": {**json_content("V2InferResponse"), **binary},
            },
            **error_responses("V2Error"),
        },
    }


def _metadata_operation(name: str, ref: str) -> dict[str, Any]:
    return {
        "operationId": f"model_metadata_{ref}",
        "summary": f"Metadata of {name} (Open Inference Protocol v2)",
        "tags": ["v2"],
        "responses": {"200": {"description": "Model metadata", "content": json_content("V2ModelMetadata")}},
    }
