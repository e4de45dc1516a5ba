"""Shared fixtures: isolated settings, a metadata store on SQLite and on the real PostgreSQL, workspaces."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest_plugins = ["tests.conftest_s3"]

PG_URL = os.environ.get("TENDML_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test sees the developer's TENDML_* variables or a tendml.toml; each runs in its own folder."""
    for name in list(os.environ):
        if name.startswith("TENDML_") and name != "TENDML_TEST_POSTGRES_URL":
            monkeypatch.delenv(name)
    monkeypatch.setenv("TENDML_USER", "tester")
    monkeypatch.chdir(tmp_path)


def _pg_schema() -> Iterator[str]:
    import psycopg

    dsn = PG_URL.replace("postgresql+psycopg://", "postgresql://")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    try:
        admin = psycopg.connect(dsn, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        pytest.fail(
            f"PostgreSQL is not reachable at {PG_URL} ({exc}); start it or set TENDML_TEST_POSTGRES_URL"
        )
    with admin:
        admin.execute(f'CREATE SCHEMA "{schema}"')
        try:
            yield f"{PG_URL}?options=-csearch_path%3D{schema}"
        finally:
            from tendml.store import close_stores

            close_stores()
            admin.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty metadata database: a SQLite file, then a schema of its own on PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'meta' / 'tendml.db'}"
        from tendml.store import close_stores

        close_stores()
    else:
        yield from _pg_schema()


@pytest.fixture
def ws(database_url: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    """A workspace on each metadata backend with a local artifact folder."""
    import tendml

    return tendml.connect(
        tmp_path / "home", database_url=database_url, artifacts_url=str(tmp_path / "artifacts")
    )


@pytest.fixture
def local_ws(tmp_path: Path):  # type: ignore[no-untyped-def]
    """A workspace on the embedded defaults (SQLite and a folder under tmp_path/.tendml)."""
    import tendml

    yield tendml.connect(tmp_path / ".tendml")
    from tendml.store import close_stores

    close_stores()
