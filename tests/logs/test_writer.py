"""PredictionLog: round trip to Parquet segments (local folder and S3), durable mode, rotation, lifecycle."""

from __future__ import annotations

import asyncio
import os
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pytest

from tendml.artifacts import ArtifactStore
from tendml.core.errors import Conflict, ValidationFailed
from tendml.logs import LogReader, PredictionBatch, PredictionLog
from tendml.logs.block import Block, merge
from tendml.logs.segments import predictions_table
from tendml.logs.wal import parse_frames
from tests.logs.factories import DAY1, DAY2, churn, expected_rows, frame_of, odd_batches, pid, price, replace

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


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
    churns = [churn(start, min(7, 60 - start), day=DAY1 if start < 28 else DAY2) for start in range(0, 60, 7)]
    prices = [price(start, min(3, 25 - start)) for start in range(0, 25, 3)]
    for c, p in zip(churns, prices, strict=True):  # the two models interleaved
        log.append(c)
        log.append([p])
    assert log.stats["predictions_appended"] == 85
    log.flush()

    reader = LogReader(store)
    table = reader.predictions("churn")
    assert _read_rows(table) == expected_rows(churns)
    assert _read_rows(reader.predictions("price")) == expected_rows(prices)
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
    assert log.stats["predictions_logged"] == log.stats["predictions_appended"] == 85
    log.close()
    assert _wal_files(wal_dir) == []


def test_versions_with_different_inputs_read_together(store: ArtifactStore, started: PredictionLog) -> None:
    started.append(churn(1, 2, version=1, age=[30, 31]))
    started.flush()
    started.append([churn(3, version=2, age=[32], city=["Oslo"]), churn(4, version=2, city=["Rome"])])
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
    a = churn(1, x=[1])
    b = replace(churn(2, x=np.array(["two"], dtype=object)), predictions=np.array(["yes"], dtype=object))
    started.append([a, b])
    started.flush()
    table = LogReader(store).predictions("churn")
    assert table.schema.field("prediction").type == pa.string()
    assert sorted(table.column("prediction").to_pylist()) == ["1", "yes"]
    assert sorted(row["x"] for row in table.column("inputs").to_pylist()) == ["1", "two"]


def test_numbers_of_two_types_widen_and_tensors_are_lists(
    store: ArtifactStore, started: PredictionLog
) -> None:
    ints = churn(1, 2, x=np.array([1, 2], dtype=np.int32))
    floats = churn(
        3, 2, x=np.array([0.5, np.nan]), when=np.array(["2024-03-01", "NaT"], dtype="datetime64[us]")
    )
    tensor = replace(churn(5, 2), columns=None, tensor=np.arange(8, dtype=np.int64).reshape(2, 2, 2))
    started.append(
        [ints, floats, replace(churn(7), probabilities=None, predictions=np.array([[1.5, 2.5]])), tensor]
    )
    started.flush()
    table = LogReader(store).predictions("churn")
    inputs = table.schema.field("inputs").type
    assert inputs.field("x").type == pa.float64() and inputs.field("tensor").type == pa.list_(pa.float64())
    assert inputs.field("when").type == pa.timestamp("us")
    by_id = {row["prediction_id"]: row for row in table.to_pylist()}
    assert [by_id[pid(i)]["inputs"]["x"] for i in (1, 2, 3, 4, 5)] == [1.0, 2.0, 0.5, None, None]
    assert by_id[pid(3)]["inputs"]["when"] == datetime(2024, 3, 1)
    assert by_id[pid(6)]["inputs"]["tensor"] == [4.0, 5.0, 6.0, 7.0]
    assert by_id[pid(7)]["prediction"] == "[1.5,2.5]" and by_id[pid(7)]["probabilities"] is None
    assert by_id[pid(1)]["prediction"] == "1"  # a column of ints and lists: text


def test_segments_from_the_wal_equal_segments_from_memory() -> None:
    """Recovery (blocks decoded from the WAL) writes the same tables as the normal path."""
    batches = odd_batches()
    decoded = parse_frames(frame_of(batches)).blocks
    from_wal, from_memory = (
        predictions_table(decoded),
        predictions_table(merge([Block.of(b) for b in batches])),
    )
    assert from_wal.schema == from_memory.schema
    assert from_wal.to_pylist() == from_memory.to_pylist()


def test_window_reads_only_the_day_partitions_it_needs(store: ArtifactStore, started: PredictionLog) -> None:
    started.append([churn(0, 5, day=DAY1), churn(5, 3, day=DAY2)])
    started.flush()
    # A file that DuckDB cannot read, in a day outside the window: it must never be opened.
    store.put_key("predictions/model=churn/date=2024-02-01/broken.parquet", b"not parquet")
    reader = LogReader(store)
    window = reader.predictions("churn", since=DAY2.replace(minute=0), until=DAY2.replace(hour=1))
    assert sorted(window.column("prediction_id").to_pylist()) == [pid(i) for i in range(5, 8)]
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
        await log.append_durable(churn(7))
        (wal,) = _wal_files(wal_dir)
        on_disk = wal.stat().st_size
        assert [b.ids for b in parse_frames(wal.read_bytes()).blocks] == [churn(7).ids]
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
            await log.append_durable(churn(i))

        await asyncio.gather(*(one(i) for i in range(n)))

    asyncio.run(many(300))
    monkeypatch.undo()
    assert 1 <= fsyncs <= 30, fsyncs
    assert log.stats["wal_fsyncs"] == fsyncs
    (wal,) = _wal_files(wal_dir)
    assert parse_frames(wal.read_bytes()).rows == 300
    log.close()


