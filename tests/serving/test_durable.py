"""Durable mode: kill -9 of the server loses no acknowledged prediction."""

from __future__ import annotations

import os
import signal
import threading
from pathlib import Path

import httpx

from tests.serving.conftest import log_reader, start_server

ROW = {"sepal_length": 6.0, "sepal_width": 2.9, "petal_length": 4.5, "petal_width": 1.5}


def _recover(home: Path) -> None:
    """What the next server start does first: turn the write-ahead log left behind into segments."""
    from tendml.artifacts import ArtifactStore
    from tendml.logs import PredictionLog

    log = PredictionLog(ArtifactStore(str(home / "artifacts")), home / "serving" / "wal")
    log.start()
    log.close()


def test_kill_9_after_acknowledged_predictions_loses_none(own_home: Path) -> None:
    server = start_server(own_home, "iris", "--durable", "--flush-interval", "3600")
    acknowledged: list[str] = []
    with server.client() as c:
        for _ in range(150):
            reply = c.post("/models/iris/predict", json={"records": [ROW]})
            assert reply.status_code == 200
            acknowledged += [p["id"] for p in reply.json()["predictions"]]
    os.kill(server.process.pid, signal.SIGKILL)
    server.process.wait(timeout=10)
    assert list((own_home / "serving" / "wal").glob("*.wal"))  # nothing had reached Parquet yet
    _recover(own_home)
    logged = log_reader(own_home).predictions("iris").column("prediction_id").to_pylist()
    assert len(logged) == len(acknowledged) and set(logged) == set(acknowledged)


def test_kill_9_under_concurrent_traffic_keeps_every_acknowledged_prediction(own_home: Path) -> None:
    server = start_server(own_home, "iris", "--durable")
    acknowledged: list[str] = []
    stop = threading.Event()

    def client() -> None:
        with httpx.Client(base_url=server.url, timeout=10) as c:
            while not stop.is_set():
                try:
                    reply = c.post("/models/iris/predict", json={"records": [ROW, ROW]})
                except httpx.TransportError:
                    return  # the server died mid-request: not acknowledged
                if reply.status_code == 200:
                    acknowledged.extend(p["id"] for p in reply.json()["predictions"])

    threads = [threading.Thread(target=client) for _ in range(6)]
    for t in threads:
        t.start()
    while len(acknowledged) < 400:
        threading.Event().wait(0.05)
    os.kill(server.process.pid, signal.SIGKILL)
    stop.set()
    for t in threads:
        t.join()
    server.process.wait(timeout=10)
    restarted = start_server(own_home, "iris")  # recovers the write-ahead log on start
    restarted.stop()
    logged = set(log_reader(own_home).predictions("iris").column("prediction_id").to_pylist())
    assert set(acknowledged) <= logged
