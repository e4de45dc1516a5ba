"""Content hashing (sha256) and the canonical JSON encoding used for digests."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

import orjson

DIGEST_PREFIX = "sha256:"


def sha256_bytes(data: bytes | memoryview) -> str:
    """Hex sha256 of a byte string.

    >>> sha256_bytes(b"")[:16]
    'e3b0c44298fc1c14'
    """
    return hashlib.sha256(data).hexdigest()


def sha256_chunks(chunks: Iterable[bytes | memoryview]) -> str:
    """Hex sha256 over a stream of chunks, without holding them all in memory."""
    h = hashlib.sha256()
    for chunk in chunks:
        h.update(chunk)
    return h.hexdigest()


def canonical_json(value: Any) -> bytes:
    """Deterministic JSON: sorted keys, no whitespace, UTC datetimes; the input of every record hash.

    >>> canonical_json({"b": 1, "a": [1.5, None]})
    b'{"a":[1.5,null],"b":1}'
    """
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS | orjson.OPT_UTC_Z | orjson.OPT_NAIVE_UTC)


def is_digest(value: str) -> bool:
    """True for a 64-character lowercase hex sha256 digest."""
    return len(value) == 64 and all(c in "0123456789abcdef" for c in value)
