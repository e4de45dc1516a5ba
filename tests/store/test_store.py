"""The metadata store's contract, run on SQLite and on the real PostgreSQL."""

from __future__ import annotations

import subprocess
import sys
import threading
from itertools import pairwise

import pytest
from sqlalchemy import inspect, text

from tendml.core.errors import Conflict, NotFound
from tendml.entities import RunStatus
from tendml.store import MetadataStore, current_revision, event_hash, head_revision, open_store, upgrade

TABLES = {
    "experiments",
    "runs",
    "run_params",
    "run_tags",
    "run_metrics",
    "run_artifacts",
    "run_inputs",
    "datasets",
    "dataset_versions",
    "registered_models",
    "model_versions",
    "model_version_datasets",
    "model_aliases",
    "alias_history",
    "audit_events",
}


@pytest.fixture
def store(database_url: str) -> MetadataStore:
    return open_store(database_url)


def test_first_use_applies_every_migration(store: MetadataStore) -> None:
    assert current_revision(store.engine) is None
    with store.read():
        pass
    assert current_revision(store.engine) == head_revision()
    assert set(inspect(store.engine).get_table_names()) >= TABLES
    assert upgrade(store.engine) == (head_revision(), head_revision())  # idempotent


def test_migrations_build_exactly_the_declared_tables(store: MetadataStore) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from tendml.store.tables import metadata

    with store.read() as uow:
        assert compare_metadata(MigrationContext.configure(uow.conn), metadata) == []


def test_sqlite_runs_in_wal_mode(tmp_path) -> None:  # type: ignore[no-untyped-def]
    store = open_store(f"sqlite:///{tmp_path / 'x.db'}")
    with store.read() as uow:
        assert uow.conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert uow.conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_write_rolls_back_everything_on_error(store: MetadataStore) -> None:
    with pytest.raises(RuntimeError), store.write() as uow:
        uow.runs.experiment("exp")
        uow.audit.append("me", "test.action", "thing", "1")
        raise RuntimeError("boom")
    with store.read() as uow:
        assert uow.audit.count() == 0
        with pytest.raises(NotFound):
            uow.runs.experiment("exp", create=False)


def test_audit_events_form_a_hash_chain(store: MetadataStore) -> None:
    with store.write() as uow:
        for i in range(3):
            uow.audit.append("alice", "model.update", "model", "m", before={"i": i}, after={"i": i + 1})
    with store.read() as uow:
        events = uow.audit.events(subject_type="model", subject_id="m")
    assert [e.seq for e in events] == [1, 2, 3]
    assert events[0].prev_hash is None
    for prev, event in zip([None, *events], events, strict=False):
        assert event.prev_hash == (prev.hash if prev else None)
        assert event.hash == event_hash(event.to_dict() | {"time": event.time})


def test_concurrent_audit_appends_never_fork_the_chain(store: MetadataStore) -> None:
    def append(n: int) -> None:
        for i in range(5):
            with store.write() as uow:
                uow.audit.append(f"t{n}", "x", "thing", f"{n}-{i}")

    threads = [threading.Thread(target=append, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with store.read() as uow:
        events = uow.audit.events()
    assert [e.seq for e in events] == list(range(1, 21))
    assert all(b.prev_hash == a.hash for a, b in pairwise(events))


def test_params_are_write_once(store: MetadataStore) -> None:
    from tendml.core.clock import utcnow
    from tendml.entities import Environment

    with store.write() as uow:
        exp = uow.runs.experiment("e")
        uow.runs.insert("r1", exp, "run", "me", utcnow(), Environment(python_version="3", platform="x"))
        uow.runs.add_params("r1", {"a": "1"})
        uow.runs.add_params("r1", {"a": "1", "b": "2"})  # same value again is fine
    with pytest.raises(Conflict, match="param 'a'"), store.write() as uow:
        uow.runs.add_params("r1", {"a": "3"})
    with store.read() as uow:
        run = uow.runs.get("r1")
    assert run.params == {"a": "1", "b": "2"}
    assert run.status is RunStatus.RUNNING


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_postgres_tests_are_isolated_in_their_own_schema(store: MetadataStore) -> None:
    with store.read() as uow:
        schema = uow.conn.execute(text("SELECT current_schema()")).scalar()
    assert schema is not None and schema.startswith("t_")


def test_concurrent_first_use_migrates_once(database_url: str) -> None:
    # Separate engines, as separate processes would have, all touching a fresh database at once.
    stores = [MetadataStore(database_url) for _ in range(4)]
    errors: list[BaseException] = []

    def first_use(store: MetadataStore) -> None:
        try:
            with store.write() as uow:
                uow.runs.experiment("shared")
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=first_use, args=(s,)) for s in stores]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for s in stores:
        s.dispose()
    assert errors == []
    assert current_revision(stores[0].engine) == head_revision()
    with open_store(database_url).read() as uow:
        assert [e.name for e in uow.runs.experiments()] == ["shared"]


def test_concurrent_first_use_from_several_processes(database_url: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    code = (
        "import sys, tendml\n"
        "ws = tendml.connect(sys.argv[1], database_url=sys.argv[2])\n"
        "with ws.start_run(experiment='shared') as run:\n"
        "    run.log_metric('x', 1.0)\n"
    )
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", code, str(tmp_path / f"h{i}"), database_url],
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(4)
    ]
    failures = [p.stderr.read() for p in procs if p.wait(timeout=120) != 0]  # type: ignore[union-attr]
    assert failures == []
    store = open_store(database_url)
    assert current_revision(store.engine) == head_revision()
    with store.read() as uow:
        assert len(uow.runs.search(experiment="shared")) == 4
