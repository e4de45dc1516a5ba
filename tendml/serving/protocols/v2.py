"""Open Inference Protocol v2 over REST (KServe, Triton, MLServer), with binary tensor data.

A request names one input a signature column (shape ``[n]`` or ``[n, 1]``), or sends one tensor:
the model's tensor, or a ``[n, k]`` array of an all-numeric column signature. The response has the
outputs ``predict`` (shape ``[n]`` or ``[n, k]``) and, for a model with ``predict_proba``,
``predict_proba`` (FP64, ``[n, n_classes]``). Errors inside a tensor (data against its own shape
or datatype, binary sizes) are 400; input that does not fit the signature is 422.
Spec: https://kserve.github.io/website/latest/modelserving/data_plane/v2_protocol/
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any

import numpy as np

from tendml.entities.models import IOKind, Signature
from tendml.serving.protocols import _tensors
from tendml.serving.protocols._columns import NUMERIC, describe
from tendml.serving.protocols._json import dumps, loads
from tendml.serving.protocols._tensors import Array, datatype_of, malformed
from tendml.serving.protocols.errors import TOO_LARGE, RequestError
from tendml.serving.protocols.result import Prediction
from tendml.serving.protocols.validation import (
    MAX_ROWS,
    Inputs,
    tensor_dtype,
    validate_columns,
    validate_tensor,
)

PREDICT = "predict"
PREDICT_PROBA = "predict_proba"
HEADER_LENGTH = "Inference-Header-Content-Length"
_COLUMN_DATATYPES = {
    "double": "FP64",
    "float": "FP32",
    "long": "INT64",
    "integer": "INT32",
    "boolean": "BOOL",
    "string": "BYTES",
    "datetime": "BYTES",
    "binary": "BYTES",
}


@dataclass(frozen=True, slots=True)
class RequestedOutput:
    """An output the client asked for, and whether it wants it as binary data."""

    name: str
    binary_data: bool


@dataclass(frozen=True, slots=True)
class InferRequestMeta:
    """Everything of an inference request but its inputs.

    Attributes:
        id: the request id, echoed in the response.
        parameters: the request's ``parameters`` as sent.
        outputs: the outputs asked for, or None for every output the model has.
        binary_data_output: ``parameters.binary_data_output``: binary data for every output that
            does not say.
        key: the sticky routing key (``parameters.key``): one key always reaches the same arm.
    """

    id: str | None = None
    parameters: dict[str, Any] = field(default_factory=dict)
    outputs: tuple[RequestedOutput, ...] | None = None
    binary_data_output: bool = False
    key: str | None = None


def decode_infer(
    body: bytes, signature: Signature, *, header_length: int | None = None, max_rows: int = MAX_ROWS
) -> tuple[Inputs, InferRequestMeta]:
    """The validated inputs and the metadata of a v2 inference request.

    ``header_length`` is the ``Inference-Header-Content-Length`` header: the JSON header is that
    many bytes, and the binary data of inputs with ``parameters.binary_data_size`` follows it, in
    input order.

    >>> from tendml.entities.models import ColumnSpec, Schema
    >>> sig = Signature(Schema(IOKind.COLUMNS, (ColumnSpec("x", "double"),)))
    >>> body = b'{"id": "7", "inputs": [{"name": "x", "shape": [2], "datatype": "FP64", "data": [1, 2]}]}'
    >>> inputs, meta = decode_infer(body, sig)
    >>> inputs.columns["x"], meta.id
    (array([1., 2.]), '7')
    """
    view = memoryview(body)
    if header_length is not None and not 0 < header_length <= len(view):
        raise malformed(f"{HEADER_LENGTH} is {header_length}, the body has {len(view)} bytes", HEADER_LENGTH)
    split = len(view) if header_length is None else header_length
    request = loads(view[:split], what="the inference request")
    if not isinstance(request, dict):
        raise malformed(f"the inference request must be a JSON object, got {describe(request)}", None)
    meta = _meta(request, signature)
    tensors = _read_inputs(request.get("inputs"), view[split:], max_rows)
    return _to_inputs(signature, tensors, max_rows), meta


def _meta(request: dict[str, Any], signature: Signature) -> InferRequestMeta:
    request_id = request.get("id")
    if request_id is not None and not isinstance(request_id, str):
        raise malformed(f"id must be a string, got {describe(request_id)}", "id")
    parameters = _object(request.get("parameters"), "parameters")
    key = parameters.get("key")
    if key is not None and not isinstance(key, str):
        raise malformed(f"parameters.key must be a string, got {describe(key)}", "parameters.key")
    binary = parameters.get("binary_data_output", False)
    if not isinstance(binary, bool):
        raise malformed(
            "parameters.binary_data_output must be true or false", "parameters.binary_data_output"
        )
    outputs = request.get("outputs")
    requested = None if outputs is None else _requested(outputs, binary, _output_names(signature))
    return InferRequestMeta(request_id, parameters, requested, binary, key)


def _object(value: Any, name: str) -> dict[str, Any]:
    """``value`` when it is a JSON object; absent (None) is an empty one."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise malformed(f"{name} must be an object, got {describe(value)}", name)
    return value


