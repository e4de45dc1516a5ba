"""Dataset versions: content hashing, deduplication, schema and profile, every input form."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tendml.core.errors import NotFound, ValidationFailed
from tendml.entities import CategoricalProfile, ColumnKind, NumericProfile


@pytest.fixture
def frame() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame(
        {
            "age": rng.integers(18, 90, 500),
            "income": np.where(rng.random(500) < 0.1, np.nan, rng.normal(50_000, 10_000, 500)),
            "plan": rng.choice(["basic", "pro", "team"], 500, p=[0.6, 0.3, 0.1]),
            "churned": rng.random(500) < 0.2,
            "signup": pd.date_range("2024-01-01", periods=500, freq="h"),
        }
    )


def _blobs(root: Path) -> int:
    return sum(1 for p in (root / "blobs").rglob("*") if p.is_file())


def test_same_content_logged_twice_is_one_version_stored_once(
    ws, frame: pd.DataFrame, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    first = ws.log_dataset(frame, "customers")
    blobs = _blobs(tmp_path / "artifacts")
    again = ws.log_dataset(frame.copy(), "customers")
    assert again == first and _blobs(tmp_path / "artifacts") == blobs
    assert len(ws.datasets.search(name="customers")) == 1
    changed = ws.log_dataset(frame.iloc[:-1], "customers")
    assert (changed.version, changed.parent_id) == (2, first.id)
    assert changed.content_hash != first.content_hash


def test_every_input_form_gives_the_same_content_hash(ws, frame: pd.DataFrame, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    frame = frame.drop(columns=["signup"])  # CSV has no exact round trip for timestamps
    table = pa.Table.from_pandas(frame, preserve_index=False)
    pq.write_table(table, tmp_path / "d.parquet")
    versions = [
        ws.log_dataset(frame, "forms"),
        ws.log_dataset(table, "forms"),
        ws.log_dataset(pl.from_pandas(frame), "forms"),
        ws.log_dataset(tmp_path / "d.parquet", "forms"),
        ws.log_dataset(str(tmp_path / "d.parquet"), "forms"),
    ]
    assert {v.content_hash for v in versions} == {versions[0].content_hash}
    frame.to_csv(tmp_path / "d.csv", index=False)
    from_csv = ws.log_dataset(tmp_path / "d.csv", "csv")
    assert from_csv.rows == 500 and from_csv.source == str(tmp_path / "d.csv")


def test_schema_and_profile(ws, frame: pd.DataFrame) -> None:  # type: ignore[no-untyped-def]
    v = ws.log_dataset(frame, "customers")
    schema = {c.name: c for c in v.schema}
    assert schema["age"].kind is ColumnKind.NUMERIC and not schema["age"].nullable
    assert schema["income"].nullable and schema["income"].type == "double"
    assert schema["plan"].kind is ColumnKind.CATEGORICAL
    assert schema["churned"].kind is ColumnKind.BOOLEAN
    assert schema["signup"].kind is ColumnKind.DATETIME

    income = v.profile["income"]
    assert isinstance(income, NumericProfile)
    values = frame["income"].dropna().to_numpy()
    assert income.count == values.size and income.nulls == frame["income"].isna().sum()
    assert income.mean == pytest.approx(values.mean()) and income.std == pytest.approx(values.std(ddof=1))
    assert (income.min, income.max) == (values.min(), values.max())
    assert income.quantiles["p50"] == pytest.approx(np.median(values))
    assert sum(income.counts) == values.size and len(income.edges) == len(income.counts) + 1
    assert np.array_equal(income.counts, np.histogram(values, bins=np.array(income.edges))[0])

    plan = v.profile["plan"]
    assert isinstance(plan, CategoricalProfile)
    assert dict(plan.top) == frame["plan"].value_counts().to_dict() and plan.distinct == 3
    churned = v.profile["churned"]
    assert isinstance(churned, CategoricalProfile) and churned.count == 500


def test_stored_rows_read_back_exactly(ws, frame: pd.DataFrame) -> None:  # type: ignore[no-untyped-def]
    v = ws.log_dataset(frame, "customers")
    table = ws.load_dataset("customers", v.version)
    assert table.num_rows == 500
    assert table.to_pandas()["plan"].tolist() == frame["plan"].tolist()


def test_dataset_logged_in_a_run_is_its_input(ws, frame: pd.DataFrame) -> None:  # type: ignore[no-untyped-def]
    with ws.start_run() as run:
        train = ws.log_dataset(frame, "train")
        holdout = ws.log_dataset(frame.iloc[:50], "holdout", role="holdout")
    assert run.inputs("training") == [train.id]
    assert sorted(ws.tracker.get_run(run.id).inputs) == sorted([train.id, holdout.id])


def test_errors_name_the_field(ws) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationFailed) as err:
        ws.log_dataset([1, 2, 3], "x")
    assert err.value.field == "data" and "DataFrame" in (err.value.hint or "")
    with pytest.raises(ValidationFailed, match="dataset name"):
        ws.log_dataset(pd.DataFrame({"a": [1]}), "bad@name")
    with pytest.raises(NotFound):
        ws.log_dataset("missing.parquet", "x")
    with pytest.raises(NotFound):
        ws.datasets.get("nope")
