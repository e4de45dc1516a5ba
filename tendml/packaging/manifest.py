"""The package manifest: which files make the model, their digests, its signature and environment."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import orjson

from tendml.core.errors import IntegrityError
from tendml.core.hashing import canonical_json, is_digest
from tendml.entities._record import Record
from tendml.entities.models import Signature


@dataclass(frozen=True, slots=True)
class FileEntry(Record):
    """One file of a package: its name, hex sha256 and size in bytes."""

    name: str
    digest: str
    size: int


@dataclass(frozen=True, slots=True)
class Manifest(Record):
    """What a package holds and needs; stored as canonical JSON next to the files it lists.

    >>> from tendml.entities.models import Schema, IOKind, Signature
    >>> m = Manifest("python", (), Signature(Schema(IOKind.TENSOR)), (), "3.11.7", {}, "0.0.0")
    >>> Manifest.from_bytes(m.to_bytes()) == m
    True
    """

    flavor: str
    files: tuple[FileEntry, ...]
    signature: Signature
    requirements: tuple[str, ...]
    python_version: str
    options: dict[str, Any]
    tendml_version: str

    def to_bytes(self) -> bytes:
        """Canonical JSON: the same manifest always gives the same bytes, hence the same digest."""
        return canonical_json(self.to_dict())

    @classmethod
    def from_bytes(cls, data: bytes) -> Manifest:
        """Parse a manifest written by :meth:`to_bytes`.

        Raises:
            IntegrityError: the bytes are not a well-formed manifest.
        """
        try:
            raw = orjson.loads(data)
            return _manifest(raw)
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError, AttributeError) as err:
            raise IntegrityError(f"malformed package manifest: {err}") from err


@dataclass(frozen=True, slots=True)
class Package:
    """A model ready to store: its manifest and the bytes of each file it lists."""

    manifest: Manifest
    files: dict[str, bytes]


def _manifest(raw: Mapping[str, Any]) -> Manifest:
    files = tuple(_file(f) for f in _list(raw["files"]))
    names = [f.name for f in files]
    if len(set(names)) != len(names):
        raise ValueError(f"file names repeat: {names}")
    options = raw["options"]
    if not isinstance(options, dict):
        raise TypeError("options must be an object")
    return Manifest(
        flavor=_str(raw["flavor"]),
        files=files,
        signature=Signature.from_dict(raw["signature"]),
        requirements=tuple(_str(r) for r in _list(raw["requirements"])),
        python_version=_str(raw["python_version"]),
        options=options,
        tendml_version=_str(raw["tendml_version"]),
    )


def _file(raw: Mapping[str, Any]) -> FileEntry:
    size = raw["size"]
    digest = _str(raw["digest"])
    if not isinstance(size, int) or isinstance(size, bool) or size < 0 or not is_digest(digest):
        raise ValueError(f"bad file entry {dict(raw)!r}")
    return FileEntry(name=_str(raw["name"]), digest=digest, size=size)


def _str(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected a string, got {value!r}")
    return value


def _list(value: Any) -> list[Any]:
    if not isinstance(value, list):
        raise TypeError(f"expected a list, got {value!r}")
    return value
