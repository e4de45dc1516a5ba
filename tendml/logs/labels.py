"""The label log: ground truth sent back for logged predictions, one Parquet segment per write."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import pyarrow as pa

from tendml.artifacts import ArtifactStore
from tendml.core.errors import ValidationFailed
from tendml.core.ids import new_id
from tendml.logs.arrays import value_array
from tendml.logs.segments import TIMESTAMP, day_of, model_prefix, parquet_bytes


class LabelLog:
    """Writes labels (``prediction id -> true value``) of a model to the artifact store.

    Each :meth:`write` is one segment ``labels/model=<model>/date=<day>/<id>.parquet`` with the columns
    ``prediction_id``, ``label`` and ``time``; segment ids are time-ordered, so when a label is sent again
    the reader keeps the latest.

    >>> store = ArtifactStore("memory://doctest-labels")
    >>> key = LabelLog(store).write("churn", [("a" * 32, 1), ("b" * 32, 0)], time_us=0)
    >>> key.startswith("labels/model=churn/date=1970-01-01/")
    True
    """

    def __init__(self, artifacts: ArtifactStore) -> None:
        self._artifacts = artifacts

    def __repr__(self) -> str:
        return f"LabelLog({self._artifacts!r})"

    def write(self, model: str, labels: Sequence[tuple[str, Any]], time_us: int | None = None) -> str:
        """Write one segment of labels and return its key; stored durably when this returns.

        ``labels`` are ``(prediction_id, label)`` pairs (a pair repeated within one call counts once, the
        last wins); ``time_us`` defaults to now. A label value keeps its type; values of mixed types are
        stored as text (JSON for non-strings).
        """
        rows = _check(model, labels, time_us)
        now = time.time_ns() // 1000 if time_us is None else time_us
        table = pa.table(
            {
                "prediction_id": pa.array(list(rows), type=pa.string()),
                "label": value_array(list(rows.values())),
                "time": pa.array([now] * len(rows), type=TIMESTAMP),
            }
        )
        key = f"{model_prefix('labels', model)}date={day_of(now)}/{new_id()}.parquet"
        self._artifacts.put_key(key, parquet_bytes(table))
        return key


def _check(model: str, labels: Sequence[tuple[str, Any]], time_us: int | None) -> dict[str, Any]:
    """The labels as ``{prediction_id: label}``, or ValidationFailed naming what is wrong."""
    if not isinstance(model, str) or not model:
        raise ValidationFailed(f"LabelLog.write model must be a non-empty name, got {model!r}", field="model")
    if time_us is not None and (not isinstance(time_us, int) or isinstance(time_us, bool)):
        raise ValidationFailed(
            f"LabelLog.write time_us must be epoch microseconds (int), got {time_us!r}", field="time_us"
        )
    rows: dict[str, Any] = {}
    for pair in labels:
        if not (isinstance(pair, (tuple, list)) and len(pair) == 2 and isinstance(pair[0], str) and pair[0]):
            raise ValidationFailed(
                f"LabelLog.write labels must be (prediction_id, label) pairs, got {pair!r:.80}",
                field="labels",
            )
        rows[pair[0]] = pair[1]
    if not rows:
        raise ValidationFailed("LabelLog.write got no labels", field="labels", hint="send at least one pair")
    return rows