def _output_names(signature: Signature) -> tuple[str, ...]:
    return (PREDICT, PREDICT_PROBA) if PREDICT_PROBA in signature.methods else (PREDICT,)


def _requested(outputs: Any, default: bool, known: tuple[str, ...]) -> tuple[RequestedOutput, ...]:
    if not isinstance(outputs, list):
        raise malformed(f"outputs must be a list, got {describe(outputs)}", "outputs")
    requested = []
    for output in outputs:
        name = _object(output, "outputs[]").get("name")
        if name not in known:
            shown = name if isinstance(name, str) else describe(name)
            raise malformed(f"unknown output {shown!r}", shown, hint=f"the model's outputs are {list(known)}")
        binary = _object(output.get("parameters"), f"outputs[{name}].parameters").get("binary_data", default)
        if not isinstance(binary, bool):
            raise malformed(f"output {name!r}: binary_data must be true or false", name)
        requested.append(RequestedOutput(name, binary))
    return tuple(requested)


def _read_inputs(inputs: Any, binary: memoryview, max_rows: int) -> list[tuple[str, Array]]:
    if not isinstance(inputs, list) or not inputs:
        raise malformed("inputs must be a non-empty list of tensors", "inputs")
    tensors: list[tuple[str, Array]] = []
    seen: set[str] = set()
    offset = 0
    for tensor in inputs:
        name, shape, datatype, size = _header(_object(tensor, "inputs[]"), max_rows)
        if name in seen:
            raise malformed(f"input {name!r} is given twice", name)
        seen.add(name)
        if size is None:
            array = _tensors.from_json(tensor.get("data"), shape, datatype, name)
        else:
            if offset + size > len(binary):
                raise malformed(f"input {name!r}: binary_data_size {size} runs past the body's end", name)
            array = _tensors.from_binary(binary[offset : offset + size], shape, datatype, name)
            offset += size
        tensors.append((name, array))
    if offset != len(binary):
        raise malformed(f"the body has {len(binary) - offset} bytes after the last input's binary data", None)
    return tensors


def _header(tensor: dict[str, Any], max_rows: int) -> tuple[str, list[int], str, int | None]:
    name = tensor.get("name")
    if not isinstance(name, str):
        raise malformed(f"an input's name must be a string, got {describe(name)}", "inputs")
    shape = tensor.get("shape")
    if not isinstance(shape, list) or not 0 < len(shape) <= 32:
        raise malformed(f"input {name!r}: shape must be a list of 1 to 32 sizes", name)
    if not all(type(d) is int and d >= 0 for d in shape):
        raise malformed(f"input {name!r}: shape {shape} must hold sizes of 0 or more", name)
    if shape[0] > max_rows:
        raise RequestError(
            f"input {name!r} has {shape[0]} rows, more than the limit of {max_rows}",
            status=TOO_LARGE,
            field=name,
            hint=f"split it into requests of at most {max_rows} rows",
        )
    datatype = tensor.get("datatype")
    if datatype not in _tensors.DTYPES:
        shown = datatype if isinstance(datatype, str) else describe(datatype)
        raise malformed(
            f"input {name!r}: unsupported datatype {shown!r}", name, f"use one of {list(_tensors.DTYPES)}"
        )
    size = _object(tensor.get("parameters"), f"input {name!r} parameters").get("binary_data_size")
    if size is not None and (type(size) is not int or size < 0):
        raise malformed(f"input {name!r}: binary_data_size must be a size in bytes", name)
    if size is None and "data" not in tensor:
        raise malformed(f"input {name!r} has neither data nor binary_data_size", name)
    return name, shape, datatype, size


def _to_inputs(signature: Signature, tensors: list[tuple[str, Array]], max_rows: int) -> Inputs:
    if signature.inputs.kind is IOKind.TENSOR:
        if len(tensors) != 1:
            raise RequestError(f"the model takes one tensor, got {len(tensors)} inputs", field="inputs")
        name, array = tensors[0]
        return validate_tensor(signature, array, name=name, max_rows=max_rows)
    specs = {spec.name: spec for spec in signature.inputs.columns}
    numeric = all(spec.type in NUMERIC for spec in specs.values())
    if numeric and len(tensors) == 1 and tensors[0][0] not in specs:
        name, array = tensors[0]  # one tensor, one column per signature column (as Triton clients send)
        return validate_tensor(signature, array, name=name, max_rows=max_rows)
    columns: dict[str, Array] = {}
    for name, array in tensors:
        if name not in specs:
            raise RequestError(f"unknown input {name!r}", field=name, hint=f"the model takes {list(specs)}")
        if array.ndim > 2 or (array.ndim == 2 and array.shape[1] != 1):
            raise RequestError(
                f"input {name!r}: expected shape [n] or [n, 1], got {list(array.shape)}", field=name
            )
        column = array.reshape(-1)
        if specs[name].type == "binary" and column.dtype.kind == "O":
            column = _utf8(column)  # v2 JSON carries BYTES as text: its UTF-8 bytes are the value
        columns[name] = column
    return validate_columns(signature, columns, max_rows=max_rows)


