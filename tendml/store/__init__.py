"""The metadata store: SQL tables behind repositories, one unit of work per transaction."""

from tendml.store.audit import AuditLog, event_hash
from tendml.store.engine import MetadataStore, close_stores, open_store
from tendml.store.migrate import current_revision, head_revision, upgrade
from tendml.store.unit_of_work import UnitOfWork

__all__ = [
    "AuditLog",
    "MetadataStore",
    "UnitOfWork",
    "close_stores",
    "current_revision",
    "event_hash",
    "head_revision",
    "open_store",
    "upgrade",
]
