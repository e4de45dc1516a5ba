"""The payload of a WAL frame: blocks of predictions as a JSON header followed by the raw bytes of arrays.

``[u32 header length][header][buffers]``: the header (orjson) is the list of blocks, each array in it
``[dtype, shape, where]``. Numbers, booleans and datetime64 (in µs) are not text: ``where`` is the
offset of their bytes in the buffers (C order, native byte order, 8-aligned), copied by NumPy and read
back exactly (NaN, infinities, float32). Text is a list (dtype ``str``), bytes a list of base64
(``bytes``), any other object array a list of JSON values (``json``).
"""

from __future__ import annotations

import base64
import struct
from collections.abc import Sequence
from typing import Any

import numpy as np
import orjson

from tendml.core.columns import PackedColumns
from tendml.logs.block import Block

_LENGTH = struct.Struct("<I")
_RAW = frozenset("biufmM")
_TEXT = ("str", "bytes", "json")
_NONE = type(None)


class _Buffers:
    """The raw bytes of a frame's arrays, in order, each at an offset aligned to 8 bytes."""

    def __init__(self) -> None:
        self.parts: list[Any] = []
        self.size = 0

    def add(self, array: np.ndarray) -> int:
        offset = self.size
        raw = np.ascontiguousarray(array).reshape(-1).view(np.uint8)  # any dtype, datetime64 too
        self.parts.append(raw.data)
        self.size += raw.nbytes
        if pad := -self.size % 8:
            self.parts.append(bytes(pad))
            self.size += pad
        return offset


def encode_blocks(blocks: Sequence[Block]) -> bytes:
    """The payload of one WAL frame.

    >>> from tendml.logs.block import PredictionBatch
    >>> batch = PredictionBatch(["a" * 32, "b" * 32], 5, "m", 1, "champion", {"x": np.array([1.5, np.nan])},
    ...                         None, np.array([0, 1]), None, 2.0)
    >>> payload = encode_blocks([Block.of(batch)])
    >>> (block,) = decode_blocks(payload)
    >>> block.columns["x"].tolist(), block.predictions.tolist()
    ([1.5, nan], [0, 1])
    """
    buffers = _Buffers()
    header = orjson.dumps([_encode_block(block, buffers) for block in blocks], default=_json_default)
    return b"".join([_LENGTH.pack(len(header)), header, *buffers.parts])


def decode_blocks(payload: bytes) -> list[Block]:
    """The blocks of one WAL frame payload (their arrays are read-only views of it); ValueError,
    KeyError, TypeError, AttributeError or struct.error if it is not one."""
    (length,) = _LENGTH.unpack_from(payload)
    items = orjson.loads(payload[_LENGTH.size : _LENGTH.size + length])
    if not isinstance(items, list):
        raise ValueError("a WAL frame holds a JSON list of blocks of predictions")
    data = memoryview(payload)[_LENGTH.size + length :]
    return [_checked(_decode_block(item, data)) for item in items]


def _encode_block(block: Block, buffers: _Buffers) -> dict[str, Any]:
    columns, packed = block.columns, None
    if isinstance(columns, PackedColumns):
        packed = {"names": columns.names, "matrix": encode_array(columns.matrix, buffers)}
        columns = None
    tensor, probabilities = block.tensor, block.probabilities
    return {
        "model": block.model,
        "ids": block.ids,
        "counts": block.counts,
        "time_us": block.time_us,
        "version": block.version,
        "arm": block.arm,
        "latency_ms": block.latency_ms,
        "columns": None if columns is None else {k: encode_array(v, buffers) for k, v in columns.items()},
        "packed": packed,
        "tensor": None if tensor is None else encode_array(tensor, buffers),
        "predictions": encode_array(block.predictions, buffers),
        "probabilities": None if probabilities is None else encode_array(probabilities, buffers),
    }


