"""The metadata store: one SQLAlchemy engine per URL, migrated to the newest schema on first use.

SQLite (the embedded default) runs in WAL mode; write transactions start with ``BEGIN IMMEDIATE``
so concurrent writers queue on the busy timeout instead of failing when a read lock would have
to be upgraded. PostgreSQL writers serialise per aggregate with row locks (``FOR UPDATE``).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

from tendml.core.errors import ConfigurationError
from tendml.store.unit_of_work import UnitOfWork

_BUSY_TIMEOUT_MS = 30_000
_engines: dict[str, MetadataStore] = {}
_engines_lock = threading.Lock()


class MetadataStore:
    """Runs, datasets, models and the audit trail in one SQL database.

    Use :meth:`read` and :meth:`write` as context managers; each yields a :class:`UnitOfWork`
    whose repositories share one transaction, committed on exit and rolled back on error.
    """

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = _create_engine(url)
        self.dialect = self.engine.dialect.name
        self._migrated = False
        self._migrate_lock = threading.Lock()

    @contextmanager
    def read(self) -> Iterator[UnitOfWork]:
        """A read-only unit of work (a plain transaction)."""
        self.upgrade_once()
        with self.engine.connect() as conn, conn.begin():
            yield UnitOfWork(conn)

    @contextmanager
    def write(self) -> Iterator[UnitOfWork]:
        """A write unit of work: all or nothing, serialised against other writers on SQLite."""
        self.upgrade_once()
        with self.engine.connect() as raw:
            conn = raw.execution_options(tendml_write=True)
            with conn.begin():
                yield UnitOfWork(conn)

    def upgrade_once(self) -> None:
        """Apply pending migrations the first time this process touches the store."""
        if self._migrated:
            return
        with self._migrate_lock:
            if not self._migrated:
                from tendml.store.migrate import upgrade

                upgrade(self.engine)
                self._migrated = True

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()


def open_store(url: str) -> MetadataStore:
    """The process-wide store for ``url`` (engines are pooled, so one per URL)."""
    with _engines_lock:
        store = _engines.get(url)
        if store is None:
            store = _engines[url] = MetadataStore(url)
        return store


def close_stores() -> None:
    """Dispose every engine opened by :func:`open_store` (tests and forked workers)."""
    with _engines_lock:
        for store in _engines.values():
            store.dispose()
        _engines.clear()


def _create_engine(url: str) -> Engine:
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ConfigurationError(
            f"database URL {url!r} is not a SQLAlchemy URL",
            field="database_url",
            hint="use sqlite:///path/to/tendml.db or postgresql+psycopg://user@host/db",
        ) from None
    kwargs: dict[str, Any] = {"json_serializer": _json_dumps, "json_deserializer": orjson.loads}
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": _BUSY_TIMEOUT_MS / 1000}
    else:
        kwargs["pool_pre_ping"] = True
    try:
        engine = create_engine(parsed, **kwargs)
    except (NoSuchModuleError, ModuleNotFoundError) as exc:
        raise ConfigurationError(
            f"cannot open database {parsed.render_as_string(hide_password=True)}: {exc}",
            field="database_url",
            hint="tendml supports sqlite:/// and postgresql+psycopg://",
        ) from None
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine)
    return engine


def _json_dumps(value: Any) -> str:
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


def _set_wal(cur: Any) -> None:
    """Switch a fresh database to WAL. The switch takes an exclusive lock that SQLite may refuse at once
    ("database is locked", without waiting on the busy timeout) while another connection makes the same
    first switch; once the file is in WAL mode the pragma needs no lock. So: retry for a while."""
    import sqlite3

    delay, waited = 0.01, 0.0
    while True:
        try:
            cur.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or waited >= _BUSY_TIMEOUT_MS / 1000:
                raise
            time.sleep(delay)
            waited += delay
            delay = min(delay * 2, 0.5)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
        cur = dbapi_conn.cursor()
        _set_wal(cur)
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={_BUSY_TIMEOUT_MS}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        write = conn.get_execution_options().get("tendml_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")
