"""Prediction records spread over two models and two UTC days."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tendml.logs import PredictionRecord

DAY1 = datetime(2024, 3, 1, 23, 59, tzinfo=UTC)
DAY2 = datetime(2024, 3, 2, 0, 1, tzinfo=UTC)


def epoch_us(moment: datetime) -> int:
    return int(moment.timestamp()) * 1_000_000


def churn(i: int, *, day: datetime = DAY1, version: int = 1, **inputs: Any) -> PredictionRecord:
    """A classification prediction of the model "churn" (int class, probabilities)."""
    row = {"age": 20 + i, "plan": ["basic", "pro"][i % 2], "income": 1000.5 * i, "active": i % 3 == 0}
    return PredictionRecord(
        id=f"{i:032x}",
        time_us=epoch_us(day) + i,
        model="churn",
        version=version,
        arm="champion" if i % 4 else "challenger",
        inputs=inputs or row,
        prediction=i % 2,
        probabilities=[0.25, 0.75] if i % 2 else [0.9, 0.1],
        latency_ms=0.5 + i / 100,
    )


def price(i: int, *, day: datetime = DAY2) -> PredictionRecord:
    """A regression prediction of the model "price" (float value, no probabilities)."""
    return PredictionRecord(
        id=f"{1_000_000 + i:032x}",
        time_us=epoch_us(day) + i,
        model="price",
        version=2,
        arm="shadow",
        inputs={"rooms": i % 5, "city": None if i % 7 == 0 else "Lyon"},
        prediction=100_000.0 + i,
        probabilities=None,
        latency_ms=1.0,
    )