def _decode_block(item: dict[str, Any], data: memoryview) -> Block:
    columns, packed, tensor, probabilities = (
        item[k] for k in ("columns", "packed", "tensor", "probabilities")
    )
    if packed is not None:
        columns = PackedColumns(tuple(packed["names"]), decode_array(packed["matrix"], data))
    elif columns is not None:
        columns = {name: decode_array(array, data) for name, array in columns.items()}
    return Block(
        model=item["model"],
        ids=item["ids"],
        counts=item["counts"],
        time_us=item["time_us"],
        version=item["version"],
        arm=item["arm"],
        latency_ms=item["latency_ms"],
        columns=columns,
        tensor=None if tensor is None else decode_array(tensor, data),
        predictions=decode_array(item["predictions"], data),
        probabilities=None if probabilities is None else decode_array(probabilities, data),
    )


def _checked(block: Block) -> Block:
    """The block if its lengths agree (what converting it to a segment relies on), else ValueError."""
    rows, batches, columns = block.rows, len(block.counts), block.columns
    arrays = [block.predictions, block.tensor, block.probabilities, *(columns or {}).values()]
    if not (
        batches
        and sum(block.counts) == rows
        and len(block.time_us) == len(block.version) == len(block.arm) == len(block.latency_ms) == batches
        and all(a is None or (a.ndim >= 1 and len(a) == rows) for a in arrays)
        and (type(columns) is not PackedColumns or columns.matrix.shape == (len(columns.names), rows))
        and all(type(name) is str for name in columns or ())
    ):
        raise ValueError(f"a block of {rows} predictions whose lengths or names are wrong")
    return block


def encode_array(array: np.ndarray, buffers: _Buffers) -> list[Any]:
    """``[dtype, shape, where]``: numbers and times as an offset in ``buffers``, the rest as a list."""
    dtype, shape = array.dtype, array.shape
    if dtype.kind in _RAW:
        if dtype.kind in "mM":
            array = array.astype(f"{dtype.kind}8[us]")
        elif not dtype.isnative:
            array = array.astype(dtype.newbyteorder("="))
        return [array.dtype.str, shape, buffers.add(array)]
    values = array.reshape(-1).tolist() if dtype.kind in "OUS" else array.astype(object).reshape(-1).tolist()
    kinds = set(map(type, values)) - {_NONE}
    if kinds <= {str}:
        return ["str", shape, values]
    if kinds <= {bytes}:
        return ["bytes", shape, [None if v is None else base64.b64encode(v).decode() for v in values]]
    return ["json", shape, values]


def decode_array(encoded: list[Any], data: memoryview) -> np.ndarray:
    """The array of :func:`encode_array`: a read-only view of ``data``, or an object array for
    ``str``, ``bytes`` and ``json``."""
    code, shape, values = encoded
    if code == "bytes":
        values = [None if v is None else base64.b64decode(v) for v in values]
    if code in _TEXT:
        return np.fromiter(values, dtype=object, count=len(values)).reshape(shape)
    dtype, count = np.dtype(code), int(np.prod(shape))
    if dtype.kind not in _RAW or type(values) is not int:
        raise ValueError(f"an array of dtype {code!r} at {values!r:.40}")
    if count == 0:
        return np.empty(shape, dtype)
    return np.frombuffer(data, dtype=dtype, count=count, offset=values).reshape(shape)


def _json_default(value: Any) -> Any:
    """Values orjson cannot encode: NumPy scalars by value, anything else as its text."""
    item = getattr(value, "item", None)
    return item() if callable(item) else str(value)


def json_text(value: Any) -> str:
    """A value as text: strings unchanged, anything else as compact JSON (``True`` -> ``'true'``).

    >>> json_text("yes"), json_text(True), json_text(2.5)
    ('yes', 'true', '2.5')
    """
    if isinstance(value, str):
        return value
    return orjson.dumps(value, default=_json_default, option=orjson.OPT_SERIALIZE_NUMPY).decode()
