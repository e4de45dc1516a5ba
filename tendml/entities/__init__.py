"""Entities: frozen records passed between layers (runs, datasets, models, audit, lineage)."""

from tendml.entities._record import Record, jsonable
from tendml.entities.audit import AuditEvent
from tendml.entities.criteria import METRICS, SuccessCriterion, TaskType, parse_criteria, parse_task
from tendml.entities.datasets import (
    CategoricalProfile,
    ColumnKind,
    ColumnProfile,
    ColumnSchema,
    DatasetVersion,
    NumericProfile,
)
from tendml.entities.deployments import TrafficMode, TrafficPolicy
from tendml.entities.lineage import DatasetLineage, ModelLineage
from tendml.entities.models import (
    AliasChange,
    ColumnSpec,
    IOKind,
    ModelVersion,
    RegisteredModel,
    Schema,
    Signature,
    TensorSpec,
)
from tendml.entities.runs import Environment, Experiment, Metric, Run, RunArtifact, RunStatus
from tendml.entities.serving import ServeOptions

__all__ = [
    "METRICS",
    "AliasChange",
    "AuditEvent",
    "CategoricalProfile",
    "ColumnKind",
    "ColumnProfile",
    "ColumnSchema",
    "ColumnSpec",
    "DatasetLineage",
    "DatasetVersion",
    "Environment",
    "Experiment",
    "IOKind",
    "Metric",
    "ModelLineage",
    "ModelVersion",
    "NumericProfile",
    "Record",
    "RegisteredModel",
    "Run",
    "RunArtifact",
    "RunStatus",
    "Schema",
    "ServeOptions",
    "Signature",
    "SuccessCriterion",
    "TaskType",
    "TensorSpec",
    "TrafficMode",
    "TrafficPolicy",
    "jsonable",
    "parse_criteria",
    "parse_task",
]
