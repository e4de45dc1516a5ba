"""The hot path: an append costs microseconds on the caller's thread and the background keeps up."""

from __future__ import annotations

import time
from pathlib import Path

from tendml.artifacts import ArtifactStore
from tendml.logs import LogReader, PredictionLog
from tests.logs.factories import churn

N = 100_000


def test_appending_costs_microseconds_and_the_background_keeps_up(
    store: ArtifactStore, wal_dir: Path
) -> None:
    records = [churn(i) for i in range(N)]
    log = PredictionLog(store, wal_dir)
    log.start()
    start = time.perf_counter()
    for record in records:
        log.append([record])
    appended = time.perf_counter()
    log.flush()
    flushed = time.perf_counter()
    log.close()

    per_call_us = (appended - start) / N * 1e6
    flush_s = flushed - appended
    print(f"\nappend: {per_call_us:.2f} us/call; flush after {N} appends: {flush_s:.2f} s")
    # Generous bounds (measured here: about 3 us/call and well under a second).
    assert per_call_us < 20
    assert flush_s < 5
    assert LogReader(store).count("churn") == N
