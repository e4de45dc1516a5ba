"""A monitoring window over a served model's prediction log: drift, realised performance, usage.

The window is read from the log's Parquet segments with DuckDB (only the day partitions it spans),
joined with the latest label of each prediction. The reference is the training dataset the model
version was logged with (its lineage), or a frame the caller gives.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from tendml.core.errors import NotFound, ValidationFailed
from tendml.entities.criteria import TaskType
from tendml.entities.models import ModelVersion
from tendml.entities.monitoring import Bias, ColumnDrift, ConceptDrift, MetricValue, MonitorResult, Usage
from tendml.logs import LogReader
from tendml.monitoring.concept import DETECTORS, error_stream_changes
from tendml.monitoring.drift import drift
from tendml.stats import CBPE, fairness, performance

if TYPE_CHECKING:
    from tendml.datasets import Datasets
    from tendml.registry import Registry

#: Bootstrap resamples for the confidence intervals of the realised metrics.
BOOTSTRAP = 200


def parse_window(window: str) -> timedelta | int:
    """``"1d"``, ``"6h"``, ``"30m"`` → a duration; ``"10000"`` → the newest that many rows.

    >>> parse_window("6h"), parse_window("500")
    (datetime.timedelta(seconds=21600), 500)
    """
    text = window.strip().lower()
    units = {"d": "days", "h": "hours", "m": "minutes", "w": "weeks"}
    try:
        if text[-1:] in units:
            amount = float(text[:-1])
            if amount > 0:
                return timedelta(**{units[text[-1]]: amount})
        elif int(text) > 0:
            return int(text)
    except ValueError:
        pass
    raise ValidationFailed(
        f"window {window!r} is neither a duration nor a number of rows",
        field="window",
        hint="use 1d, 6h, 30m, 2w or a row count such as 10000",
    )


def monitor_window(
    registry: Registry,
    datasets: Datasets,
    reader: LogReader,
    name: str,
    *,
    window: str | timedelta | int = "1d",
    until: datetime | None = None,
    reference: Any = None,
    segment: str | None = None,
) -> MonitorResult:
    """Monitor the newest ``window`` of model ``name``'s predictions (ending at ``until``, default now);
    with ``segment``, an input column, also the bias across its groups."""
    version = registry.resolve(name)
    span = parse_window(window) if isinstance(window, str) else window
    end = until or datetime.now(UTC)
    since = end - span if isinstance(span, timedelta) else None
    table = reader.joined(name, since=since, until=end)
    if isinstance(span, int) and table.num_rows > span:
        newest = pc.sort_indices(table, [("time", "descending")])[:span]
        table = table.take(newest)
    features = list(version.signature.inputs.names)
    inputs = _inputs(table, features)
    ref_frame, ref_name = _reference(registry, datasets, version, reference)
    data_drift = prediction_drift = None
    if table.num_rows and ref_frame is not None:
        shared = [f for f in features if f in ref_frame.columns and f in inputs.columns]
        if shared:
            data_drift = drift(ref_frame[shared], inputs[shared])
        target = [c for c in ref_frame.columns if c not in features]
        if len(target) == 1:
            prediction_drift = _prediction_drift(ref_frame[target[0]], table)
    task = registry.get_model(name).task
    labelled, metrics = _performance(task, version, table)
    bias = _bias(version, table, inputs, segment) if segment is not None else None
    concept = _concept(task, table) if labelled else ()
    estimated: dict[str, MetricValue] = {}
    if reference is not None and ref_frame is not None and table.num_rows:
        estimated = _estimated(registry, version, ref_frame, table)
    return MonitorResult(
        model=name,
        version=version.version,
        since=since.isoformat() if since else None,
        until=end.isoformat(),
        rows=table.num_rows,
        reference=ref_name,
        usage=_usage(table),
        data_drift=data_drift,
        prediction_drift=prediction_drift,
        performance=metrics,
        labelled=labelled,
        bias=bias,
        concept_drift=concept,
        estimated=estimated,
    )


def _inputs(table: pa.Table, features: list[str]) -> pd.DataFrame:
    if table.num_rows == 0 or "inputs" not in table.column_names:
        return pd.DataFrame(columns=features)
    struct = table.column("inputs").combine_chunks()
    names = [struct.type.field(i).name for i in range(struct.type.num_fields)]
    return pd.DataFrame({n: struct.field(n).to_numpy(zero_copy_only=False) for n in names})


def _reference(
    registry: Registry, datasets: Datasets, version: ModelVersion, given: Any
) -> tuple[pd.DataFrame | None, str | None]:
    if given is not None:
        frame = given if isinstance(given, pd.DataFrame) else pa.table(given).to_pandas()
        return frame, "given"
    lineage = registry.lineage(version.model, version.version)
    if not lineage.datasets:
        return None, None  # logged without a training dataset: no drift reference
    found = lineage.datasets[0]
    try:
        table = datasets.load(found.name, found.version)
    except NotFound:
        return None, None
    return table.to_pandas(), f"{found.name}@{found.version}"


def _prediction_drift(target: pd.Series, table: pa.Table) -> ColumnDrift | None:
    predictions = pd.Series(table.column("prediction").to_pylist(), name="prediction")
    if pd.api.types.is_numeric_dtype(target) and not pd.api.types.is_bool_dtype(target):
        predictions = pd.to_numeric(predictions, errors="coerce")
    else:
        target = target.astype(str)
        predictions = predictions.astype(str)
    reference = pd.DataFrame({"prediction": target.to_numpy()})
    return drift(reference, pd.DataFrame({"prediction": predictions})).column("prediction")


def _bias(version: ModelVersion, table: pa.Table, inputs: pd.DataFrame, segment: str) -> Bias | None:
    if segment not in version.signature.inputs.names:
        raise ValidationFailed(
            f"segment {segment!r} is not an input of {version.model}",
            field="segment",
            hint=f"inputs: {', '.join(version.signature.inputs.names)}",
        )
    classes = version.signature.classes
    if table.num_rows == 0 or classes is None or segment not in inputs.columns:
        return None
    main = pc.not_equal(table.column("arm"), "shadow").to_numpy(zero_copy_only=False)
    predictions = np.asarray(table.column("prediction").to_pylist(), dtype=object)[main]
    labels = np.asarray(table.column("label").to_pylist(), dtype=object)[main]
    groups = inputs[segment].to_numpy()[main]
    positive = classes[-1]
    rates = fairness.group_rates(groups, predictions, positive=positive)
    labelled = np.array([v is not None for v in labels])
    if labelled.any():
        with_labels = fairness.group_rates(
            groups[labelled], predictions[labelled], positive=positive, y_true=labels[labelled]
        )
        rates = {
            g: (n, rate, with_labels[g][2] if g in with_labels else None) for g, (n, rate, _) in rates.items()
        }
    ratio, gap = fairness.disparity(rates)
    return Bias(segment, str(positive), rates, ratio, gap)


def _estimated(
    registry: Registry, version: ModelVersion, reference: pd.DataFrame, table: pa.Table
) -> dict[str, MetricValue]:
    """CBPE fitted on the labelled reference (its one non-input column is the target), estimating the
    window's accuracy, ROC AUC and F1 from the logged probabilities alone."""
    classes = version.signature.classes
    features = list(version.signature.inputs.names)
    target = [c for c in reference.columns if c not in features]
    if classes is None or len(target) != 1 or table.column("probabilities").null_count:
        return {}
    model = registry.load_model(version)
    proba_ref = np.asarray(model.predict_proba(reference[features]), dtype=np.float64)
    cbpe = CBPE().fit(reference[target[0]].to_numpy(), proba_ref, classes=list(classes))
    main = table.filter(pc.not_equal(table.column("arm"), "shadow"))
    if main.num_rows == 0:
        return {}
    proba = np.asarray(main.column("probabilities").to_pylist(), dtype=np.float64)
    return {e.metric: MetricValue(e.value, e.lower, e.upper) for e in cbpe.estimate(proba)}


