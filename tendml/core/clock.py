"""Time in one place: timezone-aware UTC everywhere, so stores and logs agree."""

from __future__ import annotations

import time
from datetime import UTC, datetime


def utcnow() -> datetime:
    """The current time as an aware UTC datetime."""
    return datetime.now(UTC)


def epoch_ms() -> int:
    """Milliseconds since the epoch, the unit of metric timestamps."""
    return time.time_ns() // 1_000_000


def as_utc(value: datetime) -> datetime:
    """Attach UTC to a naive datetime read back from a store that drops the zone (SQLite)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
