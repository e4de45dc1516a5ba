"""Several worker processes behind one port share the stores; each keeps its own write-ahead log."""

from __future__ import annotations

from pathlib import Path

from tests.serving.conftest import log_reader, start_server

ROW = {"sepal_length": 6.0, "sepal_width": 2.9, "petal_length": 4.5, "petal_width": 1.5}


def test_two_workers_serve_and_log_every_prediction(own_home: Path) -> None:
    server = start_server(own_home, "iris", "--workers", "2")
    try:
        with server.client() as c:
            ids = [
                p["id"]
                for _ in range(60)
                for p in c.post("/models/iris/predict", json={"records": [ROW]}).json()["predictions"]
            ]
    finally:
        server.stop()  # graceful: every worker flushes its log
    logged = log_reader(own_home).predictions("iris").column("prediction_id").to_pylist()
    assert sorted(logged) == sorted(ids)
    assert not list((own_home / "serving" / "wal").glob("*.wal"))
