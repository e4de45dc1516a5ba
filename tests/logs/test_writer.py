"""PredictionLog: round trip to Parquet segments (local folder and S3), durable mode, rotation, lifecycle."""

from __future__ import annotations

import asyncio
import os
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from tendml.artifacts import ArtifactStore
from tendml.core.errors import Conflict, ValidationFailed
from tendml.logs import LogReader, PredictionLog, PredictionRecord
from tendml.logs.wal import parse_frames
from tests.logs.factories import DAY1, DAY2, churn, price

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _as_rows(records: list[PredictionRecord]) -> list[dict[str, Any]]:
    """Records as the reader returns them (time in µs, inputs with every column of the model)."""
    columns = list(dict.fromkeys(name for r in records for name in r.inputs))
    return sorted(
        (
            {
                "prediction_id": r.id,
                "time_us": r.time_us,
                "model": r.model,
                "version": r.version,
                "arm": r.arm,
                "inputs": {name: r.inputs.get(name) for name in columns},
                "prediction": r.prediction,
                "probabilities": r.probabilities,
                "latency_ms": r.latency_ms,
            }
            for r in records
        ),
        key=lambda row: row["prediction_id"],
    )


def _read_rows(table: pa.Table) -> list[dict[str, Any]]:
    rows = table.to_pylist()
    for row in rows:
        moment = row.pop("time")
        row["time_us"] = (moment - EPOCH) // timedelta(microseconds=1)
    return sorted(rows, key=lambda row: row["prediction_id"])


def _wal_files(wal_dir: Path) -> list[Path]:
    return sorted(wal_dir.glob("*.wal"))


