"""One column of a request, checked against its ColumnSpec and turned into a typed NumPy array.

JSON gives lists of Python values; the v2 binary extension and CSV give NumPy arrays. Both paths
end in the same dtype a type (double→float64, float→float32, long→int64, integer→int32,
boolean→bool, string→object of str, datetime→datetime64[us], binary→object of bytes).

A null is allowed only in a nullable column, and is kept as the column's missing value: NaN for
double and float, NaT for datetime, None for string, binary and boolean (an object array then),
and NaN in a float64 array for long and integer (as pandas does), since NumPy integers hold no
missing value. JSON has no binary type, so binary values given as text are base64, as in MLflow.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from functools import cache
from math import isnan
from typing import Any

import numpy as np
import numpy.typing as npt

from tendml.entities.models import ColumnSpec
from tendml.serving.protocols.errors import RequestError

Array = npt.NDArray[Any]
DTYPES: dict[str, np.dtype[Any]] = {
    "double": np.dtype(np.float64),
    "float": np.dtype(np.float32),
    "long": np.dtype(np.int64),
    "integer": np.dtype(np.int32),
    "boolean": np.dtype(np.bool_),
    "string": np.dtype(object),
    "datetime": np.dtype("datetime64[us]"),
    "binary": np.dtype(object),
}
NUMERIC = frozenset({"double", "float", "long", "integer"})
_NONE = type(None)
_JSON_TYPES = frozenset({_NONE, bool, int, float, str, list, dict})
_INTEGER_BOUNDS = {"long": (-(2**63), 2**63 - 1), "integer": (-(2**31), 2**31 - 1)}


def convert_column(spec: ColumnSpec, values: Sequence[Any] | Array) -> Array:
    """``values`` as a 1-D array of the column's dtype, or RequestError 422 naming the column."""
    if spec.type not in _LIST_CONVERTERS:
        raise RequestError(f"column {spec.name!r} has unknown type {spec.type!r}", field=spec.name)
    if isinstance(values, np.ndarray):
        if values.ndim != 1:
            raise _not_a_list(spec, f"an array of shape {list(values.shape)}")
        if values.dtype.kind != "O":
            return _ARRAY_CONVERTERS[spec.type](spec, values)
        return _LIST_CONVERTERS[spec.type](spec, values.tolist())
    if not isinstance(values, (list, tuple)):
        raise _not_a_list(spec, describe(values))
    return _LIST_CONVERTERS[spec.type](spec, values)


def _not_a_list(spec: ColumnSpec, got: str) -> RequestError:
    return RequestError(
        f"column {spec.name!r}: expected a list of values, got {got}",
        field=spec.name,
        hint="send one value a row",
    )


def describe(value: Any) -> str:
    """A value as an error message shows it: its JSON kind in signature words, then the value.

    >>> describe("abc"), describe(True), describe(1.5), describe(None), describe([1])
    ('string "abc"', 'boolean true', 'double 1.5', 'null', 'array')
    """
    if isinstance(value, np.generic):
        value = value.item()
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"boolean {str(value).lower()}"
    if isinstance(value, int):
        return f"long {value}" if abs(value) < 10**30 else "long of more than 30 digits"
    if isinstance(value, float):
        return "NaN" if isnan(value) else f"double {value!r}"
    if isinstance(value, str):
        text = value if len(value) <= 40 else value[:37] + "..."
        return f"string {_quoted(text)}"
    if isinstance(value, (bytes, bytearray)):
        return f"binary of {len(value)} bytes"
    if isinstance(value, datetime):
        return f"datetime {value.isoformat()}"
    if isinstance(value, (list, tuple)):
        return "array"
    return "object" if isinstance(value, dict) else type(value).__name__


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _error(spec: ColumnSpec, got: str, row: int | None = None) -> RequestError:
    where = "" if row is None else f" at row {row}"
    expected = f"{spec.type} (not nullable)" if got in ("null", "NaN") else spec.type
    return RequestError(
        f"column {spec.name!r}: expected {expected}, got {got}{where}",
        field=spec.name,
        hint=f"send {spec.type} values{' or null' if spec.nullable else ''}; rows count from 0",
    )


def _first(values: Sequence[Any], bad: Callable[[Any], bool]) -> int:
    return next((i for i, v in enumerate(values) if bad(v)), 0)


def _bad_type(spec: ColumnSpec, values: Sequence[Any], allowed: frozenset[type[Any]]) -> RequestError:
    """The error for the first value whose type is not allowed (a null when not nullable)."""
    row = _first(values, lambda v: type(v) not in allowed or (v is None and not spec.nullable))
    return _error(spec, describe(values[row]), row)


def _allowed(spec: ColumnSpec, *types: type[Any]) -> frozenset[type[Any]]:
    """The Python types a column takes from JSON: ``types``, and None when it is nullable."""
    return _type_set(spec.nullable, types)


@cache
def _type_set(nullable: bool, types: tuple[type[Any], ...]) -> frozenset[type[Any]]:
    return frozenset((*types, _NONE)) if nullable else frozenset(types)


