"""Monitoring results: the drift of each column between a reference and a current sample, and of the set.

Results are plain frozen records (JSON-ready through :meth:`DriftReport.to_dict`). How a result shows
itself as HTML (in Jupyter, or saved) is registered by ``tendml.reports``, which sits above this layer:
:func:`register_html` keeps the entities free of any rendering library.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tendml.entities._record import Record

_HTML: dict[type, Callable[[Any], str]] = {}


def register_html(kind: type, render: Callable[[Any], str]) -> None:
    """Let ``render(result)`` make the HTML of results of type ``kind`` (``_repr_html_`` in Jupyter)."""
    _HTML[kind] = render


@dataclass(frozen=True, slots=True)
class Distribution(Record):
    """What a chart of one column needs, reference against current: counts on shared bins (numeric:
    ``bins`` are the ``len(counts) + 1`` edges) or per category (``bins`` are the category labels)."""

    bins: tuple[Any, ...]
    reference: tuple[int, ...]
    current: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class ColumnDrift(Record):
    """The verdict for one column.

    ``type`` is ``numeric`` or ``categorical`` (how it was compared); ``statistic`` the method's
    statistic (a distance, or a test statistic whose ``p_value`` is given); ``drifted`` is
    ``p_value < threshold`` for tests and ``statistic >= threshold`` for distances. ``nulls`` counts
    the missing values of the current sample (they are left out of the comparison).
    """

    name: str
    type: str
    method: str
    statistic: float
    p_value: float | None
    threshold: float
    drifted: bool
    reference_count: int
    current_count: int
    nulls: int = 0
    distribution: Distribution | None = None

    @property
    def severity(self) -> float:
        """How far past (or short of) its threshold the column is, comparable across methods."""
        if self.p_value is not None:
            return (self.threshold - self.p_value) / max(self.threshold, 1e-12)
        return (self.statistic - self.threshold) / max(self.threshold, 1e-12)

    def summary(self) -> dict[str, Any]:
        """The JSON entry of the column (without its distribution)."""
        return {
            "type": self.type,
            "method": self.method,
            "statistic": self.statistic,
            "p_value": self.p_value,
            "threshold": self.threshold,
            "drifted": self.drifted,
        }


@dataclass(frozen=True, slots=True)
class MultivariateResult(Record):
    """A multivariate drift verdict: the statistic, the band (``lower``..``upper``) or threshold
    (``upper``) it is held against, and how it was made (components kept, folds)."""

    method: str
    statistic: float
    lower: float | None
    upper: float
    drifted: bool
    detail: str = ""


@dataclass(frozen=True, slots=True)
class DriftReport(Record):
    """Drift of a current sample against a reference: a verdict per column and for the dataset.

    The dataset drifts when the share of drifted columns reaches ``share_threshold`` (Evidently's
    default, 0.5).
    """

    columns: tuple[ColumnDrift, ...]
    reference_rows: int
    current_rows: int
    share_threshold: float = 0.5
    seconds: float = field(default=0.0, compare=False)
    multivariate: tuple[MultivariateResult, ...] = ()

    @property
    def drift_share(self) -> float:
        """The share of compared columns that drifted (0 when there are none)."""
        return sum(c.drifted for c in self.columns) / len(self.columns) if self.columns else 0.0

    @property
    def dataset_drift(self) -> bool:
        return bool(self.columns) and self.drift_share >= self.share_threshold

    @property
    def drifted_columns(self) -> list[str]:
        return [c.name for c in self.columns if c.drifted]

    def column(self, name: str) -> ColumnDrift:
        """The verdict of column ``name``; KeyError if it was not compared."""
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(name)

    def to_dict(self) -> dict[str, Any]:
        """``{"dataset_drift", "drift_share", "columns": {name: {"type", "method", "statistic",
        "p_value", "threshold", "drifted"}}}``, plus the row counts and the share threshold."""
        return {
            "dataset_drift": self.dataset_drift,
            "drift_share": self.drift_share,
            "share_threshold": self.share_threshold,
            "reference_rows": self.reference_rows,
            "current_rows": self.current_rows,
            "columns": {c.name: c.summary() for c in self.columns},
            "multivariate": {m.method: Record.to_dict(m) for m in self.multivariate},
        }

    def _repr_html_(self) -> str | None:
        render = _HTML.get(type(self))
        return render(self) if render is not None else None

    def __str__(self) -> str:
        verdict = "drift" if self.dataset_drift else "no drift"
        drifted = ", ".join(self.drifted_columns[:10]) or "none"
        return (
            f"{verdict}: {sum(c.drifted for c in self.columns)} of {len(self.columns)} columns drifted "
            f"({self.drift_share:.0%}; threshold {self.share_threshold:.0%}): {drifted}"
        )


@dataclass(frozen=True, slots=True)
class MetricValue(Record):
    """A metric of a window with its confidence interval (bootstrap, 95 %)."""

    value: float
    low: float | None = None
    high: float | None = None


@dataclass(frozen=True, slots=True)
class Usage(Record):
    """Traffic of a window: predictions, latency percentiles (ms) and predictions by arm and version."""

    predictions: int
    latency_p50_ms: float | None
    latency_p95_ms: float | None
    latency_p99_ms: float | None
    by_arm: dict[str, int]
    by_version: dict[str, int]


@dataclass(frozen=True, slots=True)
class ConceptDrift(Record):
    """Changes a detector found in a window's error stream: how many, and when (prediction times)."""

    detector: str
    points: int
    changes: int
    at: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Bias(Record):
    """Predictions by group of a sensitive attribute: per group ``(rows, positive rate, accuracy or
    None)``; ``positive_rate_ratio`` the lowest over the highest positive rate (1 is parity; under 0.8
    fails the four-fifths rule) and ``accuracy_gap`` the largest difference in accuracy."""

    attribute: str
    positive: str
    groups: dict[str, tuple[int, float, float | None]]
    positive_rate_ratio: float
    accuracy_gap: float | None


@dataclass(frozen=True, slots=True)
class MonitorResult(Record):
    """One window of a served model's prediction log against its reference.

    ``data_drift`` compares the window's inputs with the reference (the model version's training
    dataset); ``prediction_drift`` compares its predictions with the reference's target column when
    the dataset has exactly one column besides the inputs; ``performance`` holds the realised metrics
    of the labelled predictions (empty before any label arrives) and ``labelled`` how many there are.
    ``estimated`` holds CBPE's label-free estimates (value and band) when the caller gave a labelled
    reference the model did not train on (a held-out set: training data makes a model over-confident).
    """

    model: str
    version: int
    since: str | None
    until: str | None
    rows: int
    reference: str | None
    usage: Usage
    data_drift: DriftReport | None
    prediction_drift: ColumnDrift | None
    performance: dict[str, MetricValue]
    labelled: int
    bias: Bias | None = None
    concept_drift: tuple[ConceptDrift, ...] = ()
    estimated: dict[str, MetricValue] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        out = Record.to_dict(self)
        out["data_drift"] = None if self.data_drift is None else self.data_drift.to_dict()
        out["prediction_drift"] = None if self.prediction_drift is None else self.prediction_drift.summary()
        return out
