"""Blocks: packing a batch's numeric columns, merging the batches of a WAL write, and back to batches."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from tendml.artifacts import ArtifactStore
from tendml.core.columns import PackedColumns
from tendml.logs import LogReader, PredictionBatch, PredictionLog
from tendml.logs.batch import PACK_ROWS
from tendml.logs.block import Block, merge
from tendml.logs.segments import predictions_table
from tendml.logs.wal import parse_frames
from tests.logs.factories import DAY2, churn, frame_of, pid, price, replace, same_batches


def numeric(start: int, rows: int = 1, dtype: type = np.float64, **changes: object) -> PredictionBatch:
    """A batch of "churn" whose inputs are three columns of one numeric dtype."""
    values = np.arange(start, start + rows, dtype=dtype)
    columns = {"a": values, "b": values * 2, "c": values * 3}
    return replace(churn(start, rows), columns=columns, **changes)


def test_a_small_batch_of_one_numeric_dtype_is_packed() -> None:
    packed = Block.of(numeric(0, 2)).columns
    assert type(packed) is PackedColumns
    assert packed.names == ("a", "b", "c") and packed.matrix.shape == (3, 2)
    assert packed["b"].tolist() == [0.0, 2.0] and dict(packed).keys() == {"a", "b", "c"}
    for kept in (numeric(0, PACK_ROWS + 1), churn(0, 2), replace(churn(0), columns={"a": np.zeros(1)})):
        assert type(Block.of(kept).columns) is dict


def test_merge_groups_by_model_day_and_columns_and_gives_the_batches_back() -> None:
    batches = [
        numeric(0, 2),
        churn(10, 3),
        numeric(20, 1, version=2),
        price(0, 2),
        numeric(30, 1, time_us=churn(0, day=DAY2).time_us),
        churn(40, 2),
        replace(churn(50), ids=[], predictions=np.zeros(0), probabilities=np.zeros((0, 2)), columns=None),
    ]
    blocks = merge([Block.of(b) for b in batches])
    assert [(b.model, b.counts) for b in blocks] == [
        ("churn", [2, 1]),
        ("churn", [3, 2]),
        ("price", [2]),
        ("churn", [1]),
    ]
    assert blocks[0].version == [1, 2] and type(blocks[0].columns) is PackedColumns
    assert same_batches([b for block in blocks for b in block.batches()], batches[:-1])


def test_a_version_with_other_dtypes_is_a_block_of_its_own() -> None:
    batches = [numeric(0), numeric(1, dtype=np.float32), numeric(2), churn(3, x=[1]), churn(4, x=["a"])]
    blocks = merge([Block.of(b) for b in batches])
    assert sorted(b.counts for b in blocks) == [[1], [1], [1], [1, 1]]
    assert same_batches([b for block in blocks for b in block.batches()], batches)


def test_packed_blocks_round_trip_the_wal_and_read_back(store: ArtifactStore, wal_dir: Path) -> None:
    batches = [numeric(i, 1 + i % 3) for i in range(0, 40, 4)] + [numeric(100, 2, dtype=np.int32)]
    contents = parse_frames(frame_of(batches))
    assert all(type(block.columns) is PackedColumns for block in contents.blocks)
    assert same_batches([b for block in contents.blocks for b in block.batches()], batches)
    memory = predictions_table(merge([Block.of(b) for b in batches]))
    assert predictions_table(contents.blocks).to_pylist() == memory.to_pylist()

    log = PredictionLog(store, wal_dir)
    log.start()
    log.append(batches[:5])
    log.append(churn(200, 2))  # the same model, other columns: fields of the same struct
    log.close()
    table = LogReader(store).predictions("churn").to_pylist()
    by_id = {row["prediction_id"]: row["inputs"] for row in table}
    assert by_id[pid(4)] == {
        "a": 4.0,
        "b": 8.0,
        "c": 12.0,
        "age": None,
        "plan": None,
        "income": None,
        "active": None,
    }
    assert by_id[pid(201)]["a"] is None and by_id[pid(201)]["plan"] == "pro"