def test_round_trip_two_models_two_days(artifact_url: str, wal_dir: Path) -> None:
    store = ArtifactStore(artifact_url)
    log = PredictionLog(store, wal_dir, flush_interval=60)
    log.start()
    churns = [churn(i, day=DAY1 if i < 30 else DAY2) for i in range(60)]
    prices = [price(i) for i in range(25)]
    for start in range(0, 63, 7):  # batches of up to 7 rows, the two models interleaved
        log.append(churns[start : start + 7])
        log.append(prices[start // 7 * 3 : start // 7 * 3 + 3])
    assert log.stats["records_appended"] == 85
    log.flush()

    reader = LogReader(store)
    table = reader.predictions("churn")
    assert _read_rows(table) == _as_rows(churns)
    assert _read_rows(reader.predictions("price")) == _as_rows(prices)
    schema = table.schema
    assert schema.field("time").type == pa.timestamp("us", tz="UTC")
    assert schema.field("version").type == pa.int32()
    assert schema.field("inputs").type == pa.struct(
        [("age", pa.int64()), ("plan", pa.string()), ("income", pa.float64()), ("active", pa.bool_())]
    )
    assert schema.field("prediction").type == pa.int64()
    assert schema.field("probabilities").type.value_type == pa.float64()
    assert schema.field("latency_ms").type == pa.float64()
    assert reader.predictions("price").schema.field("prediction").type == pa.float64()
    assert (reader.count("churn"), reader.count("price"), reader.count("other")) == (60, 25, 0)

    folders = {key.rsplit("/", 1)[0] for key in store.list_keys("predictions/")}
    assert folders == {
        "predictions/model=churn/date=2024-03-01",
        "predictions/model=churn/date=2024-03-02",
        "predictions/model=price/date=2024-03-02",
    }
    assert log.stats["records_logged"] == log.stats["records_appended"] == 85
    log.close()
    assert _wal_files(wal_dir) == []


def test_versions_with_different_inputs_read_together(store: ArtifactStore, started: PredictionLog) -> None:
    started.append([churn(1, version=1, age=30), churn(2, version=1, age=31)])
    started.flush()
    started.append([churn(3, version=2, age=32, city="Oslo"), churn(4, version=2, city="Rome")])
    started.flush()
    table = LogReader(store).predictions("churn", columns=["prediction_id", "version", "inputs"])
    assert table.column_names == ["prediction_id", "version", "inputs"]
    rows = {row["prediction_id"][-1]: row["inputs"] for row in table.to_pylist()}
    assert rows == {
        "1": {"age": 30, "city": None},
        "2": {"age": 31, "city": None},
        "3": {"age": 32, "city": "Oslo"},
        "4": {"age": None, "city": "Rome"},
    }


def test_mixed_types_are_stored_as_text(store: ArtifactStore, started: PredictionLog) -> None:
    a = churn(1, x=1)
    b = churn(2, x="two")
    started.append([a, PredictionRecord(**{**_fields(b), "prediction": "yes"})])
    started.flush()
    table = LogReader(store).predictions("churn")
    assert table.schema.field("prediction").type == pa.string()
    assert sorted(table.column("prediction").to_pylist()) == ["1", "yes"]
    assert sorted(row["x"] for row in table.column("inputs").to_pylist()) == ["1", "two"]


def _fields(record: PredictionRecord) -> dict[str, Any]:
    return {name: getattr(record, name) for name in PredictionRecord.__slots__}


def test_window_reads_only_the_day_partitions_it_needs(store: ArtifactStore, started: PredictionLog) -> None:
    started.append([churn(i, day=DAY1) for i in range(5)] + [churn(i, day=DAY2) for i in range(5, 8)])
    started.flush()
    # A file that DuckDB cannot read, in a day outside the window: it must never be opened.
    store.put_key("predictions/model=churn/date=2024-02-01/broken.parquet", b"not parquet")
    reader = LogReader(store)
    window = reader.predictions("churn", since=DAY2.replace(minute=0), until=DAY2.replace(hour=1))
    assert sorted(window.column("prediction_id").to_pylist()) == [f"{i:032x}" for i in range(5, 8)]
    naive = reader.predictions("churn", since=DAY1.replace(tzinfo=None, minute=0), until=DAY2)
    assert naive.num_rows == 5
    with pytest.raises(Exception, match=r"(?i)parquet|magic"):
        reader.predictions("churn")


def test_durable_append_returns_after_fsync(store: ArtifactStore, wal_dir: Path, monkeypatch: Any) -> None:
    synced: list[int] = []
    real_fsync = os.fsync

    def counting_fsync(fd: int) -> None:
        real_fsync(fd)
        synced.append(os.fstat(fd).st_size)

    log = PredictionLog(store, wal_dir, durable=True, flush_interval=60)
    log.start()
    monkeypatch.setattr(os, "fsync", counting_fsync)
    assert log.durable

    async def one() -> None:
        await log.append_durable([churn(7)])
        (wal,) = _wal_files(wal_dir)
        on_disk = wal.stat().st_size
        assert [r.id for r in parse_frames(wal.read_bytes()).records] == [churn(7).id]
        assert synced == [on_disk]  # one fsync, after the whole frame was written

    asyncio.run(one())
    monkeypatch.undo()
    log.close()
    assert LogReader(store).count("churn") == 1


def test_group_commit_shares_fsyncs(store: ArtifactStore, wal_dir: Path, monkeypatch: Any) -> None:
    fsyncs = 0
    real_fsync = os.fsync

    def slow_fsync(fd: int) -> None:
        nonlocal fsyncs
        fsyncs += 1
        time.sleep(0.005)  # a disk, so that waiters pile up behind it
        real_fsync(fd)

    log = PredictionLog(store, wal_dir, durable=True, flush_interval=60)
    log.start()
    monkeypatch.setattr(os, "fsync", slow_fsync)

    async def many(n: int) -> None:
        async def one(i: int) -> None:
            await asyncio.sleep(0.0001 * (i % 10))
            await log.append_durable([churn(i)])

        await asyncio.gather(*(one(i) for i in range(n)))

    asyncio.run(many(300))
    monkeypatch.undo()
    assert 1 <= fsyncs <= 30, fsyncs
    assert log.stats["wal_fsyncs"] == fsyncs
    (wal,) = _wal_files(wal_dir)
    assert len(parse_frames(wal.read_bytes()).records) == 300
    log.close()


def test_non_durable_mode_writes_the_wal_within_milliseconds(started: PredictionLog, wal_dir: Path) -> None:
    started.append([churn(1)])
    asyncio.run(started.append_durable([churn(2)]))  # not durable: the same as append
    (wal,) = _wal_files(wal_dir)
    deadline = time.monotonic() + 2
    while len(parse_frames(wal.read_bytes()).records) < 2 and time.monotonic() < deadline:
        time.sleep(0.005)
    assert len(parse_frames(wal.read_bytes()).records) == 2


def test_rotates_and_converts_every_flush_interval(store: ArtifactStore, wal_dir: Path) -> None:
    log = PredictionLog(store, wal_dir, flush_interval=0.1)
    log.start()
    log.append([churn(1), churn(2)])
    deadline = time.monotonic() + 5
    while not store.list_keys("predictions/") and time.monotonic() < deadline:
        time.sleep(0.02)
    assert len(store.list_keys("predictions/model=churn/")) == 1
    assert len(_wal_files(wal_dir)) == 1  # the new, current file
    assert log.stats["last_flush_time"] > time.time() - 60
    log.close()
    assert _wal_files(wal_dir) == []


def test_lifecycle_errors(store: ArtifactStore, wal_dir: Path) -> None:
    log = PredictionLog(store, wal_dir)
    with pytest.raises(Conflict, match="not started"):
        log.flush()
    with pytest.raises(Conflict, match="not started"):
        asyncio.run(PredictionLog(store, wal_dir, durable=True).append_durable([churn(1)]))
    with pytest.raises(ValidationFailed, match="PredictionRecord"):
        log.append([{"id": "x"}])  # type: ignore[list-item]
    with pytest.raises(ValidationFailed, match="flush_interval"):
        PredictionLog(store, wal_dir, flush_interval=0)
    log.start()
    with pytest.raises(Conflict, match="already started"):
        log.start()
    log.close()
    log.close()  # idempotent
    with pytest.raises(Conflict, match="closed"):
        log.append([churn(1)])
    unstarted = PredictionLog(store, wal_dir)
    unstarted.append([churn(1)])
    with pytest.raises(Conflict, match="never started"):
        unstarted.close()


def test_records_are_checked_when_made() -> None:
    with pytest.raises(ValidationFailed) as info:
        PredictionRecord("a" * 32, 1, "m", "1", "champion", {}, 0, None, 1.0)  # type: ignore[arg-type]
    assert info.value.field == "version"
    with pytest.raises(ValidationFailed) as info:
        PredictionRecord("a" * 32, 1, "", 1, "champion", {}, 0, None, 1.0)
    assert info.value.field == "model"
