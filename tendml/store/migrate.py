"""Alembic migrations, applied on first use and by ``tendml db upgrade``."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

_HERE = Path(__file__).parent / "migrations"
_PG_LOCK = 0x74656E646D6C  # "tendml": one advisory lock id for migrations
_PROCESS_LOCK = threading.Lock()


def _config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(_HERE))
    return cfg


def head_revision() -> str:
    """The newest schema revision this version of tendml knows."""
    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, None when it has no tendml schema yet."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> tuple[str | None, str]:
    """Migrate to ``revision``; returns (before, after). Safe when several processes start at once."""
    head = head_revision()
    before = _revision_retrying(engine)
    if before == head and revision == "head":
        return before, head
    for attempt in range(5):
        try:
            _run_upgrade(engine, revision)
            break
        except DBAPIError:
            # Another process migrated at the same moment (SQLite has no advisory lock):
            # re-read the revision and retry only if we are still behind.
            if current_revision(engine) == head or attempt == 4:
                if current_revision(engine) == head:
                    break
                raise
            time.sleep(0.2 * (attempt + 1))
    return before, current_revision(engine) or ""


def _revision_retrying(engine: Engine) -> str | None:
    """The current revision, read again if a first use elsewhere holds the fresh database locked."""
    for attempt in range(5):
        try:
            return current_revision(engine)
        except DBAPIError:
            if attempt == 4:
                raise
            time.sleep(0.2 * (attempt + 1))
    return None  # not reached


def _run_upgrade(engine: Engine, revision: str) -> None:
    cfg = _config()
    # Alembic's command context is process-global, so one migration at a time per process; across
    # processes, PostgreSQL takes an advisory lock and SQLite's BEGIN IMMEDIATE (tendml_write) makes
    # later migrators wait, then find the schema current.
    with _PROCESS_LOCK, engine.connect() as raw:
        conn = raw.execution_options(tendml_write=True)
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": _PG_LOCK})
        try:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)
            conn.commit()
        finally:
            if conn.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _PG_LOCK})
                conn.commit()
