"""The base of every entity: a frozen dataclass that turns itself into plain JSON-ready data."""

from __future__ import annotations

import dataclasses
import enum
from datetime import datetime
from pathlib import PurePath
from typing import Any


class Record:
    """Mixin for frozen dataclasses: ``to_dict()`` gives JSON-ready data (ISO times, enum values)."""

    def to_dict(self) -> dict[str, Any]:
        out = jsonable(self)
        assert isinstance(out, dict)
        return out


def jsonable(value: Any) -> Any:
    """Convert entities, enums, datetimes, tuples and mappings to JSON-ready values."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, PurePath):
        return str(value)
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    return value
