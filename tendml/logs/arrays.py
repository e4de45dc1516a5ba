"""NumPy arrays of many batches to one Arrow array: one ``np.concatenate`` and one ``pa.array`` a column.

The pieces of a column (one per batch) that share a dtype are concatenated; a batch without the column
gives nulls. Pieces of different types (a new model version that changed a column) are unified: numbers
to the wider type, anything else to text. NaN becomes null, as in pandas.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from tendml.logs.encoding import json_text

#: An array of one batch, or the row count of a batch without this column (its rows are null).
Piece = np.ndarray | int
CONVERSION_ERRORS = (
    pa.ArrowInvalid,
    pa.ArrowTypeError,
    pa.ArrowNotImplementedError,
    OverflowError,
    TypeError,
    ValueError,
)


def column_array(pieces: Sequence[Piece]) -> pa.Array:
    """One Arrow array of the pieces in order; 2-D pieces give a list per row.

    >>> column_array([np.array([1.5, np.nan]), 1, np.array([2.0])]).to_pylist()
    [1.5, None, None, 2.0]
    >>> column_array([np.array([1]), np.array(["a"], dtype=object)]).to_pylist()
    ['1', 'a']
    >>> column_array([np.array([[0.2, 0.8]])]).type
    ListType(list<item: double>)
    """
    arrays = [_run_array(run) for run in _runs(pieces)]
    if not arrays:
        return pa.nulls(0)
    return arrays[0] if len(arrays) == 1 else _concat(arrays)


def value_array(values: Sequence[Any]) -> pa.Array:
    """An Arrow array typed from Python values (NaN -> null); text (JSON for non-strings) if they mix
    types.

    >>> value_array([1, 2.5, None]).type, value_array([1, "a", True]).to_pylist()
    (DataType(double), ['1', 'a', 'true'])
    """
    try:
        return pa.array(values, from_pandas=True)
    except CONVERSION_ERRORS:
        return _text_of(values)


def _runs(pieces: Sequence[Piece]) -> list[list[Piece]]:
    """The pieces cut where their type changes: a run concatenates without changing any value."""
    runs: list[list[Piece]] = []
    last: object = ()
    for piece in pieces:
        if isinstance(piece, np.ndarray):
            kind = piece.dtype.kind
            key: object = (kind if kind in "US" else piece.dtype, piece.shape[1:])
        else:
            key = None
        if key != last:
            runs.append([])
            last = key
        runs[-1].append(piece)
    return runs


def _run_array(run: list[Piece]) -> pa.Array:
    first = run[0]
    if not isinstance(first, np.ndarray):
        return pa.nulls(sum(int(count) for count in run))  # type: ignore[call-overload]
    array = first if len(run) == 1 else np.concatenate(run)  # type: ignore[arg-type]
    if not array.dtype.isnative:  # Arrow takes native byte order only
        array = array.astype(array.dtype.newbyteorder("="))
    if array.ndim == 1:
        return _flat_array(array)
    width = int(np.prod(array.shape[1:]))
    values = _flat_array(array.reshape(-1))
    if width == 0:  # Arrow has no fixed-size list of size 0
        return pa.array([[]] * len(array), type=pa.list_(values.type))
    return pa.FixedSizeListArray.from_arrays(values, width).cast(pa.list_(values.type))


def _flat_array(array: np.ndarray) -> pa.Array:
    try:
        return pa.array(array, from_pandas=True)
    except CONVERSION_ERRORS:
        # An object column holding several types (str and int, say): text.
        return _text_of(array.tolist())


def _concat(arrays: list[pa.Array]) -> pa.Array:
    """The arrays as one, of their common type: the same, wider numbers, or text."""
    types = {array.type for array in arrays} - {pa.null()}
    if not types:
        return pa.nulls(sum(len(array) for array in arrays))
    target = next(iter(types)) if len(types) == 1 else _common(types)
    try:
        return pa.concat_arrays([array.cast(target) for array in arrays])
    except CONVERSION_ERRORS:
        return pa.concat_arrays([_text(array) for array in arrays])


def _common(types: set[pa.DataType]) -> pa.DataType:
    if all(pa.types.is_integer(t) or pa.types.is_floating(t) for t in types):
        return pa.float64() if any(pa.types.is_floating(t) for t in types) else pa.int64()
    return pa.string()


def _text(array: pa.Array) -> pa.Array:
    if pa.types.is_null(array.type):
        return pa.nulls(len(array), pa.string())
    try:
        return pc.cast(array, pa.string())
    except CONVERSION_ERRORS:
        return _text_of(array.to_pylist())


def _text_of(values: Sequence[Any]) -> pa.Array:
    return pa.array([None if v is None else json_text(v) for v in values], type=pa.string())
