"""LabelLog and LogReader: latest labels, joins, id look-ups, empty logs (local folder and S3)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pytest

from tendml.artifacts import ArtifactStore
from tendml.core.errors import ValidationFailed
from tendml.logs import LabelLog, LogReader, PredictionLog
from tests.logs.factories import DAY1, DAY2, churn, epoch_us, pid, price, replace


@pytest.fixture
def logged(artifact_url: str, wal_dir: Path) -> ArtifactStore:
    """A store (each backend) with 10 churn predictions over two days and 3 price predictions."""
    store = ArtifactStore(artifact_url)
    log = PredictionLog(store, wal_dir)
    log.start()
    log.append([churn(0, 6, day=DAY1), churn(6, 4, day=DAY2)])
    log.append(price(0, 3))
    log.close()
    return store


def test_labels_joined_and_existing_ids(logged: ArtifactStore) -> None:
    labels = LabelLog(logged)
    first = labels.write("churn", [(pid(1), 1), (pid(2), 0)], time_us=epoch_us(DAY2))
    assert first.startswith("labels/model=churn/date=2024-03-02/") and first.endswith(".parquet")
    labels.write("churn", [(pid(1), 1)], time_us=epoch_us(DAY2))  # the same label again
    labels.write("churn", [(pid(7), 0), (pid(7), 1)])  # repeated within one write: the last wins
    reader = LogReader(logged)

    latest = reader.labels("churn")
    assert sorted(zip(*latest.select(["prediction_id", "label"]).to_pydict().values(), strict=True)) == [
        (pid(1), 1),
        (pid(2), 0),
        (pid(7), 1),
    ]
    joined = reader.joined("churn")
    assert joined.num_rows == 10
    by_id = dict(
        zip(joined.column("prediction_id").to_pylist(), joined.column("label").to_pylist(), strict=True)
    )
    assert by_id == {pid(i): {1: 1, 2: 0, 7: 1}.get(i) for i in range(10)}
    window = reader.joined("churn", since=DAY2.replace(hour=0, minute=0), until=DAY2.replace(hour=1))
    assert sorted(window.column("label").to_pylist(), key=str) == [1, None, None, None]

    unknown = "f" * 32
    ids = [pid(3), price(2).ids[0], unknown]
    assert reader.existing_ids("churn", ids) == {pid(3)}
    assert reader.existing_ids(None, ids) == {pid(3), price(2).ids[0]}
    assert reader.existing_ids("churn", []) == set()


def test_a_label_changed_later_wins(store: ArtifactStore) -> None:
    labels = LabelLog(store)
    labels.write("churn", [("a" * 32, "yes")], time_us=100)
    labels.write("churn", [("a" * 32, "no")], time_us=200)
    labels.write("churn", [("a" * 32, "maybe")], time_us=50)  # sent late, but about an earlier time
    assert LogReader(store).labels("churn").column("label").to_pylist() == ["no"]


def test_mixed_label_types_are_text(store: ArtifactStore) -> None:
    LabelLog(store).write("churn", [("a" * 32, 1), ("b" * 32, "other"), ("c" * 32, None)])
    table = LogReader(store).labels("churn")
    assert table.schema.field("label").type == pa.string()
    assert sorted(table.column("label").to_pylist(), key=str) == ["1", None, "other"]


def test_an_empty_log_reads_as_empty_tables(store: ArtifactStore) -> None:
    reader = LogReader(store)
    predictions = reader.predictions("churn")
    assert predictions.num_rows == 0
    assert predictions.column_names == [
        "prediction_id",
        "time",
        "model",
        "version",
        "arm",
        "inputs",
        "prediction",
        "probabilities",
        "latency_ms",
    ]
    assert reader.predictions("churn", columns=["time", "arm"]).column_names == ["time", "arm"]
    assert reader.labels("churn").column_names == ["prediction_id", "label", "time"]
    assert reader.joined("churn").column_names[-1] == "label"
    assert reader.count("churn") == 0
    assert reader.existing_ids(None, ["a" * 32]) == set()


def test_bad_arguments_are_validation_errors(store: ArtifactStore) -> None:
    reader = LogReader(store)
    with pytest.raises(ValidationFailed) as info:
        reader.predictions("churn", columns=["nope"])
    assert info.value.field == "columns"
    with pytest.raises(ValidationFailed):
        reader.count("")
    labels = LabelLog(store)
    for bad in ([], [("a" * 32,)], [(1, 1)]):
        with pytest.raises(ValidationFailed) as info:
            labels.write("churn", bad)  # type: ignore[arg-type]
        assert info.value.field == "labels"
    with pytest.raises(ValidationFailed):
        labels.write("churn", [("a" * 32, 1)], time_us=1.5)  # type: ignore[arg-type]


def test_any_model_name_is_one_partition(store: ArtifactStore, wal_dir: Path) -> None:
    odd = replace(churn(1), model="team/a b")
    log = PredictionLog(store, wal_dir)
    log.start()
    log.append(odd)
    log.close()
    assert store.list_keys("predictions/")[0].startswith("predictions/model=team%2Fa%20b/date=2024-03-01/")
    assert LogReader(store).predictions("team/a b").column("model").to_pylist() == ["team/a b"]


def test_server_ids_are_looked_up_in_the_days_they_name(store: ArtifactStore, wal_dir: Path) -> None:
    """An id the server made starts with its time: only that day's partition is read for it. Ids of
    another shape (a caller's own) are looked up in every day."""
    from tendml.core.ids import new_ids
    from tendml.logs.reader import _id_days

    today_ids = new_ids(2)
    log = PredictionLog(store, wal_dir)
    log.start()
    log.append(replace(churn(0, 2, day=DAY1), ids=today_ids))  # logged under an old day on purpose
    log.append(churn(10, 1, day=DAY2))
    log.close()
    reader = LogReader(store)
    # The id says today, the prediction says DAY1: the look-up reads today's partition, and misses.
    assert reader.existing_ids("churn", today_ids) == set()
    assert reader.existing_ids(None, today_ids) == set(today_ids)  # any model: every partition
    assert reader.existing_ids("churn", [pid(10), "not-a-server-id"]) == {pid(10)}
    days = _id_days(today_ids[:1])
    assert days is not None and datetime.now(UTC).date() in {d.date() for d in days}
    assert _id_days(["0" * 32]) is None and _id_days(["zz" * 16]) is None
