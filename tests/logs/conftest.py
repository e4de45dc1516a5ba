"""Fixtures of the log tests: a local artifact store, a WAL folder and a started log."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tendml.artifacts import ArtifactStore
from tendml.logs import PredictionLog


@pytest.fixture
def store(tmp_path: Path) -> ArtifactStore:
    return ArtifactStore(str(tmp_path / "artifacts"))


@pytest.fixture
def wal_dir(tmp_path: Path) -> Path:
    return tmp_path / "wal"


@pytest.fixture
def started(store: ArtifactStore, wal_dir: Path) -> Iterator[PredictionLog]:
    """A started non-durable log with a long flush interval (flushes happen when a test asks)."""
    log = PredictionLog(store, wal_dir, flush_interval=60)
    log.start()
    yield log
    log.close()