def _plain(values: Sequence[Any]) -> list[Any]:
    """NumPy scalars as Python values, so a list built in Python checks like one from JSON."""
    return [v.item() if isinstance(v, np.generic) else v for v in values]


def _types(values: Sequence[Any]) -> set[type]:
    """The Python types of the values (of the Python value a NumPy scalar holds)."""
    types = set(map(type, values))
    if types <= _JSON_TYPES or not any(issubclass(t, np.generic) for t in types):
        return types
    return set(map(type, _plain(values)))


def _floats(spec: ColumnSpec, values: Sequence[Any]) -> Array:
    types = _types(values)
    allowed = _allowed(spec, int, float)
    if not types <= allowed:
        raise _bad_type(spec, _plain(values), allowed)
    return _floats_from_array(spec, _float64(spec, values))


def _float64(spec: ColumnSpec, values: Sequence[Any]) -> Array:
    """Numbers (None as NaN) as float64; an integer beyond float64 is refused."""
    try:
        return np.array(values, dtype=np.float64)
    except OverflowError:
        row = _first(values, _beyond_float64)
        raise _error(spec, "a number out of range", row) from None


def _beyond_float64(value: Any) -> bool:
    try:
        float(value if value is not None else 0.0)
    except OverflowError:
        return True
    return False


def _floats_from_array(spec: ColumnSpec, array: Array) -> Array:
    if array.dtype.kind not in "fiu":
        raise _error(spec, describe(array[0]) if array.size else str(array.dtype), 0)
    if not spec.nullable and array.dtype.kind == "f":
        row = _first_nan(array)
        if row is not None:
            raise _error(spec, "NaN", row)
    if spec.type == "float" and array.dtype.itemsize > 4 and array.dtype.kind == "f":
        row = _first_beyond_float32(array)
        if row is not None:
            raise _error(spec, f"{describe(array[row])}, out of the range of float", row)
    dtype = DTYPES[spec.type]
    return array if array.dtype == dtype else array.astype(dtype)


# Below this many values, Python loops beat NumPy's fixed cost per call (about 1 µs a reduction):
# a request of one row checks each column in well under a microsecond.
_SMALL = 32
_FLOAT32_MAX = float(np.finfo(np.float32).max)


def _first_nan(array: Array) -> int | None:
    if array.size <= _SMALL:
        return next((i for i, v in enumerate(array.tolist()) if isnan(v)), None)
    if not np.isnan(array.min()):  # min is NaN when any value is: one pass, no temporary array
        return None
    return int(np.argmax(np.isnan(array)))


def _first_beyond_float32(array: Array) -> int | None:
    """The first finite value that float32 cannot hold (it would become inf)."""
    if array.size <= _SMALL:
        values = array.tolist()
        return next((i for i, v in enumerate(values) if _FLOAT32_MAX < abs(v) < np.inf), None)
    beyond = (np.abs(array) > _FLOAT32_MAX) & np.isfinite(array)
    return int(np.argmax(beyond)) if beyond.any() else None


def _integers(spec: ColumnSpec, values: Sequence[Any]) -> Array:
    types = _types(values)
    allowed = _allowed(spec, int, float)
    if not types <= allowed:
        raise _bad_type(spec, _plain(values), allowed)
    if types == {int}:
        try:
            array = np.array(values, dtype=np.int64)
        except OverflowError:
            row = _first(values, lambda v: not -(2**63) <= v < 2**63)
            raise _error(spec, "a number out of range", row) from None
        return array if spec.type == "long" else _integers_from_array(spec, array)
    values = _plain(values)
    if _NONE in types and float not in types:
        _check_exact_beside_nulls(spec, values)
    return _integers_from_array(spec, _float64(spec, values))


def _check_exact_beside_nulls(spec: ColumnSpec, values: list[Any]) -> None:
    """Integers beside a null become float64 (NumPy integers hold no null), exact only to 2**53."""
    row = _first(values, lambda v: v is not None and abs(v) > 2**53)
    if values[row] is not None and abs(values[row]) > 2**53:
        raise _error(spec, f"{describe(values[row])}, beyond 2**53 beside a null (then held as float64)", row)


def _integers_from_array(spec: ColumnSpec, array: Array) -> Array:
    dtype = DTYPES[spec.type]
    kind = array.dtype.kind
    if kind not in "fiu":
        raise _error(spec, describe(array[0]) if array.size else str(array.dtype), 0)
    if kind == "f":
        missing = np.isnan(array)
        whole = missing | (np.isfinite(array) & (np.trunc(array) == array))
        if not whole.all():
            row = int(np.argmin(whole))
            raise _error(spec, describe(float(array[row])), row)
        if missing.any():
            if not spec.nullable:
                raise _error(spec, "null", int(np.argmax(missing)))
            _check_range(spec, array[~missing], dtype)
            return array.astype(np.float64, copy=False)
    _check_range(spec, array, dtype)
    return array if array.dtype == dtype else array.astype(dtype)


