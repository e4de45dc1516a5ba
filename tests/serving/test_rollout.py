"""Controlled rollout against a real server: canary split, shadow logging, promotion and rollback
under traffic with zero failed requests."""

from __future__ import annotations

import threading
import time
from collections import Counter
from itertools import pairwise
from pathlib import Path

import httpx

import tendml
from tests.serving.conftest import log_reader, start_server

ROW = {"sepal_length": 6.0, "sepal_width": 2.9, "petal_length": 4.5, "petal_width": 1.5}


def test_canary_sends_a_share_to_the_challenger_sticky_by_key(own_home: Path) -> None:
    tendml.connect(own_home).traffic.set("iris", "canary", share=0.3)
    server = start_server(own_home, "iris")
    try:
        with server.client() as c:
            arms = Counter(
                c.post("/models/iris/predict", json={"records": [ROW]}).json()["arm"] for _ in range(400)
            )
            keyed = {
                k: {
                    c.post("/models/iris/predict", json={"records": [ROW], "key": f"user-{k}"}).json()["arm"]
                    for _ in range(3)
                }
                for k in range(150)
            }
    finally:
        server.stop()
    assert set(arms) == {"champion", "challenger"}
    assert 80 <= arms["challenger"] <= 160  # 30 % of 400 is 120; the binomial sd is 9
    assert all(len(seen) == 1 for seen in keyed.values())  # the same key always lands on the same arm
    share = sum(seen == {"challenger"} for seen in keyed.values()) / len(keyed)
    assert 0.15 <= share <= 0.45


def test_shadow_logs_the_challenger_and_never_returns_it(own_home: Path) -> None:
    tendml.connect(own_home).traffic.set("iris", "shadow")
    server = start_server(own_home, "iris")
    try:
        with server.client() as c:
            replies = [c.post("/models/iris/predict", json={"records": [ROW, ROW]}).json() for _ in range(25)]
    finally:
        server.stop()  # graceful: the prediction log is flushed
    assert {(r["arm"], r["version"]) for r in replies} == {("champion", 1)}
    ids = {p["id"] for r in replies for p in r["predictions"]}
    table = log_reader(own_home).predictions("iris").to_pandas()
    champion = table[table["arm"] == "champion"]
    shadow = table[table["arm"] == "shadow"]
    assert set(champion["prediction_id"]) == ids and set(shadow["prediction_id"]) == ids
    assert set(shadow["version"]) == {2} and set(champion["version"]) == {1}


def test_promotion_and_rollback_under_traffic_fail_no_request(own_home: Path) -> None:
    ws = tendml.connect(own_home)
    server = start_server(own_home, "iris")
    seen: list[tuple[float, int, int]] = []  # (time, status, version)
    stop = threading.Event()

    def client() -> None:
        with httpx.Client(base_url=server.url, timeout=30) as c:
            while not stop.is_set():
                reply = c.post("/models/iris/predict", json={"records": [ROW]})
                version = reply.json().get("version", -1) if reply.status_code == 200 else -1
                seen.append((time.monotonic(), reply.status_code, version))

    def wait_for(version: int) -> float:
        start = time.monotonic()
        while time.monotonic() - start < 10:
            if seen and seen[-1][2] == version:
                return time.monotonic() - start
            time.sleep(0.05)
        raise AssertionError(f"the server did not switch to version {version}")

    threads = [threading.Thread(target=client) for _ in range(4)]
    try:
        for t in threads:
            t.start()
        time.sleep(1.0)
        ws.registry.set_alias("iris", "champion", 2, reason="promote")
        promoted_in = wait_for(2)
        time.sleep(1.0)
        ws.registry.set_alias("iris", "champion", 1, reason="roll back")
        rolled_back_in = wait_for(1)
        time.sleep(0.5)
    finally:
        stop.set()
        for t in threads:
            t.join()
        server.stop()
    statuses = Counter(status for _, status, _ in seen)
    assert statuses == {200: len(seen)} and len(seen) > 100
    assert promoted_in < 5 and rolled_back_in < 5
    versions = [v for _, _, v in sorted(seen)]
    changes = [b for a, b in pairwise(versions) if a != b]
    assert changes[:1] == [2] and changes[-1] == 1
