"""The audit trail: appended in the same transaction as the change it records, hash-chained."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, func, select, text

from tendml.core.clock import as_utc, utcnow
from tendml.core.hashing import canonical_json, sha256_bytes
from tendml.core.ids import new_id
from tendml.entities.audit import AuditEvent
from tendml.store.tables import audit_events

_PG_AUDIT_LOCK = 0x74656E64617564  # serialises appends so the chain never forks


_HASHED = (
    "seq",
    "id",
    "time",
    "actor",
    "action",
    "subject_type",
    "subject_id",
    "before",
    "after",
    "prev_hash",
)


def event_hash(event: Mapping[str, Any]) -> str:
    """sha256 over the canonical JSON of an event's fields (all but ``hash``), ``prev_hash`` included."""
    body = {name: event[name] for name in _HASHED}
    body["time"] = as_utc(body["time"]).isoformat(timespec="microseconds")
    return sha256_bytes(canonical_json(body))


class AuditLog:
    """Append and read audit events within the caller's transaction."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def append(
        self,
        actor: str,
        action: str,
        subject_type: str,
        subject_id: str,
        *,
        before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None,
    ) -> AuditEvent:
        """Record one event; it commits or rolls back with the change it describes."""
        if self.conn.dialect.name == "postgresql":
            self.conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_AUDIT_LOCK})
        last = self.conn.execute(
            select(audit_events.c.seq, audit_events.c.hash).order_by(audit_events.c.seq.desc()).limit(1)
        ).first()
        row: dict[str, Any] = {
            "seq": (last.seq + 1) if last else 1,
            "id": new_id(),
            "time": utcnow(),
            "actor": actor,
            "action": action,
            "subject_type": subject_type,
            "subject_id": subject_id,
            "before": before,
            "after": after,
            "prev_hash": last.hash if last else None,
        }
        row["hash"] = event_hash(row)
        self.conn.execute(audit_events.insert(), row)
        return _event(row)

    def events(
        self,
        *,
        subject_type: str | None = None,
        subject_id: str | None = None,
        action_prefix: str | None = None,
        limit: int | None = None,
    ) -> Sequence[AuditEvent]:
        """Events in sequence order, optionally for one subject or family of actions."""
        query = select(audit_events).order_by(audit_events.c.seq)
        if subject_type is not None:
            query = query.where(audit_events.c.subject_type == subject_type)
        if subject_id is not None:
            query = query.where(audit_events.c.subject_id == subject_id)
        if action_prefix is not None:
            query = query.where(audit_events.c.action.startswith(action_prefix, autoescape=True))
        if limit is not None:
            query = query.limit(limit)
        return [_event(r._asdict()) for r in self.conn.execute(query)]

    def count(self) -> int:
        return int(self.conn.execute(select(func.count()).select_from(audit_events)).scalar_one())


def _event(row: dict[str, Any]) -> AuditEvent:
    return AuditEvent(
        seq=row["seq"],
        id=row["id"],
        time=as_utc(row["time"]),
        actor=row["actor"],
        action=row["action"],
        subject_type=row["subject_type"],
        subject_id=row["subject_id"],
        before=row["before"],
        after=row["after"],
        prev_hash=row["prev_hash"],
        hash=row["hash"],
    )
