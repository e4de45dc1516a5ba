"""Request data checked against a model's signature, whatever protocol it came in.

Every decoder ends here, so the rules are one set: exactly the signature's columns, each of its
type (a string in a numeric column, a fraction in an integer column or a boolean where a number is
expected are refused, never coerced), nulls only where the column is nullable, every column of
one length, and at most ``max_rows`` rows (413 beyond). A tensor takes only value-preserving
casts: integers to floats, floats to narrower floats (JSON has only float64), whole floats to
integers and integers to narrower integers when every value fits.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import chain
from operator import itemgetter
from typing import Any

import numpy as np
import numpy.typing as npt

from tendml.core.columns import PackedColumns
from tendml.entities.models import IOKind, Signature, TensorSpec
from tendml.serving.protocols._columns import NUMERIC, convert_column, describe
from tendml.serving.protocols.errors import TOO_LARGE, RequestError

MAX_ROWS = 100_000
"""The default limit of rows in one request."""

Array = npt.NDArray[Any]


@dataclass(frozen=True, slots=True)
class Inputs:
    """Validated model input: the signature's columns in its order, or one tensor.

    Attributes:
        columns: for a COLUMNS signature, each column as a 1-D array of ``rows`` values with the
            dtype of its type (double→float64, float→float32, long→int64, integer→int32,
            boolean→bool, string→object of str, datetime→datetime64[us], binary→object of bytes).
        tensor: for a TENSOR signature, an array of shape ``(rows, *shape[1:])`` and its dtype.
        rows: the number of rows.
        matrix: when every column is double and the request gave them as rows of numbers, the
            columns as one float64 array ``(rows, columns)`` (``columns`` are then its views, a
            :class:`~tendml.core.columns.PackedColumns`); the model and the log take it whole.

    Two Inputs are equal when they hold the same arrays (same dtype, shape and values, NaN
    equal to NaN).
    """

    columns: Mapping[str, Array] | None
    tensor: Array | None
    rows: int
    matrix: Array | None = None

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Inputs):
            return NotImplemented
        if self.rows != other.rows or (self.columns is None) != (other.columns is None):
            return False
        if self.tensor is None or other.tensor is None:
            same_tensor = self.tensor is None and other.tensor is None
        else:
            same_tensor = _same(self.tensor, other.tensor)
        mine, theirs = self.columns or {}, other.columns or {}
        return same_tensor and list(mine) == list(theirs) and all(_same(mine[k], theirs[k]) for k in mine)

    __hash__ = None  # type: ignore[assignment]  # arrays are mutable


def _same(a: Array, b: Array) -> bool:
    if a.dtype != b.dtype or a.shape != b.shape:
        return False
    if a.dtype.kind in "fcmM":
        return bool(np.array_equal(a, b, equal_nan=True))
    return bool(a.tolist() == b.tolist())


def check_rows(rows: int, max_rows: int) -> None:
    """RequestError 413 when ``rows`` is over the limit, 422 when there are none.

    >>> try:
    ...     check_rows(3, 2)
    ... except RequestError as err:
    ...     print(err.status, err.message)
    413 request has 3 rows, more than the limit of 2
    """
    if rows > max_rows:
        raise RequestError(
            f"request has {rows} rows, more than the limit of {max_rows}",
            status=TOO_LARGE,
            hint=f"split it into requests of at most {max_rows} rows",
        )
    if rows < 1:
        raise RequestError("request has no rows", hint="send at least one row to predict")


def validate_columns(
    signature: Signature,
    columns: Mapping[str, Sequence[Any] | Array],
    *,
    max_rows: int = MAX_ROWS,
) -> Inputs:
    """The columns as the model takes them, or RequestError 422 naming the faulty column.

    >>> from tendml.entities.models import ColumnSpec, Schema
    >>> sig = Signature(Schema(IOKind.COLUMNS, (ColumnSpec("age", "long"), ColumnSpec("name", "string"))))
    >>> validate_columns(sig, {"name": ["a", "b"], "age": [41, 7]}).columns["age"]
    array([41,  7])
    >>> try:
    ...     validate_columns(sig, {"name": ["a", "b"], "age": [41, "7"]})
    ... except RequestError as err:
    ...     print(err.status, err.field, err.message)
    422 age column 'age': expected long, got string "7" at row 1
    """
    specs = _column_specs(signature)
    if not isinstance(columns, Mapping):
        raise RequestError(f"expected columns by name, got {describe(columns)}", field=None)
    _check_names(list(columns), [s.name for s in specs])
    rows = _equal_lengths(columns)
    check_rows(rows, max_rows)
    converted = {spec.name: convert_column(spec, columns[spec.name]) for spec in specs}
    return Inputs(columns=converted, tensor=None, rows=rows)


def validate_rows(
    signature: Signature, rows: Sequence[Mapping[str, Any]], *, max_rows: int = MAX_ROWS
) -> Inputs:
    """Records (one mapping of column to value a row) as validated columns.

    >>> from tendml.entities.models import ColumnSpec, Schema
    >>> sig = Signature(Schema(IOKind.COLUMNS, (ColumnSpec("x", "double"),)))
    >>> validate_rows(sig, [{"x": 1}, {"x": 2.5}]).columns
    {'x': array([1. , 2.5])}
    """
    specs = _column_specs(signature)
    names = [s.name for s in specs]
    if not isinstance(rows, (list, tuple)):
        raise RequestError(f"expected a list of records, got {describe(rows)}")
    check_rows(len(rows), max_rows)
    expected = dict.fromkeys(names).keys()
    # the common case in C loops: plain dicts, each with exactly the columns
    if set(map(type, rows)) != {dict} or not all(map(expected.__eq__, map(dict.keys, rows))):
        _check_records(rows, names)
    values = list(map(itemgetter(*names), rows))
    fast = float_rows(signature, values) if len(names) > 1 else None
    if fast is not None:
        return fast
    if len(names) == 1:
        return validate_columns(signature, {names[0]: values}, max_rows=max_rows)
    columns = dict(zip(names, map(list, zip(*values, strict=True)), strict=True))
    return validate_columns(signature, columns, max_rows=max_rows)


_FLOAT_TYPES = frozenset({"double", "float"})
_PLAIN_NUMBERS = frozenset({float, int})


def float_rows(
    signature: Signature, rows: Sequence[Sequence[Any]], *, names: list[str] | None = None
) -> Inputs | None:
    """The fast path for the common case: every column is double or float and every value a plain
    JSON number. One type scan and one array conversion, instead of one per column; None when the
    rows need the general, per-column path (a null, a string, a bool, a short row, …), which also
    words the error. ``names``, when given, are the request's column names, in the row order: other
    names or another order also take the general path.

    >>> from tendml.entities.models import ColumnSpec, Schema
    >>> sig = Signature(Schema(IOKind.COLUMNS, (ColumnSpec("a", "double"), ColumnSpec("b", "float"))))
    >>> float_rows(sig, [[1, 2.5], [3.0, 4]]).columns["b"]
    array([2.5, 4. ], dtype=float32)
    >>> float_rows(sig, [[1, True]]) is None
    True
    """
    plan = _float_plan(signature)
    if plan is None or not rows:
        return None
    order, narrow = plan
    if names is not None and names != order:
        return None
    if not set(map(type, chain.from_iterable(rows))) <= _PLAIN_NUMBERS:
        return None
    try:
        matrix = np.array(rows, dtype=np.float64)
    except (ValueError, OverflowError):
        return None
    if matrix.ndim != 2 or matrix.shape[1] != len(order) or not np.isfinite(matrix).all():
        return None
    if not narrow:  # every column a double: the matrix itself, a column is a view when asked for
        return Inputs(PackedColumns(names_of(order), matrix.T), tensor=None, rows=len(matrix), matrix=matrix)
    columns = dict(zip(order, matrix.T, strict=True))  # views, one per column, made in C
    for name in narrow:
        column = columns[name].astype(np.float32)
        if not np.isfinite(column).all():
            return None  # a double beyond float32's range: the general path words the error
        columns[name] = column
    return Inputs(columns=columns, tensor=None, rows=matrix.shape[0])


# Per signature: (column names, the float32 columns) when every column is double or float, else None.
_FLOAT_PLANS: dict[int, tuple[Signature, tuple[list[str], tuple[str, ...]] | None]] = {}
_NAMES: dict[int, tuple[list[str], tuple[str, ...]]] = {}


def names_of(order: list[str]) -> tuple[str, ...]:
    """``order`` as a tuple, made once per list of names (the plans' lists live as long as the cache)."""
    found = _NAMES.get(id(order))
    if found is None or found[0] is not order:
        found = _NAMES[id(order)] = (order, tuple(order))
    return found[1]


def _float_plan(signature: Signature) -> tuple[list[str], tuple[str, ...]] | None:
    found = _FLOAT_PLANS.get(id(signature))
    if found is not None and found[0] is signature:
        return found[1]
    specs = _column_specs(signature)
    plan = None
    if all(s.type in _FLOAT_TYPES for s in specs):
        plan = ([s.name for s in specs], tuple(s.name for s in specs if s.type == "float"))
    if len(_FLOAT_PLANS) > 1024:  # signatures are few; bound the cache anyway
        _FLOAT_PLANS.clear()
        _NAMES.clear()
    _FLOAT_PLANS[id(signature)] = (signature, plan)
    return plan


def _check_records(rows: Sequence[Any], names: list[str]) -> None:
    """RequestError 422 for the first record that is not a mapping of exactly ``names``."""
    expected = set(names)
    for i, record in enumerate(rows):
        if not isinstance(record, Mapping):
            raise RequestError(f"record {i}: expected an object of columns, got {describe(record)}")
        if record.keys() != expected:
            _check_names(list(record), names, where=f"record {i}: ")


def validate_tensor(
    signature: Signature, array: Array, *, name: str = "tensor", max_rows: int = MAX_ROWS
) -> Inputs:
    """An array checked against a TENSOR signature's shape and dtype (value-preserving casts).

    A COLUMNS signature whose columns are all numeric takes a 2-D array too, one column per
    signature column in its order (as a Triton client sends one tensor), and a one-column
    signature of any type a 1-D array. ``name`` is the field errors name.

    >>> from tendml.entities.models import Schema
    >>> sig = Signature(Schema(IOKind.TENSOR, tensor=TensorSpec("float32", (-1, 2))))
    >>> validate_tensor(sig, np.array([[1, 2]])).tensor
    array([[1., 2.]], dtype=float32)
    """
    if not isinstance(array, np.ndarray):
        raise RequestError(f"{name}: expected an array, got {describe(array)}", field=name)
    if signature.inputs.kind is IOKind.COLUMNS:
        return _columns_of_array(signature, array, name, max_rows)
    spec = signature.inputs.tensor
    if spec is None:
        raise RequestError("the signature's tensor has no spec", field=name)
    _check_shape(spec, array, name)
    check_rows(int(array.shape[0]), max_rows)
    return Inputs(
        columns=None, tensor=cast_tensor(array, tensor_dtype(spec.dtype), name), rows=int(array.shape[0])
    )


def tensor_dtype(name: str) -> np.dtype[Any]:
    """The NumPy dtype a TensorSpec names; ``str96``-like names (``dtype.name`` of a unicode array,
    which ``np.dtype`` does not parse back) are strings, and unknown names objects.

    >>> tensor_dtype("float32"), tensor_dtype("str96"), tensor_dtype("bytes8")
    (dtype('float32'), dtype('<U'), dtype('S'))
    """
    try:
        return np.dtype(name)
    except TypeError:
        for prefix, kind in (("str", np.str_), ("bytes", np.bytes_)):
            if name.startswith(prefix):
                return np.dtype(kind)
        return np.dtype(object)


def _columns_of_array(signature: Signature, array: Array, name: str, max_rows: int) -> Inputs:
    specs = signature.inputs.columns
    if array.ndim == 1 and len(specs) == 1:
        return validate_columns(signature, {specs[0].name: array}, max_rows=max_rows)
    if not all(s.type in NUMERIC for s in specs):
        kinds = ", ".join(f"{s.name} ({s.type})" for s in specs)
        raise RequestError(
            f"{name}: a single array fits only numeric columns, and the model takes {kinds}",
            field=name,
            hint="send one input per column, or records",
        )
    if array.ndim != 2 or array.shape[1] != len(specs):
        raise RequestError(
            f"{name}: expected shape [rows, {len(specs)}], got {list(array.shape)}",
            field=name,
            hint=f"one column per signature column, in order: {', '.join(s.name for s in specs)}",
        )
    if array.dtype.kind not in "fiu":
        raise RequestError(f"{name}: expected numbers, got {_kind_name(array)}", field=name)
    columns = {spec.name: array[:, j] for j, spec in enumerate(specs)}
    return validate_columns(signature, columns, max_rows=max_rows)


def _check_shape(spec: TensorSpec, array: Array, name: str) -> None:
    expected = list(spec.shape)
    fits = array.ndim == len(expected) and array.ndim >= 1
    fits = fits and all(e in (-1, a) for e, a in zip(expected[1:], array.shape[1:], strict=True))
    if not fits:
        raise RequestError(
            f"{name}: expected shape {expected} (-1 is any size), got {list(array.shape)}",
            field=name,
            hint="the first dimension counts rows",
        )


def cast_tensor(array: Array, dtype: np.dtype[Any], name: str) -> Array:
    """``array`` as ``dtype`` when no value changes (floats may round to a narrower float)."""
    have = array.dtype
    if have == dtype:
        return array
    if dtype.kind in "OUS":
        if have.kind not in "OUS":
            raise _cast_error(name, array, dtype)
        return array.astype(dtype)
    if have.kind == "b" or dtype.kind == "b" or have.kind not in "fiu" or dtype.kind not in "fiu":
        raise _cast_error(name, array, dtype)
    if dtype.kind == "f":
        with np.errstate(over="ignore"):
            return array.astype(dtype)
    if have.kind == "f" and not bool(np.all(np.isfinite(array) & (np.trunc(array) == array))):
        raise _cast_error(name, array, dtype, "values with a fraction or NaN")
    info = np.iinfo(dtype)
    if array.size and (array.min().item() < info.min or array.max().item() > info.max):
        raise _cast_error(name, array, dtype, "values out of its range")
    return array.astype(dtype)


def _cast_error(name: str, array: Array, dtype: np.dtype[Any], why: str = "") -> RequestError:
    detail = f" ({why})" if why else ""
    return RequestError(
        f"{name}: expected {dtype.name} values, got {_kind_name(array)}{detail}",
        field=name,
        hint="send values that convert to the signature's dtype without change",
    )


def _kind_name(array: Array) -> str:
    names = {"b": "booleans", "O": "objects", "U": "strings", "S": "bytes", "M": "datetimes"}
    return names.get(array.dtype.kind, array.dtype.name)


def nested_array(data: Any, name: str) -> Array:
    """Nested JSON lists as one rectangular array, typed strictly by their leaves.

    Leaves must all be numbers (int64, or float64 if any is a float; null is NaN), all booleans or
    all strings; anything else, or ragged lists, is RequestError 422.

    >>> nested_array([[1, 2], [3, 4.5]], "x")
    array([[1. , 2. ],
           [3. , 4.5]])
    """
    shape: list[int] = []
    level: list[Any] = [data]
    while level and all(isinstance(v, list) for v in level):
        lengths = {len(v) for v in level}
        if len(lengths) != 1 or len(shape) >= 32:
            raise RequestError(f"{name}: expected a rectangular array of at most 32 dimensions", field=name)
        shape.append(lengths.pop())
        level = list(chain.from_iterable(level))
    if any(isinstance(v, list) for v in level) or not shape:
        got = "ragged lists" if shape else describe(data)
        raise RequestError(f"{name}: expected a rectangular array, got {got}", field=name)
    return _typed_leaves(level, name).reshape(shape)


def _typed_leaves(leaves: list[Any], name: str) -> Array:
    types = set(map(type, leaves))
    if types <= {int}:
        try:
            return np.array(leaves, dtype=np.int64)
        except OverflowError:
            pass  # beyond int64: float64 below keeps the magnitude, the cast check refuses it
    if types <= {int, float, type(None)}:
        try:
            return np.array(leaves, dtype=np.float64)
        except OverflowError:
            raise RequestError(f"{name}: a number is out of range", field=name) from None
    for kinds, dtype in (({bool}, np.bool_), ({str}, object)):
        if types <= kinds:
            return np.array(leaves, dtype=dtype)
    kinds_seen = sorted({describe(v).split(" ")[0] for v in leaves})
    raise RequestError(
        f"{name}: expected numbers, booleans or strings of one kind, got {' and '.join(kinds_seen)}",
        field=name,
    )


def _column_specs(signature: Signature) -> tuple[Any, ...]:
    specs = signature.inputs.columns
    if signature.inputs.kind is not IOKind.COLUMNS or not specs:
        raise RequestError(
            "the model takes a tensor, not named columns",
            field=None,
            hint="send an array (v2: one tensor; MLflow: instances or inputs as nested lists)",
        )
    return specs


def _check_names(given: Sequence[str], names: Sequence[str], where: str = "") -> None:
    have, want = set(given), set(names)
    missing = [n for n in names if n not in have]
    if missing:
        raise RequestError(
            f"{where}missing column {missing[0]!r}", field=missing[0], hint=f"the model takes {list(names)}"
        )
    unknown = [n for n in given if n not in want]
    if unknown:
        raise RequestError(
            f"{where}unknown column {unknown[0]!r}",
            field=str(unknown[0]),
            hint=f"the model takes {list(names)}",
        )


def _equal_lengths(columns: Mapping[str, Any]) -> int:
    """The common length of the columns; the odd one out is named (against the most common length)."""
    lengths = {}
    for name, values in columns.items():
        if not isinstance(values, (list, tuple, np.ndarray)):
            raise RequestError(
                f"column {name!r}: expected a list of values, got {describe(values)}",
                field=name,
                hint="send one value a row",
            )
        lengths[name] = len(values)
    distinct = set(lengths.values())
    if len(distinct) == 1:
        return distinct.pop()
    rows = Counter(lengths.values()).most_common(1)[0][0]
    for name, length in lengths.items():
        if length != rows:
            raise RequestError(
                f"column {name!r}: expected {rows} values (as the other columns), got {length}",
                field=name,
                hint="every column holds one value a row",
            )
    return rows
