"""Infer what a model takes and returns from an input example (or from what the model recorded)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from tendml.core.errors import ValidationFailed
from tendml.core.frames import to_arrow
from tendml.entities.models import ColumnSpec, IOKind, Schema, Signature, TensorSpec
from tendml.packaging.inputs import SUPPORTED, prepare

_ARROW_KINDS: tuple[tuple[str, tuple[Callable[[pa.DataType], bool], ...]], ...] = (
    ("double", (pa.types.is_decimal,)),
    ("boolean", (pa.types.is_boolean,)),
    ("string", (pa.types.is_string, pa.types.is_large_string, pa.types.is_string_view, pa.types.is_null)),
    ("datetime", (pa.types.is_timestamp, pa.types.is_date)),
    ("binary", (pa.types.is_binary, pa.types.is_large_binary, pa.types.is_fixed_size_binary)),
)
_HINT = "pass input_example=... (a few rows of the training data)"


def infer_signature(model: Any, input_example: Any | None) -> Signature:
    """The signature of ``model``: inputs from the example, outputs from ``model.predict`` on it.

    Without an example, inputs come from ``feature_names_in_`` (columns of type double) or
    ``n_features_in_`` (a float64 tensor) and outputs are left unknown.

    >>> import pandas as pd
    >>> from sklearn.linear_model import LinearRegression
    >>> X = pd.DataFrame({"x": [0.0, 1.0, 2.0]})
    >>> sig = infer_signature(LinearRegression().fit(X, [0.0, 2.0, 4.0]), X)
    >>> [(c.name, c.type) for c in sig.outputs.columns]
    [('prediction', 'double')]

    Raises:
        ValidationFailed: there is no example and the model did not record its features, or the
            example is not a supported kind of data, or ``predict`` fails on it.
    """
    if input_example is None:
        inputs, outputs = _inputs_from_model(model), None
    else:
        inputs = infer_schema(input_example)
        outputs = _outputs(model, prepare(inputs, input_example))
    has_proba = callable(getattr(model, "predict_proba", None))
    methods = ("predict", "predict_proba") if has_proba else ("predict",)
    classes = getattr(model, "classes_", None)
    return Signature(
        inputs=inputs,
        outputs=outputs,
        classes=None if classes is None else tuple(_plain(classes)),
        methods=methods,
    )


def infer_schema(data: Any) -> Schema:
    """COLUMNS for tables (pandas, polars, pyarrow, dict of lists, list of records), TENSOR for arrays
    (NumPy, or a list of rows).

    >>> infer_schema({"a": [1.5, None], "b": ["x", "y"]}).columns
    (ColumnSpec(name='a', type='double', nullable=True), ColumnSpec(name='b', type='string', nullable=False))
    """
    if isinstance(data, np.ndarray):
        return Schema(IOKind.TENSOR, tensor=tensor_spec(data))
    if isinstance(data, (list, tuple)) and not (data and all(isinstance(r, Mapping) for r in data)):
        return Schema(IOKind.TENSOR, tensor=tensor_spec(np.asarray(data)))
    table = _table(data)
    columns = tuple(
        ColumnSpec(name=name, type=arrow_type_name(col.type, name), nullable=_has_nulls(col))
        for name, col in zip(table.column_names, table.columns, strict=True)
    )
    return Schema(IOKind.COLUMNS, columns=columns)


def tensor_spec(array: np.ndarray[Any, Any]) -> TensorSpec:
    """The dtype name and shape of ``array``, with a free first (row) dimension."""
    shape = (-1, *array.shape[1:]) if array.ndim else ()
    return TensorSpec(dtype=array.dtype.name, shape=tuple(int(d) for d in shape))


def arrow_type_name(dtype: pa.DataType, column: str = "") -> str:
    """The signature type of an Arrow type (double, float, long, integer, boolean, string, datetime, binary).

    >>> arrow_type_name(pa.dictionary(pa.int8(), pa.string()))
    'string'
    """
    if pa.types.is_dictionary(dtype):
        return arrow_type_name(dtype.value_type, column)
    if pa.types.is_floating(dtype):
        return "double" if dtype.bit_width == 64 else "float"
    if pa.types.is_integer(dtype):
        wide = dtype.bit_width == 64 or (pa.types.is_unsigned_integer(dtype) and dtype.bit_width == 32)
        return "long" if wide else "integer"
    for name, checks in _ARROW_KINDS:
        if any(check(dtype) for check in checks):
            return name
    raise ValidationFailed(
        f"input_example: column {column!r} has type {dtype}, which a signature cannot describe",
        field="input_example",
        hint="use numbers, booleans, strings, categories, datetimes or bytes",
    )


def numpy_type_name(dtype: np.dtype[Any]) -> str:
    """The signature type of a NumPy dtype (object and unicode arrays are strings)."""
    return arrow_type_name(pa.from_numpy_dtype(dtype)) if dtype.kind not in "OUT" else "string"


def _table(data: Any) -> pa.Table:
    try:
        if isinstance(data, pd.DataFrame):
            return pa.Table.from_pandas(data, preserve_index=False)
        if isinstance(data, Mapping):
            return pa.table({str(k): _column(v) for k, v in data.items()})
        if isinstance(data, list) and data and all(isinstance(r, Mapping) for r in data):
            return pa.Table.from_pylist(data)
        if type(data).__module__.split(".")[0] in {"pyarrow", "polars"}:
            return to_arrow(data, field="input_example")
    except (pa.ArrowInvalid, pa.ArrowTypeError) as err:
        message = f"input_example: cannot read its columns: {err}"
        raise ValidationFailed(message, field="input_example") from err
    raise ValidationFailed(
        f"input_example of type {type(data).__name__} is neither a table nor an array",
        field="input_example",
        hint=f"pass {SUPPORTED}",
    )


def _column(values: Any) -> Any:
    return values.to_numpy() if isinstance(values, pd.Series) else values


def _has_nulls(column: pa.ChunkedArray) -> bool:
    if column.null_count > 0:
        return True
    if pa.types.is_floating(column.type):
        return bool(pc.any(pc.is_nan(column)).as_py())
    return False


def _outputs(model: Any, example: Any) -> Schema:
    try:
        predictions = model.predict(example)
    except Exception as err:
        raise ValidationFailed(
            f"input_example: {type(model).__name__}.predict failed on it: {err}",
            field="input_example",
            hint="pass rows the model accepts",
        ) from err
    if hasattr(predictions, "columns"):
        return infer_schema(predictions)
    array = np.asarray(predictions)
    if array.ndim != 1:
        return Schema(IOKind.TENSOR, tensor=tensor_spec(array))
    nullable = bool(pd.isna(array).any())
    return Schema(IOKind.COLUMNS, columns=(ColumnSpec("prediction", numpy_type_name(array.dtype), nullable),))


def _inputs_from_model(model: Any) -> Schema:
    names = getattr(model, "feature_names_in_", None)
    if names is not None:
        return Schema(IOKind.COLUMNS, columns=tuple(ColumnSpec(str(n), "double") for n in names))
    count = getattr(model, "n_features_in_", None)
    if isinstance(count, (int, np.integer)):
        return Schema(IOKind.TENSOR, tensor=TensorSpec("float64", (-1, int(count))))
    raise ValidationFailed(
        f"cannot tell what {type(model).__name__} takes: it records no feature names or count",
        field="input_example",
        hint=_HINT,
    )


def _plain(value: Any) -> Any:
    """NumPy arrays and scalars as plain Python lists and values (JSON-ready)."""
    if isinstance(value, (np.ndarray, list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value
