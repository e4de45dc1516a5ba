"""Turn prediction input in any common form into what the model was built on.

A COLUMNS signature gives a pandas DataFrame with the signature's columns in its order; a TENSOR
signature gives a NumPy array of its dtype and shape.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from tendml.core.errors import ValidationFailed
from tendml.entities.models import IOKind, Schema, TensorSpec

SUPPORTED = (
    "a pandas or polars DataFrame, a dict of columns, a list of record dicts, "
    "a pyarrow Table or a NumPy array"
)


def prepare(schema: Schema, data: Any) -> Any:
    """``data`` as the model takes it: a DataFrame for COLUMNS, an array for TENSOR.

    >>> from tendml.entities.models import ColumnSpec, IOKind, Schema
    >>> schema = Schema(IOKind.COLUMNS, (ColumnSpec("a", "long"), ColumnSpec("b", "long")))
    >>> prepare(schema, [{"b": 2, "a": 1}]).columns.tolist()
    ['a', 'b']
    """
    if schema.kind is IOKind.COLUMNS:
        return to_frame(data, schema.names)
    if schema.tensor is None:
        raise ValidationFailed("tensor signature without a tensor spec", field="signature")
    return to_array(data, schema.tensor)


def to_frame(data: Any, names: Sequence[str]) -> pd.DataFrame:
    """A DataFrame holding exactly ``names``, in that order.

    Raises:
        ValidationFailed: a column is missing or ``data`` is not a supported kind of table.
    """
    if isinstance(data, pd.DataFrame):
        _check_columns([str(c) for c in data.columns], names)
        return data if list(data.columns) == list(names) else data[list(names)]
    if isinstance(data, np.ndarray):
        if data.ndim != 2 or data.shape[1] != len(names):
            raise ValidationFailed(
                f"data: expected an array of shape (n, {len(names)}), got {data.shape}",
                field="data",
                hint=f"columns are {list(names)}",
            )
        return pd.DataFrame(data, columns=list(names))
    if isinstance(data, Mapping) and not any(_is_listlike(v) for v in data.values()):
        data = [data]  # one record given as a dict of scalars
    frame = _frame_of(data)
    _check_columns([str(c) for c in frame.columns], names)
    return frame[list(names)]


def to_array(data: Any, tensor: TensorSpec) -> np.ndarray[Any, Any]:
    """A NumPy array of the signature's dtype, checked against its shape (-1 is any size).

    Raises:
        ValidationFailed: the data cannot be cast to the dtype or has another shape.
    """
    array = _array_of(data)
    if array.dtype.name != tensor.dtype:
        try:
            array = array.astype(tensor.dtype)
        except (TypeError, ValueError) as err:
            raise ValidationFailed(
                f"data: cannot convert {array.dtype} to {tensor.dtype}: {err}", field="data"
            ) from err
    expected = tensor.shape
    fits = len(expected) == array.ndim and all(
        e in (-1, a) for e, a in zip(expected, array.shape, strict=False)
    )
    if not fits:
        raise ValidationFailed(
            f"data: expected shape {expected} (-1 is any size), got {array.shape}", field="data"
        )
    return array


def _frame_of(data: Any) -> pd.DataFrame:
    module = type(data).__module__.split(".")[0]
    if module == "pyarrow" and hasattr(data, "to_pandas"):
        return data.to_pandas()  # type: ignore[no-any-return]
    if module == "polars" and hasattr(data, "to_pandas"):
        return data.to_pandas()  # type: ignore[no-any-return]
    if isinstance(data, Mapping) or (isinstance(data, list) and all(isinstance(r, Mapping) for r in data)):
        try:
            return pd.DataFrame(data)
        except ValueError as err:
            message = f"data: not a table: {err}"
            raise ValidationFailed(message, field="data", hint=f"pass {SUPPORTED}") from err
    raise ValidationFailed(
        f"data of type {type(data).__name__} is not a table", field="data", hint=f"pass {SUPPORTED}"
    )


def _array_of(data: Any) -> np.ndarray[Any, Any]:
    if isinstance(data, np.ndarray):
        return data
    if isinstance(data, Mapping):
        return np.column_stack([np.asarray(v) for v in data.values()])
    if isinstance(data, list) and data and all(isinstance(r, Mapping) for r in data):
        return pd.DataFrame(data).to_numpy()
    if type(data).__module__.split(".")[0] == "pyarrow" and hasattr(data, "to_pandas"):
        return np.asarray(data.to_pandas())
    if isinstance(data, (pd.DataFrame, list, tuple)) or hasattr(data, "to_numpy"):
        return np.asarray(data)
    raise ValidationFailed(
        f"data of type {type(data).__name__} is not an array", field="data", hint=f"pass {SUPPORTED}"
    )


def _check_columns(present: Sequence[str], names: Sequence[str]) -> None:
    have = set(present)
    missing = [n for n in names if n not in have]
    if missing:
        raise ValidationFailed(
            f"data: missing columns {missing}", field="data", hint=f"the model takes columns {list(names)}"
        )


def _is_listlike(value: Any) -> bool:
    return isinstance(value, (list, tuple, np.ndarray, pd.Series)) or hasattr(value, "to_numpy")
