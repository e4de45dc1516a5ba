"""JSON in and out with orjson: parse errors become a 400, NumPy and bytes serialise directly.

orjson writes NaN and ±inf as ``null`` (JSON has no literal for them), so a prediction that is
NaN arrives as ``null`` at the client.
"""

from __future__ import annotations

import base64
from typing import Any

import numpy as np
import orjson

from tendml.serving.protocols.errors import MALFORMED, RequestError

_OPTIONS = orjson.OPT_SERIALIZE_NUMPY


def loads(body: bytes | bytearray | memoryview | str, *, what: str = "body") -> Any:
    """The JSON value of ``body``; RequestError 400 naming the problem when it is not JSON.

    >>> loads(b'{"a": [1, 2.5, null]}')
    {'a': [1, 2.5, None]}
    >>> try:
    ...     loads(b'{"a": ')
    ... except RequestError as err:
    ...     print(err.status, err.message)
    400 body is not valid JSON: unexpected end of data: line 1 column 7 (char 6)
    """
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as err:
        raise RequestError(
            f"{what} is not valid JSON: {err}",
            status=MALFORMED,
            hint="send a JSON document encoded as UTF-8",
        ) from None


def dumps(value: Any) -> bytes:
    """``value`` as JSON bytes; NumPy arrays and scalars, bytes (base64) and datetimes are allowed.

    >>> dumps({"p": np.array([0.5, np.nan]), "b": b"hi"})
    b'{"p":[0.5,null],"b":"aGk="}'
    """
    return orjson.dumps(value, default=_default, option=_OPTIONS)


def _default(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return value.tolist()  # object, float16 or strided arrays orjson does not take natively
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (bytes, bytearray, memoryview)):
        return base64.b64encode(value).decode("ascii")
    raise TypeError(f"cannot write {type(value).__name__} as JSON")
