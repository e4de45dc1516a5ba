"""Core: settings, errors, ids, hashing, clock and table conversion. Imports nothing else of tendml."""

from tendml.core.clock import as_utc, epoch_ms, utcnow
from tendml.core.errors import (
    ConfigurationError,
    Conflict,
    IntegrityError,
    NotFound,
    PermissionDenied,
    TendmlError,
    ValidationFailed,
)
from tendml.core.frames import to_arrow
from tendml.core.hashing import canonical_json, sha256_bytes
from tendml.core.ids import new_id
from tendml.core.settings import Settings

__all__ = [
    "ConfigurationError",
    "Conflict",
    "IntegrityError",
    "NotFound",
    "PermissionDenied",
    "Settings",
    "TendmlError",
    "ValidationFailed",
    "as_utc",
    "canonical_json",
    "epoch_ms",
    "new_id",
    "sha256_bytes",
    "to_arrow",
    "utcnow",
]
