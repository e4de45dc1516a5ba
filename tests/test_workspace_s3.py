"""A workspace whose artifacts live on S3 (moto's server) and metadata on PostgreSQL: the scale-out path."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression

import tendml


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_datasets_and_models_round_trip_through_s3(
    database_url: str, s3_bucket_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TENDML_DATABASE_URL", database_url)
    monkeypatch.setenv("TENDML_ARTIFACTS_URL", s3_bucket_url)
    ws = tendml.connect()
    X, y = load_iris(return_X_y=True, as_frame=True)
    with ws.start_run(experiment="s3"):
        data = ws.log_dataset(X.assign(y=y), "iris")
        version = ws.log_model(LogisticRegression(max_iter=1000).fit(X, y), "iris", input_example=X.head())
    assert ws.artifacts.exists(data.digest) and ws.artifacts.exists(version.digest)
    assert ws.load_dataset("iris").num_rows == 150
    loaded = ws.load_model("models:/iris/1")
    np.testing.assert_array_equal(loaded.predict(X), LogisticRegression(max_iter=1000).fit(X, y).predict(X))
    assert ws.registry.lineage("iris", 1).datasets[0].id == data.id