def _utf8(column: Array) -> Array:
    encoded = np.empty(column.shape, dtype=object)
    encoded[:] = [v.encode("utf-8") if isinstance(v, str) else v for v in column.tolist()]
    return encoded


def encode_infer(
    result: Prediction, meta: InferRequestMeta, *, model: str, version: int
) -> tuple[bytes, dict[str, str]]:
    """The response body and the headers to add (``Content-Type``, and ``Inference-Header-Content-Length``
    when an output is sent as binary data). NaN and ±inf in JSON data are written as null.

    Raises:
        RequestError: 400 when the request asked for an output this prediction does not have.
    """
    available = {PREDICT: result.predictions}
    if result.probabilities is not None:
        available[PREDICT_PROBA] = np.asarray(result.probabilities, dtype=np.float64)
    wanted = meta.outputs or tuple(RequestedOutput(n, meta.binary_data_output) for n in available)
    outputs, chunks = [], []
    for output in wanted:
        if output.name not in available:
            raise malformed(f"unknown output {output.name!r}", output.name, f"outputs are {list(available)}")
        array = available[output.name]
        datatype = datatype_of(array.dtype)
        entry: dict[str, Any] = {"name": output.name, "datatype": datatype, "shape": list(array.shape)}
        if output.binary_data:
            chunks.append(_tensors.to_binary(array, datatype))
            entry["parameters"] = {"binary_data_size": len(chunks[-1])}
        else:
            entry["data"] = _tensors.to_json_data(array, datatype)
        outputs.append(entry)
    response: dict[str, Any] = {"model_name": model, "model_version": str(version)}
    if meta.id is not None:
        response["id"] = meta.id
    response["parameters"] = {"prediction_ids": result.ids, "arm": result.arm}
    response["outputs"] = outputs
    header = dumps(response)
    if not chunks:
        return header, {"Content-Type": "application/json"}
    headers = {"Content-Type": "application/octet-stream", HEADER_LENGTH: str(len(header))}
    return b"".join([header, *chunks]), headers


def model_metadata(name: str, versions: Sequence[int], platform: str, signature: Signature) -> dict[str, Any]:
    """The v2 model metadata: ``name``, ``versions`` (strings), ``platform``, ``inputs`` and ``outputs``.

    >>> from tendml.entities.models import ColumnSpec, Schema
    >>> sig = Signature(Schema(IOKind.COLUMNS, (ColumnSpec("x", "double"),)))
    >>> model_metadata("m", [1, 2], "sklearn", sig)["inputs"]
    [{'name': 'x', 'datatype': 'FP64', 'shape': [-1]}]
    """
    inputs = signature.inputs
    if inputs.kind is IOKind.COLUMNS:
        described = [
            {"name": c.name, "datatype": _COLUMN_DATATYPES.get(c.type, "BYTES"), "shape": [-1]}
            for c in inputs.columns
        ]
    else:
        tensor = inputs.tensor
        dtype = datatype_of(tensor_dtype(tensor.dtype)) if tensor else "FP64"
        described = [{"name": "input-0", "datatype": dtype, "shape": list(tensor.shape) if tensor else [-1]}]
    return {
        "name": name,
        "versions": [str(v) for v in versions],
        "platform": platform,
        "inputs": described,
        "outputs": _outputs_metadata(signature),
    }


def _outputs_metadata(signature: Signature) -> list[dict[str, Any]]:
    outputs = signature.outputs
    datatype, shape = "FP64", [-1]
    if outputs is not None and outputs.kind is IOKind.TENSOR and outputs.tensor is not None:
        datatype, shape = datatype_of(tensor_dtype(outputs.tensor.dtype)), list(outputs.tensor.shape)
    elif outputs is not None and outputs.columns:
        datatype = _COLUMN_DATATYPES.get(outputs.columns[0].type, "BYTES")
        shape = [-1] if len(outputs.columns) == 1 else [-1, len(outputs.columns)]
    described = [{"name": PREDICT, "datatype": datatype, "shape": shape}]
    if PREDICT_PROBA in signature.methods:
        classes = len(signature.classes) if signature.classes is not None else -1
        described.append({"name": PREDICT_PROBA, "datatype": "FP64", "shape": [-1, classes]})
    return described


def server_metadata() -> dict[str, Any]:
    """The v2 server metadata: ``name``, ``version`` and ``extensions``."""
    try:
        version = metadata.version("tendml")
    except metadata.PackageNotFoundError:
        version = "unknown"
    return {"name": "tendml", "version": version, "extensions": ["binary_tensor_data"]}


def error_body(message: str) -> bytes:
    """A v2 error response body: ``{"error": message}``.

    >>> error_body("no model 'x'")
    b'{"error":"no model \\'x\\'"}'
    """
    return dumps({"error": message})
