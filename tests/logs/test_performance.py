"""The hot path: a request's batch costs microseconds on the caller's thread and the background keeps up.

Measured on the 2-CPU development machine (20 float columns, probabilities of 2 classes), CPU time:

=========  ==========================  ==========================================
rows       caller (build + append)     background (WAL + segments), per 1,000 rows
=========  ==========================  ==========================================
1          11-20 us (records: 10-20)   4-7 ms (records: 6-10 ms)
100        19-40 us (records: 360-880)  1.1-2.2 ms (records: 7-10 ms)
=========  ==========================  ==========================================

A slower 2-CPU machine (a pure-Python loop 2.5x slower) measured 65 us for 100 rows beside another
test process.
"""

from __future__ import annotations

import gc
import time
from pathlib import Path

import numpy as np
import pytest

from tendml.artifacts import ArtifactStore
from tendml.core.ids import new_ids
from tendml.logs import LogReader, PredictionBatch, PredictionLog

COLUMNS = 20


@pytest.mark.parametrize(("rows", "requests"), [(1, 20_000), (100, 2_000)])
def test_a_request_costs_microseconds_and_the_background_keeps_up(
    store: ArtifactStore, wal_dir: Path, rows: int, requests: int
) -> None:
    """What the server does per request (build one batch of 20 float columns, append it), in CPU time of
    the calling thread; then the CPU time of the log's threads until everything is in Parquet."""
    rng = np.random.default_rng(0)
    columns = {f"f{i}": rng.random(rows) for i in range(COLUMNS)}
    predictions, proba = rng.integers(0, 2, rows), rng.random((rows, 2))
    ids = new_ids(rows)
    log = PredictionLog(store, wal_dir, flush_interval=3600)
    log.start()
    gc.collect()
    cpu, caller = time.process_time(), time.thread_time()
    for _ in range(requests):
        now = time.time_ns() // 1000
        batch = PredictionBatch(ids, now, "bench", 1, "champion", columns, None, predictions, proba, 1.0)
        log.append(batch)
    appended = time.thread_time()
    log.flush()
    background = (time.process_time() - cpu) - (time.thread_time() - caller)
    log.close()

    per_request_us = (appended - caller) / requests * 1e6
    per_1000_rows_ms = background / (requests * rows) * 1e6
    print(
        f"\n{rows} rows: caller {per_request_us:.1f} us CPU/request; background {per_1000_rows_ms:.2f} ms CPU/1000 rows"
    )
    # Bounds that only an order-of-magnitude regression crosses (per-row records cost 360-880 us a
    # 100-row request): machines differ by 3x, and CI shares its CPUs (see the module's docstring).
    assert per_request_us < 250
    assert per_1000_rows_ms < (100 if rows == 1 else 25)
    assert LogReader(store).count("bench") == requests * rows