def _concept(task: TaskType, table: pa.Table) -> tuple[ConceptDrift, ...]:
    """ADWIN and Page–Hinkley over the labelled predictions' errors, in time order."""
    rows = _labelled(table)
    rows = rows.take(pc.sort_indices(rows, [("time", "ascending")]))
    labels, predictions = rows.column("label").to_pylist(), rows.column("prediction").to_pylist()
    if task is TaskType.REGRESSION:
        try:
            errors = np.abs(np.asarray(labels, dtype=np.float64) - np.asarray(predictions, dtype=np.float64))
        except (TypeError, ValueError):
            return ()
    else:
        errors = (np.asarray(labels, dtype=object).astype(str) != np.asarray(predictions).astype(str)).astype(
            float
        )
    times = [t.isoformat() for t in rows.column("time").to_pylist()]
    return tuple(error_stream_changes(errors, times, detector=d) for d in DETECTORS)


def _labelled(table: pa.Table) -> pa.Table:
    """The labelled predictions of the answering arms (a shadow's rows score the challenger)."""
    answered = pc.and_(pc.is_valid(table.column("label")), pc.not_equal(table.column("arm"), "shadow"))
    return table.filter(answered)


def _usage(table: pa.Table) -> Usage:
    if table.num_rows == 0:
        return Usage(0, None, None, None, {}, {})
    latency = table.column("latency_ms").to_numpy(zero_copy_only=False).astype(np.float64)
    p50, p95, p99 = (float(v) for v in np.nanpercentile(latency, [50, 95, 99]))

    def counts(column: str) -> dict[str, int]:
        found = pc.value_counts(table.column(column)).to_pylist()
        return {str(item["values"]): int(item["counts"]) for item in found}

    return Usage(table.num_rows, p50, p95, p99, counts("arm"), counts("version"))


