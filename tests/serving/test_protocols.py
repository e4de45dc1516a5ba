"""Every protocol against a real server: v2 (with tritonclient), MLflow's /invocations, native, health."""

from __future__ import annotations

import numpy as np
import orjson
import pandas as pd
import pytest
import tritonclient.http as triton
from sklearn.linear_model import LogisticRegression

from tests.serving.conftest import Server


@pytest.fixture(scope="module")
def expected(iris: tuple[pd.DataFrame, pd.Series]) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    X, y = iris
    model = LogisticRegression(max_iter=1000).fit(X, y)
    rows = X.iloc[[0, 60, 120]]
    return rows, model.predict(rows), model.predict_proba(rows)


def test_health_endpoints(server: Server) -> None:
    with server.client() as c:
        assert c.get("/ping").status_code == 200
        assert c.get("/health").status_code == 200
        assert c.get("/version").text.strip() == "0.1.0"
        assert c.get("/v2/health/live").json() == {"live": True}
        assert c.get("/v2/health/ready").json() == {"ready": True}
        assert c.get("/v2/models/iris/ready").status_code == 200
        assert c.get("/v2/models/nope/ready").status_code == 503
        meta = c.get("/v2").json()
        assert "binary_tensor_data" in meta["extensions"]


def test_v2_model_metadata(server: Server) -> None:
    with server.client() as c:
        meta = c.get("/v2/models/iris").json()
    assert meta["name"] == "iris" and meta["versions"] == ["1"]
    assert [i["name"] for i in meta["inputs"]] == [
        "sepal_length",
        "sepal_width",
        "petal_length",
        "petal_width",
    ]
    assert {i["datatype"] for i in meta["inputs"]} == {"FP64"}


def test_tritonclient_binary_and_json(server: Server, expected) -> None:  # type: ignore[no-untyped-def]
    rows, labels, proba = expected
    client = triton.InferenceServerClient(url=f"127.0.0.1:{server.port}")
    assert client.is_server_live() and client.is_model_ready("iris")
    for binary in (True, False):
        inputs = []
        for name in rows.columns:
            tensor = triton.InferInput(name, [len(rows)], "FP64")
            tensor.set_data_from_numpy(rows[name].to_numpy(), binary_data=binary)
            inputs.append(tensor)
        outputs = [
            triton.InferRequestedOutput("predict", binary_data=binary),
            triton.InferRequestedOutput("predict_proba", binary_data=binary),
        ]
        result = client.infer("iris", inputs, outputs=outputs)
        np.testing.assert_array_equal(result.as_numpy("predict"), labels)
        np.testing.assert_allclose(result.as_numpy("predict_proba"), proba)
    # one 2-D tensor for an all-numeric model, as Triton clients often send
    whole = triton.InferInput("input__0", list(rows.shape), "FP64")
    whole.set_data_from_numpy(rows.to_numpy())
    np.testing.assert_array_equal(client.infer("iris", [whole]).as_numpy("predict"), labels)


def test_v2_json_per_column_and_versioned_path(server: Server, expected) -> None:  # type: ignore[no-untyped-def]
    rows, labels, _ = expected
    body = {
        "id": "req-1",
        "inputs": [
            {"name": c, "shape": [len(rows)], "datatype": "FP64", "data": rows[c].tolist()}
            for c in rows.columns
        ],
    }
    with server.client() as c:
        reply = c.post("/v2/models/iris/versions/1/infer", json=body).json()
        missing = c.post("/v2/models/iris/versions/9/infer", json=body)
    assert reply["model_name"] == "iris" and reply["model_version"] == "1" and reply["id"] == "req-1"
    predict = next(o for o in reply["outputs"] if o["name"] == "predict")
    assert predict["data"] == labels.tolist() and predict["shape"] == [3]
    assert missing.status_code == 404 and "error" in missing.json()


# Payloads from MLflow's documentation, "Deploy MLflow Model as a Local Inference Server"
# (https://mlflow.org/docs/latest/deployment/deploy-model-locally), with iris' columns.
def _mlflow_payloads(rows: pd.DataFrame) -> list[tuple[str, bytes]]:
    split = rows.to_dict(orient="split")
    records = rows.to_dict(orient="records")
    return [
        (
            "application/json",
            orjson.dumps({"dataframe_split": {"columns": split["columns"], "data": split["data"]}}),
        ),
        ("application/json", orjson.dumps({"dataframe_split": split})),
        ("application/json", orjson.dumps({"dataframe_records": records})),
        ("application/json", orjson.dumps({"instances": records})),
        ("application/json", orjson.dumps({"inputs": {c: rows[c].tolist() for c in rows.columns}})),
        ("application/json", orjson.dumps({"inputs": records, "params": {}})),
        ("text/csv", rows.to_csv(index=False).encode()),
    ]


def test_mlflow_invocations_every_documented_format(server: Server, expected) -> None:  # type: ignore[no-untyped-def]
    rows, labels, _ = expected
    with server.client() as c:
        for content_type, body in _mlflow_payloads(rows):
            reply = c.post("/invocations", content=body, headers={"Content-Type": content_type})
            assert reply.status_code == 200, (content_type, body[:80], reply.text)
            assert reply.json() == {"predictions": labels.tolist()}


def test_native_predict_returns_ids_probabilities_version_and_arm(server: Server, expected) -> None:  # type: ignore[no-untyped-def]
    rows, labels, proba = expected
    with server.client() as c:
        reply = c.post("/models/iris/predict", json={"records": rows.to_dict(orient="records")}).json()
    assert (reply["model"], reply["version"], reply["arm"]) == ("iris", 1, "champion")
    assert [p["prediction"] for p in reply["predictions"]] == labels.tolist()
    assert len({p["id"] for p in reply["predictions"]}) == 3
    got = np.array([[p["probabilities"][str(k)] for k in (0, 1, 2)] for p in reply["predictions"]])
    np.testing.assert_allclose(got, proba)


def test_tensor_model(server: Server) -> None:
    data = [[1.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 1.0]]
    with server.client() as c:
        native = c.post("/models/tensor/predict", json={"tensor": data})
        v2 = c.post(
            "/v2/models/tensor/infer",
            json={"inputs": [{"name": "x", "shape": [2, 4], "datatype": "FP64", "data": data}]},
        )
    assert native.status_code == 200, native.text
    values = [p["prediction"] for p in native.json()["predictions"]]
    np.testing.assert_allclose(values, [1.0, 4.0], atol=0.05)
    assert v2.status_code == 200, v2.text
    np.testing.assert_allclose(v2.json()["outputs"][0]["data"], values)


def test_openapi_is_generated_from_each_signature(server: Server) -> None:
    with server.client() as c:
        spec = c.get("/openapi.json").json()
    assert spec["openapi"].startswith("3.")
    assert "/models/iris/predict" in spec["paths"] and "/models/tensor/predict" in spec["paths"]
    text = orjson.dumps(spec).decode()
    assert "petal_width" in text


def test_metrics_count_requests_per_model_version_and_arm(server: Server, expected) -> None:  # type: ignore[no-untyped-def]
    rows, _, _ = expected
    with server.client() as c:
        for _ in range(3):
            c.post("/models/iris/predict", json={"records": rows.to_dict(orient="records")})
        c.post("/models/iris/predict", json={"records": [{"bad": 1}]})
        text = c.get("/metrics").text
    assert 'tendml_requests_total{arm="champion",model="iris",protocol="native",version="1"}' in text
    assert 'tendml_request_errors_total{model="iris",protocol="native",status="422"}' in text
    assert "tendml_request_latency_seconds_bucket" in text and "tendml_batch_rows_bucket" in text