def _check_range(spec: ColumnSpec, array: Array, dtype: np.dtype[Any]) -> None:
    if not array.size or np.can_cast(array.dtype, dtype, "safe"):
        return
    minimum, maximum = _INTEGER_BOUNDS[spec.type]
    # compare as Python values: the float64 bounds of int64 are off by one
    if array.size <= _SMALL:
        values = array.tolist()
        low, high = min(values), max(values)
    else:
        low, high = array.min().item(), array.max().item()
    if low < minimum or high > maximum:
        value = low if low < minimum else high
        row = int(np.argmin(array) if value == low else np.argmax(array))
        raise _error(spec, f"{describe(value)}, out of the range of {spec.type}", row)


def _booleans(spec: ColumnSpec, values: Sequence[Any]) -> Array:
    types = _types(values)
    allowed = _allowed(spec, bool)
    if not types <= allowed:
        raise _bad_type(spec, _plain(values), allowed)
    if _NONE in types:
        return _objects(_plain(values))
    return np.array(values, dtype=np.bool_)


def _booleans_from_array(spec: ColumnSpec, array: Array) -> Array:
    if array.dtype.kind != "b":
        raise _error(spec, describe(array[0]) if array.size else str(array.dtype), 0)
    return array


def _objects(values: Sequence[Any]) -> Array:
    array = np.empty(len(values), dtype=object)
    array[:] = values
    return array


def _strings(spec: ColumnSpec, values: Sequence[Any]) -> Array:
    types = _types(values)
    allowed = _allowed(spec, str, bytes)
    if not types <= allowed:
        raise _bad_type(spec, _plain(values), allowed)
    if bytes in types:
        values = [_text(spec, v, i) if isinstance(v, bytes) else v for i, v in enumerate(values)]
    return _objects(values)


def _text(spec: ColumnSpec, value: bytes, row: int) -> str:
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        raise _error(spec, "bytes that are not UTF-8 text", row) from None


def _strings_from_array(spec: ColumnSpec, array: Array) -> Array:
    if array.dtype.kind not in "US":
        raise _error(spec, describe(array[0]) if array.size else str(array.dtype), 0)
    return _strings(spec, array.tolist())


def _binaries(spec: ColumnSpec, values: Sequence[Any]) -> Array:
    types = _types(values)
    allowed = _allowed(spec, str, bytes)
    if not types <= allowed:
        raise _bad_type(spec, _plain(values), allowed)
    if str in types:
        values = [_unbase64(spec, v, i) if isinstance(v, str) else v for i, v in enumerate(values)]
    return _objects(values)


def _unbase64(spec: ColumnSpec, value: str, row: int) -> bytes:
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise _error(spec, f"{describe(value)}, which is not base64", row) from None


def _binaries_from_array(spec: ColumnSpec, array: Array) -> Array:
    if array.dtype.kind not in "US":
        raise _error(spec, describe(array[0]) if array.size else str(array.dtype), 0)
    return _binaries(spec, array.tolist())


def _datetimes(spec: ColumnSpec, values: Sequence[Any]) -> Array:
    values = _plain(values)
    allowed = _allowed(spec, str, bytes, datetime)
    if not _types(values) <= allowed:
        raise _bad_type(spec, values, allowed)
    values = [_text(spec, v, i) if isinstance(v, bytes) else v for i, v in enumerate(values)]
    moments = [None if v is None else _moment(spec, v, i) for i, v in enumerate(values)]
    return np.array(["NaT" if m is None else m for m in moments], dtype=DTYPES["datetime"])


def _moment(spec: ColumnSpec, value: str | datetime, row: int) -> datetime:
    """A naive UTC datetime from ISO 8601 text or a datetime (aware ones are converted to UTC)."""
    try:
        moment = datetime.fromisoformat(value) if isinstance(value, str) else value
        return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment
    except ValueError:
        raise _error(spec, f"{describe(value)}, which is not an ISO 8601 date and time", row) from None
    except OverflowError:  # in UTC it falls before year 1 or after 9999
        raise _error(spec, f"{describe(value)}, out of the range of datetime", row) from None


def _datetimes_from_array(spec: ColumnSpec, array: Array) -> Array:
    if array.dtype.kind == "M":
        converted = array.astype(DTYPES["datetime"])
        if not spec.nullable and np.isnat(converted).any():
            raise _error(spec, "null", int(np.argmax(np.isnat(converted))))
        return converted
    if array.dtype.kind in "US":
        return _datetimes(spec, array.tolist())
    raise _error(spec, describe(array[0]) if array.size else str(array.dtype), 0)


_LIST_CONVERTERS: dict[str, Callable[[ColumnSpec, Sequence[Any]], Array]] = {
    "double": _floats,
    "float": _floats,
    "long": _integers,
    "integer": _integers,
    "boolean": _booleans,
    "string": _strings,
    "datetime": _datetimes,
    "binary": _binaries,
}
_ARRAY_CONVERTERS: dict[str, Callable[[ColumnSpec, Array], Array]] = {
    "double": _floats_from_array,
    "float": _floats_from_array,
    "long": _integers_from_array,
    "integer": _integers_from_array,
    "boolean": _booleans_from_array,
    "string": _strings_from_array,
    "datetime": _datetimes_from_array,
    "binary": _binaries_from_array,
}
