"""One logged prediction, checked when it is made, and its JSON encoding in the write-ahead log."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from tendml.core.errors import ValidationFailed

_JSON_OPTIONS = orjson.OPT_SERIALIZE_NUMPY


@dataclass(frozen=True, slots=True)
class PredictionRecord:
    """One prediction of the inference server: what came in, what went out, how long it took.

    ``inputs`` holds one row (column -> JSON-able scalar), ``prediction`` a class label or a regression
    value, ``probabilities`` the class probabilities when the model gives them. Field types are checked
    on creation (ValidationFailed), so a bad record fails in the caller, never in the log's thread.
    The record keeps references to ``inputs`` and ``probabilities``: do not change them once logged.

    >>> record = PredictionRecord("0" * 32, 1_700_000_000_000_000, "churn", 3, "champion",
    ...                           {"age": 41, "plan": "pro"}, 1, [0.2, 0.8], 1.25)
    >>> record.model, record.inputs["age"]
    ('churn', 41)
    >>> try:
    ...     PredictionRecord("0" * 32, 1.5, "churn", 3, "champion", {}, 1, None, 1.0)
    ... except ValidationFailed as exc:
    ...     print(exc.field)
    time_us
    """

    id: str
    time_us: int
    model: str
    version: int
    arm: str
    inputs: dict[str, Any]
    prediction: Any
    probabilities: list[float] | None
    latency_ms: float

    def __post_init__(self) -> None:
        # One fast check on the common case; the slow path names the field that is wrong.
        if not (
            isinstance(self.id, str)
            and isinstance(self.time_us, int)
            and isinstance(self.model, str)
            and isinstance(self.version, int)
            and isinstance(self.arm, str)
            and isinstance(self.inputs, dict)
            and (self.probabilities is None or isinstance(self.probabilities, list))
            and isinstance(self.latency_ms, (float, int))
            and self.id
            and self.model
        ):
            _raise_invalid(self)


_EXPECTED = {
    "id": (str, "a non-empty string (32 hex characters)"),
    "time_us": (int, "an int of epoch microseconds (UTC)"),
    "model": (str, "a non-empty model name"),
    "version": (int, "an int version number"),
    "arm": (str, "a string such as 'champion', 'challenger', 'shadow' or 'pinned'"),
    "inputs": (dict, "a dict of column -> JSON-able scalar"),
    "probabilities": (list, "a list of floats or None"),
    "latency_ms": (float, "a float number of milliseconds"),
}


def _raise_invalid(record: PredictionRecord) -> None:
    for name, (kind, allowed) in _EXPECTED.items():
        value = getattr(record, name)
        if name == "probabilities" and value is None:
            continue
        ok = isinstance(value, (float, int)) if name == "latency_ms" else isinstance(value, kind)
        if not ok or (name in ("id", "model") and not value):
            raise ValidationFailed(
                f"PredictionRecord.{name} must be {allowed}, got {type(value).__name__} {value!r:.60}",
                field=name,
                hint="build records from plain Python values (int(x), float(x), str(x), dict(row))",
            )


def _json_default(value: Any) -> Any:
    """Values orjson cannot encode: NumPy scalars by value, anything else as its text."""
    item = getattr(value, "item", None)
    return item() if callable(item) else str(value)


def encode_records(records: Sequence[PredictionRecord]) -> bytes:
    """The JSON payload of one WAL frame: a list of records as objects.

    >>> encode_records([PredictionRecord("a" * 32, 5, "m", 1, "champion", {"x": 1.5}, 0, None, 2.0)])[:41]
    b'[{"id":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"'
    """
    return orjson.dumps(list(records), default=_json_default, option=_JSON_OPTIONS)


def decode_records(payload: bytes) -> list[PredictionRecord]:
    """The records of one WAL frame payload; ValueError (or ValidationFailed) if it is not one."""
    rows = orjson.loads(payload)
    if not isinstance(rows, list):
        raise ValueError("a WAL frame holds a JSON list of records")
    return [PredictionRecord(**row) for row in rows]


def json_text(value: Any) -> str:
    """A value as text: strings unchanged, anything else as compact JSON (``True`` -> ``'true'``).

    >>> json_text("yes"), json_text(True), json_text(2.5)
    ('yes', 'true', '2.5')
    """
    if isinstance(value, str):
        return value
    return orjson.dumps(value, default=_json_default, option=_JSON_OPTIONS).decode()
