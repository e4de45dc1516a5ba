"""Blocks: batches merged, one array per column, what the WAL and the segments hold.

A server answering 1-row requests hands thousands of batches a second to the log, each with an array
per input column. Touching each of those arrays again in the log's threads, long after the request
(cold in the CPU's caches), cost more than the request's own work for them. So a batch of at most
``PACK_ROWS`` rows whose columns share one numeric dtype is packed, on the caller's thread, into one
2-D array (:class:`PackedColumns`); and every write of the WAL (20 ms) merges its batches by model, UTC
day and columns into one block: a few concatenations a block instead of work for each batch and column.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import accumulate, chain
from operator import attrgetter, itemgetter
from typing import Any, cast

import numpy as np

from tendml.core.columns import PackedColumns
from tendml.logs.batch import PredictionBatch

DAY_US = 86_400_000_000
_DTYPE, _COLUMNS = attrgetter("dtype"), attrgetter("columns")


@dataclass(slots=True, eq=False)
class Block:
    """Batches of one model and UTC day with the same inputs and output types, merged.

    ``ids`` and the arrays hold every row; ``counts``, ``time_us``, ``version``, ``arm`` and
    ``latency_ms`` hold one value per batch (``counts`` its rows). Not changed once made (not frozen:
    a frozen dataclass costs a microsecond more to make, on the request's thread).
    """

    model: str
    ids: list[str]
    counts: list[int]
    time_us: list[int]
    version: list[int]
    arm: list[str]
    latency_ms: list[float]
    columns: Mapping[str, np.ndarray] | None
    tensor: np.ndarray | None
    predictions: np.ndarray
    probabilities: np.ndarray | None

    @classmethod
    def of(cls, batch: PredictionBatch) -> Block:
        """The block of one batch, with the batch's packed columns if it has them (not its arrays: the
        request's arrays are freed on the request's thread, while they are in the CPU's caches)."""
        columns = batch.columns
        if batch.packed is not None:
            columns = PackedColumns(tuple(columns), batch.packed)  # type: ignore[arg-type]
        ids = batch.ids
        counts, time_us, arm, latency = _per_request(batch)
        return cls(
            batch.model,
            ids if type(ids) is list else list(ids),
            counts,
            time_us,
            [batch.version] * len(counts),
            arm,
            latency,
            columns,
            batch.tensor,
            batch.predictions,
            batch.probabilities,
        )

    @property
    def rows(self) -> int:
        """The number of predictions."""
        return len(self.ids)

    @property
    def day(self) -> int:
        """The UTC day of its predictions, in days since 1970-01-01."""
        return self.time_us[0] // DAY_US

    def batches(self) -> list[PredictionBatch]:
        """The batches again (views of the block's arrays): recovery's view of a block, and tests'."""
        ends = list(accumulate(self.counts))
        out = []
        for n, (start, stop) in enumerate(zip([0, *ends], ends, strict=False)):
            part = slice(start, stop)
            out.append(
                PredictionBatch(
                    ids=self.ids[part],
                    time_us=self.time_us[n],
                    model=self.model,
                    version=self.version[n],
                    arm=self.arm[n],
                    columns=None if self.columns is None else {k: v[part] for k, v in self.columns.items()},
                    tensor=None if self.tensor is None else self.tensor[part],
                    predictions=self.predictions[part],
                    probabilities=None if self.probabilities is None else self.probabilities[part],
                    latency_ms=self.latency_ms[n],
                )
            )
        return out


def _per_request(batch: PredictionBatch) -> tuple[list[int], list[int], list[str], list[float]]:
    """(counts, time_us, arm, latency_ms) as lists of one value per request (the batch checked them)."""
    if batch.counts is None:
        one = (cast(int, batch.time_us), cast(str, batch.arm), cast(float, batch.latency_ms))
        return [len(batch.ids)], [one[0]], [one[1]], [one[2]]
    return (
        list(batch.counts),
        list(cast("Sequence[int]", batch.time_us)),
        list(batch.arm),
        list(cast("Sequence[float]", batch.latency_ms)),
    )


class _Mixed(Exception):
    """Arrays of one field have different types: the blocks do not merge as one."""


def merge(blocks: Sequence[Block]) -> list[Block]:
    """The blocks merged: one per model, UTC day, input names and array types (blocks without rows
    are dropped). Blocks merged into one keep their order.

    >>> a = PredictionBatch(["a"], 0, "m", 1, "champion", {"x": np.array([1.0])}, None, np.array([0]),
    ...                     None, 1.0)
    >>> b = PredictionBatch(["b", "c"], 5, "m", 2, "shadow", {"x": np.array([2.0, 3.0])}, None,
    ...                     np.array([1, 1]), None, 2.0)
    >>> (block,) = merge([Block.of(a), Block.of(b)])
    >>> block.ids, block.counts, block.arm, block.columns["x"].tolist()
    (['a', 'b', 'c'], [1, 2], ['champion', 'shadow'], [1.0, 2.0, 3.0])
    """
    groups: dict[tuple[Any, ...], list[Block]] = {}
    for block in blocks:
        if block.ids:
            groups.setdefault(_key(block), []).append(block)
    merged = []
    for group in groups.values():
        try:
            merged.append(_merged(group))
        except _Mixed:  # a version with other dtypes, say: a block for each set of types
            by_types: dict[tuple[Any, ...], list[Block]] = {}
            for block in group:
                by_types.setdefault(_types(block), []).append(block)
            merged.extend(_merged(same) for same in by_types.values())
    return merged


def _key(block: Block) -> tuple[Any, ...]:
    """What blocks must share to merge, known without looking at each column."""
    columns = block.columns
    if type(columns) is PackedColumns:
        names: Any = (columns.names, columns.matrix.dtype)
    else:
        names = None if columns is None else tuple(columns)
    tensor, probabilities = block.tensor is None, block.probabilities is None
    return (block.model, block.day, names, tensor, probabilities)


def _types(block: Block) -> tuple[Any, ...]:
    arrays = [block.predictions, block.tensor, block.probabilities, *(block.columns or {}).values()]
    return tuple(None if a is None else (a.dtype, a.shape[1:]) for a in arrays)


def _merged(group: list[Block]) -> Block:
    """One block of blocks that share a key; _Mixed if some field's arrays differ in type."""
    first = group[0]
    if len(group) == 1:
        return first
    tensor, probabilities = first.tensor, first.probabilities
    return Block(
        model=first.model,
        ids=list(chain.from_iterable(block.ids for block in group)),
        counts=list(chain.from_iterable(block.counts for block in group)),
        time_us=list(chain.from_iterable(block.time_us for block in group)),
        version=list(chain.from_iterable(block.version for block in group)),
        arm=list(chain.from_iterable(block.arm for block in group)),
        latency_ms=list(chain.from_iterable(block.latency_ms for block in group)),
        columns=_merged_columns(group),
        tensor=None if tensor is None else _concat([b.tensor for b in group]),
        predictions=_concat([block.predictions for block in group]),
        probabilities=None if probabilities is None else _concat([b.probabilities for b in group]),
    )


def _merged_columns(group: list[Block]) -> Mapping[str, np.ndarray] | None:
    first = group[0].columns
    if first is None:
        return None
    if type(first) is PackedColumns:  # the key holds the names and the dtype
        return PackedColumns(first.names, np.concatenate([b.columns.matrix for b in group], axis=1))  # type: ignore[union-attr]
    dicts = list(map(_COLUMNS, group))
    return {name: _concat(list(map(itemgetter(name), dicts)), flat=True) for name in first}


def _concat(pieces: list[Any], *, flat: bool = False) -> np.ndarray:
    """The pieces as one array; _Mixed unless they share a dtype (and, unless ``flat``, trailing shape)."""
    if len(set(map(_DTYPE, pieces))) != 1 or (not flat and len({p.shape[1:] for p in pieces}) != 1):
        raise _Mixed
    return np.concatenate(pieces)
