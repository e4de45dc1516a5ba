"""Recovery of the WAL: kill -9 of a durable writer, torn and corrupt tails, files of live processes."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tendml.artifacts import ArtifactStore
from tendml.logs import LogReader, PredictionLog
from tests.logs.factories import churn, frame_of, pid

ROOT = Path(__file__).resolve().parents[2]

# A durable server in miniature: each prediction is acknowledged (printed) only once append_durable returns.
WRITER = """
import asyncio, sys
from tendml.artifacts import ArtifactStore
from tendml.logs import PredictionLog
from tests.logs.factories import churn, pid

async def main() -> None:
    log = PredictionLog(ArtifactStore(sys.argv[1]), sys.argv[2], durable=True, flush_interval=0.05)
    log.start()
    print("started", flush=True)
    i = 0
    while True:
        batch = churn(i)
        await log.append_durable(batch)
        print(batch.ids[0], flush=True)
        i += 1

asyncio.run(main())
"""


def _spawn_writer(artifacts: Path, wal_dir: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    child = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(artifacts), str(wal_dir)],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
        cwd=ROOT,
    )
    assert child.stdout is not None
    assert child.stdout.readline().strip() == "started"
    return child


def test_kill_9_loses_no_acknowledged_prediction(tmp_path: Path) -> None:
    artifacts, wal_dir = tmp_path / "artifacts", tmp_path / "wal"
    child = _spawn_writer(artifacts, wal_dir)
    assert child.stdout is not None
    acknowledged = [child.stdout.readline().strip() for _ in range(400)]
    os.kill(child.pid, signal.SIGKILL)
    child.wait(timeout=10)
    child.stdout.close()

    store = ArtifactStore(str(artifacts))
    log = PredictionLog(store, wal_dir)
    log.start()
    assert log.stats["wal_files_recovered"] >= 1
    log.close()
    logged = LogReader(store).predictions("churn", columns=["prediction_id"]).column(0).to_pylist()
    assert set(acknowledged) <= set(logged)
    assert len(logged) >= len(acknowledged)
    assert len(set(logged)) == len(logged)  # a recovery that repeats a segment write does not duplicate
    assert list(wal_dir.glob("*.wal")) == []


@pytest.mark.parametrize("damage", ["truncated", "bad crc"])
def test_recovery_keeps_complete_frames_and_cuts_a_bad_tail(
    store: ArtifactStore, wal_dir: Path, damage: str, caplog: pytest.LogCaptureFixture
) -> None:
    frames = [frame_of([churn(0), churn(1)]), frame_of([churn(2)])]
    last = frame_of([churn(3)])
    last = last[:-7] if damage == "truncated" else last[:-2] + b"!]"
    wal_dir.mkdir()
    (wal_dir / "0123456789abcdef0123456789abcdef.wal").write_bytes(b"".join(frames) + last)

    caplog.set_level(logging.INFO, logger="tendml.logs")
    log = PredictionLog(store, wal_dir)
    log.start()
    log.close()
    ids = LogReader(store).predictions("churn").column("prediction_id").to_pylist()
    assert sorted(ids) == [pid(i) for i in range(3)]
    messages = [r.getMessage() for r in caplog.records if r.name == "tendml.logs"]
    assert any("recovered 3 predictions (2 frames)" in m for m in messages), messages
    problem = "torn frame" if damage == "truncated" else "bad checksum"
    assert any(m.startswith(f"cut {len(last)} bytes") and problem in m for m in messages), messages
    assert list(wal_dir.glob("*.wal")) == []


def test_a_wal_of_a_live_process_is_not_recovered(store: ArtifactStore, wal_dir: Path) -> None:
    first = PredictionLog(store, wal_dir, flush_interval=60)
    first.start()
    first.append(churn(1))
    _wait_for_a_frame(wal_dir)
    second = PredictionLog(store, wal_dir, flush_interval=60)
    second.start()  # the first log's file is locked: left alone
    assert second.stats["wal_files_recovered"] == 0
    assert store.list_keys("predictions/") == []
    second.close()
    first.close()
    assert LogReader(store).count("churn") == 1


def test_a_wal_of_a_live_other_process_is_recovered_once_it_dies(tmp_path: Path) -> None:
    artifacts, wal_dir = tmp_path / "artifacts", tmp_path / "wal"
    child = _spawn_writer(artifacts, wal_dir)
    assert child.stdout is not None
    child.stdout.readline()
    store = ArtifactStore(str(artifacts))
    alive = PredictionLog(store, wal_dir)
    alive.start()
    assert alive.stats["wal_files_recovered"] == 0
    alive.close()
    os.kill(child.pid, signal.SIGKILL)
    child.wait(timeout=10)
    child.stdout.close()
    after = PredictionLog(store, wal_dir)
    after.start()
    assert after.stats["wal_files_recovered"] >= 1
    after.close()


def _wait_for_a_frame(wal_dir: Path) -> None:
    """Wait until the background thread has written the first frame (within its 20 ms)."""
    deadline = time.monotonic() + 2
    while not any(p.stat().st_size for p in wal_dir.glob("*.wal")) and time.monotonic() < deadline:
        time.sleep(0.005)
