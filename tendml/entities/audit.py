"""Audit events: who did what to which object, when, with the state before and after."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tendml.entities._record import Record


@dataclass(frozen=True, slots=True)
class AuditEvent(Record):
    """One entry of the append-only audit trail.

    ``seq`` orders events; ``hash`` is the sha256 of the event's canonical encoding including
    ``prev_hash``, the hash of the event before it, so the trail forms a chain.
    """

    seq: int
    id: str
    time: datetime
    actor: str
    action: str
    subject_type: str
    subject_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    prev_hash: str | None
    hash: str
