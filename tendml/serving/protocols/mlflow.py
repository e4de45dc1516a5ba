"""MLflow's scoring protocol (``POST /invocations``), as ``mlflow models serve`` speaks it.

JSON bodies hold exactly one of ``dataframe_split``, ``dataframe_records``, ``instances`` or
``inputs`` (and may hold ``params``, accepted and ignored); CSV bodies have a header row. Like
MLflow, binary values in JSON are base64 text and datetimes ISO 8601 text, and a bare JSON list is
refused (MLflow 2 dropped that format). In CSV, ``NA``, ``NaN``, ``null`` and the like are null
only in numeric and boolean columns, so text columns keep them as text; an empty cell is null,
except in a text column that is not nullable, where it can only be the empty string.
Spec: https://mlflow.org/docs/latest/ml/deployment/deploy-model-locally/
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pa_csv

from tendml.core.errors import TendmlError
from tendml.entities.models import IOKind, Signature
from tendml.serving.protocols._columns import describe
from tendml.serving.protocols._json import dumps, loads
from tendml.serving.protocols.errors import MALFORMED, TOO_LARGE, UNSUPPORTED_MEDIA_TYPE, RequestError
from tendml.serving.protocols.result import Prediction
from tendml.serving.protocols.validation import (
    MAX_ROWS,
    Array,
    Inputs,
    check_rows,
    float_rows,
    nested_array,
    validate_columns,
    validate_rows,
    validate_tensor,
)

FORMATS = ("dataframe_split", "dataframe_records", "instances", "inputs")
JSON_TYPES = frozenset({"application/json"})
CSV_TYPES = frozenset({"text/csv", "application/csv"})
_TEXT_TYPES = frozenset({"string", "binary", "datetime"})
_NULLS = ["", "NA", "N/A", "n/a", "#N/A", "NaN", "-NaN", "nan", "-nan", "null", "NULL", "None"]
_REQUIRED = f"send a JSON object with exactly one of {', '.join(FORMATS)}"


def decode_invocations(
    body: bytes, content_type: str, signature: Signature, *, max_rows: int = MAX_ROWS
) -> Inputs:
    """The validated inputs of an ``/invocations`` request of ``content_type`` (JSON or CSV).

    >>> from tendml.entities.models import ColumnSpec, Schema
    >>> sig = Signature(Schema(IOKind.COLUMNS, (ColumnSpec("a", "long"), ColumnSpec("b", "double"))))
    >>> decode_invocations(b'{"inputs": [[1, 2], [3, 4]]}', "application/json", sig).columns
    {'a': array([1, 3]), 'b': array([2., 4.])}
    >>> decode_invocations(b"a,b\\n1,2\\n3,4\\n", "text/csv", sig).rows
    2
    """
    media_type = _media_type(content_type)
    if media_type in CSV_TYPES:
        return _from_csv(body, signature, max_rows)
    if media_type not in JSON_TYPES:
        raise RequestError(
            f"unsupported content type {content_type!r}",
            status=UNSUPPORTED_MEDIA_TYPE,
            field="Content-Type",
            hint="send application/json or text/csv",
        )
    payload = loads(body)
    if not isinstance(payload, dict):
        raise RequestError(f"received {describe(payload)}", status=MALFORMED, hint=_REQUIRED)
    formats = [key for key in FORMATS if key in payload]
    if len(formats) != 1:
        raise RequestError(f"received the fields {list(payload)}", status=MALFORMED, hint=_REQUIRED)
    params = payload.get("params")
    if params is not None and not isinstance(params, dict):
        raise RequestError(
            f"params must be an object, got {describe(params)}", status=MALFORMED, field="params"
        )
    key = formats[0]
    if key == "dataframe_split":
        return _from_split(payload[key], signature, max_rows)
    if key == "dataframe_records":
        return validate_rows(signature, _list(payload[key], key), max_rows=max_rows)
    return _from_instances(payload[key], key, signature, max_rows)


def _media_type(content_type: str) -> str:
    media_type, *parameters = (part.strip() for part in content_type.split(";"))
    for parameter in parameters:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset" and value.strip().strip('"').lower() not in ("utf-8", "utf8"):
            raise RequestError(
                f"unsupported charset {value.strip()!r}",
                status=UNSUPPORTED_MEDIA_TYPE,
                field="Content-Type",
                hint="send UTF-8",
            )
    return media_type.lower()


def _list(value: Any, key: str) -> list[Any]:
    if not isinstance(value, list):
        raise RequestError(f"{key} must be a list, got {describe(value)}", status=MALFORMED, field=key)
    return value


def _from_split(split: Any, signature: Signature, max_rows: int) -> Inputs:
    key = "dataframe_split"
    if not isinstance(split, dict):
        raise RequestError(f"{key} must be an object, got {describe(split)}", status=MALFORMED, field=key)
    data = _list(split.get("data"), f"{key}.data")
    check_rows(len(data), max_rows)
    if signature.inputs.kind is IOKind.TENSOR:
        return validate_tensor(signature, nested_array(data, key), name=key, max_rows=max_rows)
    names = _list(split.get("columns"), f"{key}.columns")
    if not all(isinstance(n, str) for n in names) or len(set(names)) != len(names):
        raise RequestError(f"{key}.columns must be distinct names", status=MALFORMED, field=f"{key}.columns")
    for i, row in enumerate(data):
        if not isinstance(row, list) or len(row) != len(names):
            got = f"{len(row)} values" if isinstance(row, list) else describe(row)
            raise RequestError(
                f"{key}.data row {i}: expected {len(names)} values (one per column), got {got}",
                status=MALFORMED,
                field=f"{key}.data",
            )
    fast = float_rows(signature, data, names=names)
    if fast is not None:
        return fast
    columns = {name: list(values) for name, values in zip(names, zip(*data, strict=True), strict=True)}
    return validate_columns(signature, columns, max_rows=max_rows)


def _from_instances(value: Any, key: str, signature: Signature, max_rows: int) -> Inputs:
    if isinstance(value, dict):
        if signature.inputs.kind is IOKind.TENSOR:
            raise RequestError(f"{key}: the model takes one tensor, got named inputs", field=key)
        if value and not any(isinstance(v, list) for v in value.values()):
            value = {name: [v] for name, v in value.items()}  # one record given as a dict of scalars
        return validate_columns(signature, value, max_rows=max_rows)
    rows = _list(value, key)
    check_rows(len(rows), max_rows)
    if all(isinstance(row, dict) for row in rows):
        return validate_rows(signature, rows, max_rows=max_rows)
    return validate_tensor(signature, nested_array(rows, key), name=key, max_rows=max_rows)


def _from_csv(body: bytes, signature: Signature, max_rows: int) -> Inputs:
    specs = signature.inputs.columns
    text = {s.name: pa.string() for s in specs if s.type in _TEXT_TYPES}
    nullable = {s.name for s in specs if s.nullable}
    table, names = _read_csv(body, text)
    if len(set(names)) != len(names):
        raise RequestError("the CSV header names a column twice", status=MALFORMED)
    if names and names[0] == "" and "" not in text:
        table, names = table.remove_column(0), names[1:]  # the index pandas' to_csv() writes first
    if table.num_rows > max_rows:
        raise RequestError(
            f"request has {table.num_rows} rows, more than the limit of {max_rows}", status=TOO_LARGE
        )
    columns = {name: _csv_column(table[name], name in text, name in nullable) for name in names}
    if signature.inputs.kind is IOKind.TENSOR:
        return validate_tensor(signature, _csv_tensor(columns), name="body", max_rows=max_rows)
    return validate_columns(signature, columns, max_rows=max_rows)


def _read_csv(body: bytes, text: dict[str, pa.DataType]) -> tuple[pa.Table, list[str]]:
    if body and not body.endswith(b"\n"):
        body += b"\n"  # pyarrow reads a lone header line without its newline as an empty file
    options = pa_csv.ConvertOptions(
        column_types=text,
        null_values=_NULLS,
        strings_can_be_null=False,
        true_values=["true", "True", "TRUE"],
        false_values=["false", "False", "FALSE"],
    )
    try:
        table = pa_csv.read_csv(
            pa.py_buffer(body),
            parse_options=pa_csv.ParseOptions(newlines_in_values=True),
            convert_options=options,
        )
        return table, table.column_names  # names are decoded here: UTF-8 errors are ValueErrors
    except (pa.ArrowException, ValueError) as err:
        raise RequestError(
            f"body is not valid CSV: {err}", status=MALFORMED, hint="send a header row"
        ) from None


def _csv_column(column: pa.ChunkedArray, text: bool, nullable: bool) -> Array:
    values: Array = column.to_numpy()
    if text and nullable:
        values = values.astype(object)
        values[values == ""] = None
    return values


def _csv_tensor(columns: Mapping[str, Array]) -> Array:
    for name, values in columns.items():
        if values.dtype.kind not in "fiu":
            raise RequestError(
                f"column {name!r}: the model takes a numeric tensor, got {values.dtype}", field=name
            )
    return np.column_stack(list(columns.values())) if columns else np.empty((0, 0))


def error_body(exc: Exception) -> bytes:
    """An MLflow error response body: ``{"error_code": "BAD_REQUEST", "message": ...}``.

    >>> error_body(RequestError("body is not valid JSON", status=400))
    b'{"error_code":"BAD_REQUEST","message":"body is not valid JSON"}'
    """
    message = str(exc) if isinstance(exc, TendmlError) else f"{type(exc).__name__}: {exc}"
    return dumps({"error_code": "BAD_REQUEST", "message": message})


def encode_predictions(result: Prediction) -> bytes:
    """The MLflow response ``{"predictions": [...]}``: one value a row, a list a row for 2-D output.

    NaN and ±inf are written as null (JSON has no literal for them).
    """
    return dumps({"predictions": result.predictions})
