"""Success criteria: the metric thresholds a registered model must meet, such as ``roc_auc >= 0.80``."""

from __future__ import annotations

import enum
import math
import operator
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from tendml.core.errors import ValidationFailed
from tendml.entities._record import Record


class TaskType(enum.StrEnum):
    """What a registered model predicts."""

    BINARY = "binary"
    MULTICLASS = "multiclass"
    REGRESSION = "regression"
    FORECASTING = "forecasting"
    ANOMALY = "anomaly"


_CLASSIFICATION = {
    "accuracy",
    "balanced_accuracy",
    "precision",
    "recall",
    "f1",
    "roc_auc",
    "pr_auc",
    "log_loss",
    "brier",
    "calibration_error",
}
_REGRESSION = {"mae", "mse", "rmse", "mape", "smape", "r2", "median_ae"}
_ANY = {"latency_p50_ms", "latency_p99_ms", "error_rate", "bias_disparity"}

METRICS: dict[TaskType, frozenset[str]] = {
    TaskType.BINARY: frozenset(_CLASSIFICATION | _ANY),
    TaskType.MULTICLASS: frozenset(_CLASSIFICATION | _ANY),
    TaskType.REGRESSION: frozenset(_REGRESSION | _ANY),
    TaskType.FORECASTING: frozenset(_REGRESSION | _ANY),
    TaskType.ANOMALY: frozenset({"precision", "recall", "f1", "roc_auc", "pr_auc", "accuracy"} | _ANY),
}
"""The metrics a criterion may name, per task type."""

LOWER_IS_BETTER = frozenset(
    {
        "log_loss",
        "brier",
        "calibration_error",
        "mae",
        "mse",
        "rmse",
        "mape",
        "smape",
        "median_ae",
        "latency_p50_ms",
        "latency_p99_ms",
        "error_rate",
        "bias_disparity",
    }
)

_OPS: dict[str, Callable[[float, float], bool]] = {
    ">=": operator.ge,
    ">": operator.gt,
    "<=": operator.le,
    "<": operator.lt,
}
_PATTERN = re.compile(
    r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(>=|<=|>|<)\s*([-+]?[0-9]*\.?[0-9]+(?:[eE][-+]?\d+)?)\s*$"
)


@dataclass(frozen=True, slots=True)
class SuccessCriterion(Record):
    """A threshold on a metric.

    >>> c = SuccessCriterion.parse("roc_auc >= 0.80")
    >>> c, c.is_met(0.83), c.is_met(0.7)
    (SuccessCriterion(metric='roc_auc', op='>=', threshold=0.8), True, False)
    """

    metric: str
    op: str
    threshold: float

    def __str__(self) -> str:
        return f"{self.metric} {self.op} {self.threshold:g}"

    def is_met(self, value: float) -> bool:
        """Whether ``value`` satisfies the criterion (NaN never does)."""
        return not math.isnan(value) and _OPS[self.op](value, self.threshold)

    @classmethod
    def parse(
        cls, text: str, task: TaskType | None = None, *, field: str = "success_criteria"
    ) -> SuccessCriterion:
        """Parse ``"metric op number"``; with ``task``, the metric must be one that task reports."""
        match = _PATTERN.match(text) if isinstance(text, str) else None
        if match is None:
            raise ValidationFailed(
                f"cannot parse success criterion {text!r}",
                field=field,
                hint="write it as 'metric op number', for example 'roc_auc >= 0.80' "
                "(op is one of >=, >, <=, <)",
            )
        metric, op, number = match.group(1).lower(), match.group(2), float(match.group(3))
        if task is not None and metric not in METRICS[task]:
            raise ValidationFailed(
                f"metric {metric!r} is not reported for {task.value} models",
                field=field,
                hint=f"use one of: {', '.join(sorted(METRICS[task]))}",
            )
        return cls(metric=metric, op=op, threshold=number)


def parse_task(value: str | TaskType, *, field: str = "task") -> TaskType:
    """Read a task type, naming the allowed values when it is not one."""
    try:
        return TaskType(value)
    except ValueError:
        raise ValidationFailed(
            f"unknown task type {value!r}",
            field=field,
            hint=f"use one of: {', '.join(t.value for t in TaskType)}",
        ) from None


def parse_criteria(
    items: str | Sequence[str | SuccessCriterion] | None, task: TaskType
) -> tuple[SuccessCriterion, ...]:
    """Parse a list of criteria (or one string with criteria separated by ``,`` or ``;``)."""
    if items is None:
        return ()
    texts = [p for p in re.split(r"[;,]", items) if p.strip()] if isinstance(items, str) else list(items)
    return tuple(
        SuccessCriterion.parse(
            str(item) if isinstance(item, SuccessCriterion) else item, task, field=f"success_criteria[{i}]"
        )
        for i, item in enumerate(texts)
    )
