"""Feedback: late labels joined to logged predictions; idempotent; unknown ids reported."""

from __future__ import annotations

from pathlib import Path

from tests.serving.conftest import log_reader, start_server

ROW = {"sepal_length": 6.0, "sepal_width": 2.9, "petal_length": 4.5, "petal_width": 1.5}


def test_labels_join_predictions_idempotently(own_home: Path) -> None:
    server = start_server(own_home, "iris", "tensor")
    try:
        with server.client() as c:
            reply = c.post("/models/iris/predict", json={"records": [ROW] * 4}).json()
            ids = [p["id"] for p in reply["predictions"]]
            labels = [{"prediction_id": i, "label": 1} for i in ids[:3]]
            first = c.post(
                "/feedback",
                json={"model": "iris", "labels": [*labels, {"prediction_id": "nope", "label": 2}]},
            )
            again = c.post("/feedback", json={"model": "iris", "labels": labels})
            changed = c.post(
                "/feedback", json={"model": "iris", "labels": [{"prediction_id": ids[0], "label": 2}]}
            )
            no_model = c.post("/feedback", json={"labels": labels})
            bad = c.post("/feedback", json={"model": "iris", "labels": [{"prediction_id": ids[0]}]})
    finally:
        server.stop()
    assert first.json() == {"accepted": 3, "duplicates": 0, "unknown_ids": ["nope"]}
    assert again.json() == {"accepted": 0, "duplicates": 3, "unknown_ids": []}
    assert changed.json() == {"accepted": 1, "duplicates": 0, "unknown_ids": []}
    assert no_model.status_code == 422 and no_model.json()["error"]["field"] == "model"
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "labels[0].label"
    joined = log_reader(own_home).joined("iris").to_pandas().set_index("prediction_id")
    assert joined.loc[ids[0], "label"] in (2, "2") and joined.loc[ids[1], "label"] in (1, "1")
    assert joined.loc[ids[3], "label"] is None or joined["label"].isna()[ids[3]]


def test_feedback_for_predictions_of_an_earlier_server_process(own_home: Path) -> None:
    server = start_server(own_home, "iris")
    try:
        with server.client() as c:
            ids = [
                p["id"]
                for p in c.post("/models/iris/predict", json={"records": [ROW] * 2}).json()["predictions"]
            ]
    finally:
        server.stop()
    server = start_server(own_home, "iris")  # knows these ids only from the log
    try:
        with server.client() as c:
            reply = c.post("/feedback", json={"labels": [{"prediction_id": i, "label": 0} for i in ids]})
    finally:
        server.stop()
    assert reply.json() == {"accepted": 2, "duplicates": 0, "unknown_ids": []}
