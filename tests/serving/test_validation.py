"""Bad input gets a 4xx naming the field, in each protocol's error shape; nothing gives a 500."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest

from tests.serving.conftest import Server, copy_store, start_server

GOOD = {"sepal_length": 5.1, "sepal_width": 3.5, "petal_length": 1.4, "petal_width": 0.2}


@pytest.fixture(scope="module")
def small(store_home: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    home = copy_store(store_home, tmp_path_factory.mktemp("small"))
    running = start_server(home, "iris", "tensor", "--max-body-bytes", "20000")
    yield running
    running.stop()


@pytest.mark.parametrize(
    ("record", "field", "words"),
    [
        ({k: v for k, v in GOOD.items() if k != "petal_width"}, "petal_width", "missing"),
        ({**GOOD, "color": "red"}, "color", "unknown"),
        ({**GOOD, "sepal_length": "long"}, "sepal_length", "double"),
        ({**GOOD, "sepal_length": None}, "sepal_length", "null"),
        ({**GOOD, "sepal_length": True}, "sepal_length", "double"),
    ],
)
def test_native_validation_names_the_field(
    small: Server, record: dict[str, object], field: str, words: str
) -> None:
    with small.client() as c:
        reply = c.post("/models/iris/predict", json={"records": [GOOD, record]})
    assert reply.status_code == 422, reply.text
    error = reply.json()["error"]
    assert error["field"] == field and words in error["message"].lower()


def test_each_protocol_answers_errors_in_its_own_shape(small: Server) -> None:
    with small.client() as c:
        mlflow = c.post("/invocations", json={"dataframe_records": [{"sepal_length": "x"}]})
        v2 = c.post(
            "/v2/models/iris/infer",
            json={"inputs": [{"name": "sepal_length", "shape": [2], "datatype": "FP64", "data": [1.0]}]},
        )
        native = c.post("/models/iris/predict", content=b"{not json")
        csv = c.post("/invocations", content=b"a,b\n1,2\n", headers={"Content-Type": "text/plain"})
        unknown_model = c.post("/models/nope/predict", json={"records": [GOOD]})
        unknown_v2 = c.post("/v2/models/nope/infer", json={"inputs": []})
    assert mlflow.status_code in (400, 422) and mlflow.json()["error_code"] == "BAD_REQUEST"
    assert v2.status_code in (400, 422) and isinstance(v2.json()["error"], str)
    assert "shape" in v2.json()["error"].lower()
    assert native.status_code == 400 and native.json()["error"]["type"] == "RequestError"
    assert csv.status_code == 415
    assert unknown_model.status_code == 404 and unknown_model.json()["error"]["field"] == "model"
    assert unknown_v2.status_code == 404


def test_body_over_the_limit_is_413(small: Server) -> None:
    body = orjson.dumps({"records": [GOOD] * 2000})
    assert len(body) > 20000
    with small.client() as c:
        reply = c.post("/models/iris/predict", content=body)
        chunked = c.post("/models/iris/predict", content=iter([body[:10000], body[10000:]]))
    assert reply.status_code == 413 and reply.json()["error"]["field"] == "body"
    assert chunked.status_code == 413


def test_random_bodies_never_produce_a_5xx(small: Server) -> None:
    rng = random.Random(7)
    values = [None, True, 1, -1.5, 1e308, "x", "", [], {}, [1, 2], {"a": 1}, "NaN"]

    def junk(depth: int = 0) -> object:
        kind = rng.random()
        if depth > 3 or kind < 0.4:
            return rng.choice(values)
        if kind < 0.7:
            return [junk(depth + 1) for _ in range(rng.randint(0, 4))]
        keys = [
            "records",
            "inputs",
            "name",
            "shape",
            "datatype",
            "data",
            "dataframe_split",
            "columns",
            "instances",
            "labels",
            "prediction_id",
            "label",
            "model",
            *GOOD,
        ]
        return {rng.choice(keys): junk(depth + 1) for _ in range(rng.randint(0, 4))}

    paths = [
        "/models/iris/predict",
        "/v2/models/iris/infer",
        "/invocations",
        "/feedback",
        "/models/tensor/predict",
        "/v2/models/tensor/infer",
    ]
    with small.client() as c:
        for i in range(600):
            path = paths[i % len(paths)]
            body = (
                orjson.dumps(junk())
                if i % 5
                else bytes(rng.getrandbits(8) for _ in range(rng.randint(0, 64)))
            )
            reply = c.post(path, content=body, headers={"Content-Type": "application/json"})
            assert reply.status_code < 500, (path, body[:200], reply.text)


def test_unknown_paths_and_methods_answer_json(small: Server) -> None:
    with small.client() as c:
        v2 = c.get("/v2/models/iris/versions/abc")
        native = c.get("/models/iris/predict")
        other = c.get("/nowhere")
    assert v2.status_code == 404 and isinstance(v2.json()["error"], str)
    assert native.status_code == 405 and native.json()["error"]["type"] == "MethodNotAllowed"
    assert other.status_code == 404 and other.json()["error"]["type"] == "NotFound"
