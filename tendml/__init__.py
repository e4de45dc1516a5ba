"""tendml: keep machine-learning models healthy in production.

Track runs, version datasets and models, and register them with their objectives::

    import tendml
    with tendml.start_run(experiment="churn"):
        tendml.log_params({"C": 1.0})
        data = tendml.log_dataset(frame, name="churn-train")
        tendml.log_metric("roc_auc", 0.91)
        version = tendml.log_model(model, name="churn", input_example=frame.head())
    model = tendml.load_model("models:/churn@champion")

Compare a current sample with a reference, column by column::

    report = tendml.drift(train_frame, last_week_frame)
    report.dataset_drift, report.drifted_columns
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from tendml.core.errors import (
    Conflict,
    IntegrityError,
    NotFound,
    PermissionDenied,
    TendmlError,
    ValidationFailed,
)
from tendml.core.settings import Settings
from tendml.entities import (
    AliasChange,
    DatasetLineage,
    DatasetVersion,
    ModelLineage,
    ModelVersion,
    RegisteredModel,
    Run,
)
from tendml.entities.monitoring import ColumnDrift, DriftReport
from tendml.monitoring import drift
from tendml.packaging import LoadedModel
from tendml.reports import drift_html as _drift_html  # noqa: F401 - registers the HTML of reports (Jupyter)
from tendml.tracking import ActiveRun
from tendml.workspace import Workspace, configure, connect, workspace

__version__ = "0.1.0"


def start_run(
    experiment: str = "default", *, name: str | None = None, tags: Mapping[str, Any] | None = None
) -> ActiveRun:
    """Start a run in the default workspace; use it as ``with tendml.start_run(...) as run:``."""
    return workspace().start_run(experiment, name=name, tags=tags)


def active_run() -> ActiveRun | None:
    """The run started in this thread and not yet ended, if any."""
    return workspace().active_run()


def end_run(status: str = "FINISHED") -> None:
    """End the active run (a no-op when there is none)."""
    run = workspace().active_run()
    if run is not None:
        run.end(status)


def log_param(key: str, value: Any) -> None:
    """Log a parameter to the active run (one is started if none is)."""
    workspace().current_run().log_param(key, value)


def log_params(params: Mapping[str, Any]) -> None:
    """Log parameters to the active run."""
    workspace().current_run().log_params(params)


def log_metric(key: str, value: float, step: int | None = None, timestamp: int | None = None) -> None:
    """Log a metric value to the active run; buffered, so it costs microseconds."""
    workspace().current_run().log_metric(key, value, step=step, timestamp=timestamp)


def log_metrics(metrics: Mapping[str, float], step: int | None = None) -> None:
    """Log several metrics to the active run at the same step."""
    workspace().current_run().log_metrics(metrics, step=step)


def set_tag(key: str, value: Any) -> None:
    """Set a tag on the active run."""
    workspace().current_run().set_tag(key, value)


def log_artifact(path: str | Path, name: str | None = None) -> None:
    """Store a file or folder with the active run."""
    workspace().current_run().log_artifact(path, name)


def log_dataset(data: Any, name: str, *, role: str = "training") -> DatasetVersion:
    """Version a table (pandas, polars, Arrow, Parquet or CSV path) under ``name``."""
    return workspace().log_dataset(data, name, role=role)


def log_model(
    model: Any,
    name: str,
    *,
    input_example: Any = None,
    flavor: str | None = None,
    datasets: Sequence[DatasetVersion | str] | None = None,
    description: str = "",
    **model_fields: Any,
) -> ModelVersion:
    """Package ``model`` and register it as the next version of ``name`` (created on first use)."""
    return workspace().log_model(
        model,
        name,
        input_example=input_example,
        flavor=flavor,
        datasets=datasets,
        description=description,
        **model_fields,
    )


def load_model(uri: str | ModelVersion) -> LoadedModel:
    """Load ``models:/name@alias``, ``models:/name/VERSION`` or ``models:/name``, verified by digest."""
    return workspace().load_model(uri)


def create_model(name: str, **fields: Any) -> RegisteredModel:
    """Register a model with owner, team, task, objective and success criteria."""
    return workspace().registry.create_model(name, **fields)


def get_model(name: str) -> RegisteredModel:
    """A registered model with its aliases."""
    return workspace().registry.get_model(name)


def search_models(**filters: Any) -> list[RegisteredModel]:
    """Registered models filtered by name (``*`` wildcards), owner, team, task or tags."""
    return workspace().registry.search_models(**filters)


def set_alias(name: str, alias: str, version: int, *, reason: str | None = None) -> AliasChange:
    """Point ``alias`` (``champion``, ``challenger``, …) of model ``name`` at ``version``."""
    return workspace().registry.set_alias(name, alias, version, reason=reason)


def lineage(name: str, version: int) -> ModelLineage:
    """A model version's run, training datasets and code commit."""
    return workspace().registry.lineage(name, version)


__all__ = [
    "ActiveRun",
    "AliasChange",
    "ColumnDrift",
    "Conflict",
    "DatasetLineage",
    "DatasetVersion",
    "DriftReport",
    "IntegrityError",
    "LoadedModel",
    "ModelLineage",
    "ModelVersion",
    "NotFound",
    "PermissionDenied",
    "RegisteredModel",
    "Run",
    "Settings",
    "TendmlError",
    "ValidationFailed",
    "Workspace",
    "__version__",
    "active_run",
    "configure",
    "connect",
    "create_model",
    "drift",
    "end_run",
    "get_model",
    "lineage",
    "load_model",
    "log_artifact",
    "log_dataset",
    "log_metric",
    "log_metrics",
    "log_model",
    "log_param",
    "log_params",
    "search_models",
    "set_alias",
    "set_tag",
    "start_run",
    "workspace",
]
