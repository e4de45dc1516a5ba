"""Tensors of the Open Inference Protocol v2: datatypes, JSON data and the binary tensor extension.

Binary data is little-endian, row-major, without padding; a BOOL is one byte (0 or 1) and a BYTES
element is a 4-byte little-endian length followed by that many bytes
(https://kserve.github.io/website/latest/modelserving/data_plane/binary_tensor_data_extension/).
"""

from __future__ import annotations

import math
import struct
from itertools import chain
from typing import Any

import numpy as np
import numpy.typing as npt

from tendml.serving.protocols._columns import describe
from tendml.serving.protocols.errors import MALFORMED, RequestError

Array = npt.NDArray[Any]
DTYPES: dict[str, np.dtype[Any]] = {
    "BOOL": np.dtype(np.bool_),
    "UINT8": np.dtype("<u1"),
    "UINT16": np.dtype("<u2"),
    "UINT32": np.dtype("<u4"),
    "UINT64": np.dtype("<u8"),
    "INT8": np.dtype("<i1"),
    "INT16": np.dtype("<i2"),
    "INT32": np.dtype("<i4"),
    "INT64": np.dtype("<i8"),
    "FP16": np.dtype("<f2"),
    "FP32": np.dtype("<f4"),
    "FP64": np.dtype("<f8"),
    "BYTES": np.dtype(object),
}
_NONE = type(None)
# JSON value types each datatype takes; null stands for a missing value in FP and BYTES tensors
_JSON_TYPES: dict[str, frozenset[type]] = {
    **{t: frozenset({int}) for t in DTYPES if t.startswith(("INT", "UINT"))},
    "BOOL": frozenset({bool}),
    "FP16": frozenset({int, float, _NONE}),
    "FP32": frozenset({int, float, _NONE}),
    "FP64": frozenset({int, float, _NONE}),
    "BYTES": frozenset({str, _NONE}),
}
_LENGTH = struct.Struct("<I")


def malformed(message: str, name: str | None, hint: str | None = None) -> RequestError:
    """A RequestError 400 about input or output ``name``."""
    return RequestError(message, status=MALFORMED, field=name, hint=hint)


def datatype_of(dtype: np.dtype[Any]) -> str:
    """The v2 datatype of a NumPy dtype (strings, objects and datetimes are BYTES).

    >>> datatype_of(np.dtype("float64")), datatype_of(np.dtype("<U3")), datatype_of(np.dtype(bool))
    ('FP64', 'BYTES', 'BOOL')
    """
    if dtype.kind in "OUSMm":
        return "BYTES"
    for name, candidate in DTYPES.items():
        if candidate.kind == dtype.kind and candidate.itemsize == dtype.itemsize:
            return name
    return "BYTES"


def from_json(data: Any, shape: list[int], datatype: str, name: str) -> Array:
    """A tensor from its JSON ``data``, flat or nested row-major, checked against shape and datatype."""
    if not isinstance(data, list):
        raise malformed(f"input {name!r}: data must be a list, got {describe(data)}", name)
    flat, types = data, set(map(type, data))
    if list in types:
        flat = _flatten(data, len(shape), name)
        types = set(map(type, flat))
        if list in types:
            raise malformed(f"input {name!r}: data is nested deeper than its shape", name)
    count = math.prod(shape)
    if len(flat) != count:
        raise malformed(
            f"input {name!r}: shape {shape} holds {count} values, data has {len(flat)}",
            name,
            hint="the product of shape must equal the number of data values",
        )
    allowed = _JSON_TYPES[datatype]
    if not types <= allowed:
        row = next(i for i, v in enumerate(flat) if type(v) not in allowed)
        raise malformed(
            f"input {name!r}: datatype {datatype} cannot hold {describe(flat[row])} at {row}", name
        )
    try:
        array = np.array(flat, dtype=DTYPES[datatype])
    except OverflowError:
        raise malformed(f"input {name!r}: a value is out of the range of {datatype}", name) from None
    return array.reshape(shape)


def _flatten(data: list[Any], depth: int, name: str) -> list[Any]:
    """Nested row-major data as one flat list, at most ``depth - 1`` levels down."""
    level = data
    for _ in range(max(depth - 1, 0)):
        nested = [isinstance(v, list) for v in level]
        if not any(nested):
            break
        if not all(nested):
            raise malformed(f"input {name!r}: data mixes lists and values at one depth", name)
        level = list(chain.from_iterable(level))
    return level


def from_binary(buffer: memoryview, shape: list[int], datatype: str, name: str) -> Array:
    """A tensor from its raw bytes in the binary tensor data extension."""
    count = math.prod(shape)
    if datatype == "BYTES":
        return _read_bytes(buffer, count, name).reshape(shape)
    dtype = DTYPES[datatype]
    if len(buffer) != count * dtype.itemsize:
        raise malformed(
            f"input {name!r}: shape {shape} of {datatype} takes {count * dtype.itemsize} bytes, "
            f"binary_data_size is {len(buffer)}",
            name,
        )
    if datatype == "BOOL":
        raw = np.frombuffer(buffer, dtype=np.uint8)
        if raw.size and raw.max() > 1:
            raise malformed(f"input {name!r}: a BOOL byte is neither 0 nor 1", name)
        return raw.view(np.bool_).reshape(shape)
    return np.frombuffer(buffer, dtype=dtype).reshape(shape)


def _read_bytes(buffer: memoryview, count: int, name: str) -> Array:
    size = len(buffer)
    if count * _LENGTH.size > size:
        raise malformed(f"input {name!r}: {size} bytes cannot hold {count} BYTES elements", name)
    items: list[bytes] = []
    offset = 0
    for _ in range(count):
        if offset + _LENGTH.size > size:
            break
        (length,) = _LENGTH.unpack_from(buffer, offset)
        offset += _LENGTH.size
        items.append(bytes(buffer[offset : offset + length]))
        offset += length
    if len(items) != count or offset != size:
        raise malformed(
            f"input {name!r}: binary data does not hold exactly {count} length-prefixed BYTES elements",
            name,
            hint="each element is a 4-byte little-endian length, then the bytes",
        )
    array = np.empty(count, dtype=object)
    array[:] = items
    return array


def to_binary(array: Array, datatype: str) -> bytes:
    """The raw bytes of an output tensor in the binary tensor data extension.

    >>> to_binary(np.array(["ab"], dtype=object), "BYTES")
    b'\\x02\\x00\\x00\\x00ab'
    """
    if datatype == "BYTES":
        items = [_as_bytes(v) for v in array.ravel().tolist()]
        return b"".join(chain.from_iterable((_LENGTH.pack(len(v)), v) for v in items))
    return np.ascontiguousarray(array, dtype=DTYPES[datatype]).tobytes()


def to_json_data(array: Array, datatype: str) -> Any:
    """An output tensor's ``data``: a flat row-major list (an array orjson writes as one)."""
    if datatype != "BYTES":
        return np.ascontiguousarray(array).ravel()
    return [_as_text(v) for v in array.ravel().tolist()]


def _as_bytes(value: Any) -> bytes:
    if isinstance(value, bytes):
        return value
    return _as_text(value).encode("utf-8")


def _as_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    if isinstance(value, (np.datetime64, np.timedelta64)):
        return str(value)
    return value.isoformat() if hasattr(value, "isoformat") else str(value)
