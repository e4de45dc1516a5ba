"""tendml's own prediction protocol (``POST /models/{name}/predict``), which returns prediction ids.

A request holds exactly one of ``records`` (a list of ``{column: value}``), ``columns``
(``{column: [values]}``) or, for a model that takes a tensor, ``tensor`` (nested lists); it may
add ``key`` (sticky routing: one key always reaches the same arm) and ``explain``. Unknown fields
are refused, so a misspelt ``key`` is not silently ignored. Binary values are base64 text and
datetimes ISO 8601 text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tendml.core.errors import TendmlError
from tendml.entities.models import Signature
from tendml.serving.protocols._columns import describe
from tendml.serving.protocols._json import dumps, loads
from tendml.serving.protocols.errors import MALFORMED, RequestError
from tendml.serving.protocols.result import Prediction
from tendml.serving.protocols.validation import (
    MAX_ROWS,
    Inputs,
    nested_array,
    validate_columns,
    validate_rows,
    validate_tensor,
)

DATA_FIELDS = ("records", "columns", "tensor")
FIELDS = (*DATA_FIELDS, "key", "explain")


@dataclass(frozen=True, slots=True)
class NativeMeta:
    """What a native request asks for besides its data.

    Attributes:
        key: the sticky routing key, or None.
        explain: whether the client asked for explanations with the predictions.
    """

    key: str | None = None
    explain: bool = False


def decode_predict(
    body: bytes, signature: Signature, *, max_rows: int = MAX_ROWS
) -> tuple[Inputs, NativeMeta]:
    """The validated inputs and options of a native predict request.

    >>> from tendml.entities.models import ColumnSpec, IOKind, Schema
    >>> sig = Signature(Schema(IOKind.COLUMNS, (ColumnSpec("x", "double"),)))
    >>> inputs, meta = decode_predict(b'{"records": [{"x": 1.5}], "key": "user-7"}', sig)
    >>> inputs.columns, meta.key
    ({'x': array([1.5])}, 'user-7')
    """
    payload = loads(body)
    if not isinstance(payload, dict):
        raise _malformed(f"expected a JSON object, got {describe(payload)}", None)
    unknown = [name for name in payload if name not in FIELDS]
    if unknown:
        raise _malformed(f"unknown field {unknown[0]!r}", unknown[0])
    given = [name for name in DATA_FIELDS if name in payload]
    if len(given) != 1:
        raise _malformed(f"expected exactly one of {', '.join(DATA_FIELDS)}, got {given or 'none'}", None)
    meta = _meta(payload)
    data, field = payload[given[0]], given[0]
    if field == "records":
        if not isinstance(data, list):
            raise _malformed(f"records must be a list, got {describe(data)}", field)
        return validate_rows(signature, data, max_rows=max_rows), meta
    if field == "columns":
        if not isinstance(data, dict):
            raise _malformed(f"columns must be an object, got {describe(data)}", field)
        return validate_columns(signature, data, max_rows=max_rows), meta
    return validate_tensor(signature, nested_array(data, field), name=field, max_rows=max_rows), meta


def _meta(payload: dict[str, Any]) -> NativeMeta:
    key, explain = payload.get("key"), payload.get("explain", False)
    if key is not None and not isinstance(key, str):
        raise _malformed(f"key must be a string, got {describe(key)}", "key")
    if not isinstance(explain, bool):
        raise _malformed(f"explain must be true or false, got {describe(explain)}", "explain")
    return NativeMeta(key=key, explain=explain)


def _malformed(message: str, field: str | None) -> RequestError:
    hint = 'send {"records": [{column: value, ...}, ...]} with optional "key" and "explain"'
    return RequestError(message, status=MALFORMED, field=field, hint=hint)


def encode_predict(result: Prediction, *, model: str, version: int, arm: str) -> bytes:
    """The native response: the model, version and arm that answered, and one prediction a row with
    its id and, for a model with probabilities, ``{str(class): p}``. NaN is written as null.

    >>> import numpy as np
    >>> proba = np.array([[0.2, 0.8]])
    >>> result = Prediction(np.array(["yes"]), proba, ("no", "yes"), ["p1"], "m", 3, "champion")
    >>> encode_predict(result, model="m", version=3, arm="champion")
    b'{"model":"m","version":3,"arm":"champion","predictions":[{"id":"p1","prediction":"yes","probabilities":{"no":0.2,"yes":0.8}}]}'
    """
    rows = [
        {"id": prediction_id, "prediction": value}
        for prediction_id, value in zip(result.ids, result.predictions.tolist(), strict=True)
    ]
    if result.probabilities is not None:
        probabilities = result.probabilities.tolist()
        width = len(probabilities[0]) if probabilities else 0
        classes = result.classes if result.classes is not None else range(width)
        keys = [str(c) for c in classes]
        for row, values in zip(rows, probabilities, strict=True):
            row["probabilities"] = dict(zip(keys, values, strict=True))
    return dumps({"model": model, "version": version, "arm": arm, "predictions": rows})


def error_body(exc: TendmlError) -> bytes:
    """The native error body ``{"error": {"type", "message", "field"?, "hint"?}}``.

    >>> error_body(RequestError("unknown field 'keys'", status=400, field="keys"))
    b'{"error":{"type":"RequestError","message":"unknown field \\'keys\\'","field":"keys"}}'
    """
    return dumps({"error": exc.to_dict()})