_CLASSIFICATION: dict[str, Callable[..., float]] = {
    "accuracy": performance.accuracy,
    "precision": lambda t, p: performance.precision(t, p, average="macro"),
    "recall": lambda t, p: performance.recall(t, p, average="macro"),
    "f1": lambda t, p: performance.f1(t, p, average="macro"),
}
_REGRESSION: dict[str, Callable[..., float]] = {
    "mae": performance.mae,
    "rmse": performance.rmse,
    "mape": performance.mape,
    "r2": performance.r2,
}


def _performance(
    task: TaskType, version: ModelVersion, table: pa.Table
) -> tuple[int, dict[str, MetricValue]]:
    """Realised metrics of the labelled rows (main arms only: a shadow's rows score the challenger)."""
    if table.num_rows == 0:
        return 0, {}
    rows = _labelled(table)
    if rows.num_rows == 0:
        return 0, {}
    labels = rows.column("label").to_pylist()
    predictions = rows.column("prediction").to_pylist()
    out: dict[str, MetricValue] = {}
    if task is TaskType.REGRESSION:
        y_true = np.asarray(labels, dtype=np.float64)
        y_pred = np.asarray(predictions, dtype=np.float64)
        metrics = _REGRESSION
    else:
        y_true, y_pred = np.asarray(labels, dtype=object).astype(str), np.asarray(predictions).astype(str)
        metrics = _CLASSIFICATION if task in (TaskType.BINARY, TaskType.MULTICLASS) else {}
        out |= _roc_auc(version, rows, y_true)
    for metric, fn in metrics.items():
        try:
            value = fn(y_true, y_pred)
            low, high = (
                performance.bootstrap_ci(fn, y_true, y_pred, n=BOOTSTRAP) if len(y_true) > 1 else (None, None)
            )
        except ValidationFailed:
            continue  # a metric undefined on these labels (one class only, say)
        out[metric] = MetricValue(value, low, high)
    return rows.num_rows, out


def _roc_auc(version: ModelVersion, rows: pa.Table, y_true: np.ndarray) -> dict[str, MetricValue]:
    classes = version.signature.classes
    if classes is None or len(classes) != 2 or rows.column("probabilities").null_count:
        return {}
    proba = np.asarray(rows.column("probabilities").to_pylist(), dtype=np.float64)
    positive = (y_true == str(classes[1])).astype(np.int64)
    if positive.min() == positive.max():
        return {}
    score = proba[:, 1]
    value = performance.roc_auc(positive, score)
    low, high = performance.bootstrap_ci(performance.roc_auc, positive, score, n=BOOTSTRAP, stratified=True)
    return {"roc_auc": MetricValue(value, low, high)}