def test_non_durable_mode_writes_the_wal_within_milliseconds(started: PredictionLog, wal_dir: Path) -> None:
    started.append(churn(1))
    asyncio.run(started.append_durable([churn(2)]))  # not durable: the same as append
    (wal,) = _wal_files(wal_dir)
    deadline = time.monotonic() + 2
    while parse_frames(wal.read_bytes()).rows < 2 and time.monotonic() < deadline:
        time.sleep(0.005)
    assert parse_frames(wal.read_bytes()).rows == 2


def test_rotates_and_converts_every_flush_interval(store: ArtifactStore, wal_dir: Path) -> None:
    log = PredictionLog(store, wal_dir, flush_interval=0.1)
    log.start()
    log.append(churn(1, 2))
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
        asyncio.run(PredictionLog(store, wal_dir, durable=True).append_durable(churn(1)))
    with pytest.raises(ValidationFailed, match="PredictionBatch"):
        log.append([{"id": "x"}])  # type: ignore[list-item]
    with pytest.raises(ValidationFailed, match="PredictionBatch"):
        log.append({"id": "x"})  # type: ignore[arg-type]
    with pytest.raises(ValidationFailed, match="flush_interval"):
        PredictionLog(store, wal_dir, flush_interval=0)
    log.start()
    with pytest.raises(Conflict, match="already started"):
        log.start()
    log.close()
    log.close()  # idempotent
    with pytest.raises(Conflict, match="closed"):
        log.append(churn(1))
    unstarted = PredictionLog(store, wal_dir)
    unstarted.append(churn(1))
    with pytest.raises(Conflict, match="never started"):
        unstarted.close()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("ids", ["a" * 32, 1]),
        ("ids", "a" * 32),
        ("time_us", 1.5),
        ("time_us", -1),
        ("model", ""),
        ("version", "1"),
        ("version", 2**31),
        ("arm", None),
        ("latency_ms", "1"),
        ("predictions", np.array([0, 1, 2])),
        ("predictions", [0, 1]),
        ("probabilities", np.array([[1, 0], [0, 1]])),
        ("probabilities", np.zeros(2)),
        ("tensor", np.zeros((2, 3))),  # and columns
        ("columns", {"x": np.zeros(3)}),
        ("columns", {"x": np.zeros((2, 1))}),
        ("columns", {"x": [1.0, 2.0]}),
        ("columns", {1: np.zeros(2)}),
        ("columns", {"x": np.zeros(2, dtype=complex)}),
        ("columns", [np.zeros(2)]),
    ],
)
def test_batches_are_checked_when_made(field: str, value: Any) -> None:
    with pytest.raises(ValidationFailed) as info:
        replace(churn(0, 2), **{field: value})
    assert info.value.field == field
    assert f"PredictionBatch.{field} must be" in info.value.message


def test_a_tensor_batch_and_an_empty_one_are_valid() -> None:
    batch = replace(churn(0, 2), columns=None, tensor=np.zeros((2, 3)))
    assert batch.rows == 2
    assert PredictionBatch([], 0, "m", 1, "champion", {}, None, np.zeros(0), np.zeros((0, 2)), 0.0).rows == 0


def _scored_together(start: int = 0) -> PredictionBatch:
    """Three requests (1, 2 and 1 rows) that one model version scored in one call."""
    one = churn(start, 4)
    return replace(
        one,
        time_us=[one.time_us] * 3,
        arm=["champion", "shadow", "challenger"],
        latency_ms=[1.0, 2.5, 0.5],
        counts=[1, 2, 1],
    )


def test_a_batch_of_several_requests_logs_each_request(store: ArtifactStore, started: PredictionLog) -> None:
    batch = _scored_together()
    assert (batch.rows, batch.requests) == (4, 3)
    started.append(batch)
    started.flush()
    rows = _read_rows(LogReader(store).predictions("churn"))
    assert [r["arm"] for r in rows] == ["champion", "shadow", "shadow", "challenger"]
    assert [r["latency_ms"] for r in rows] == [1.0, 2.5, 2.5, 0.5]
    assert [r["prediction_id"] for r in rows] == [pid(i) for i in range(4)]
    back = Block.of(batch).batches()
    assert [b.rows for b in back] == [1, 2, 1] and [b.arm for b in back] == ["champion", "shadow", "challenger"]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("counts", [1, 2]),  # 3 rows of 4
        ("counts", [2, 2.0, 0]),
        ("counts", []),
        ("arm", ["champion", "shadow"]),
        ("arm", "champion"),
        ("time_us", [0, -1, 0]),
        ("latency_ms", [1.0, "2", 0.5]),
    ],
)
def test_requests_of_a_batch_are_checked(field: str, value: Any) -> None:
    with pytest.raises(ValidationFailed) as info:
        replace(_scored_together(), **{field: value})
    assert info.value.field == field


def test_append_later_makes_the_batch_on_the_logs_thread(
    store: ArtifactStore, started: PredictionLog, caplog: Any
) -> None:
    import threading

    made_on: list[str] = []

    def build() -> PredictionBatch:
        made_on.append(threading.current_thread().name)
        return churn(0, 3)

    def broken() -> PredictionBatch:
        raise ValueError("a bug in the caller")

    started.append_later(build)
    started.append_later(broken)
    started.append_later(lambda: [churn(3, 1), churn(4, 2)])
    assert started.holds_unconverted()
    started.flush()
    assert made_on == ["tendml-wal"]
    assert LogReader(store).count("churn") == 6
    assert started.stats["predictions_appended"] == 6 and not started.holds_unconverted()
    assert "append_later could not be made" in caplog.text
