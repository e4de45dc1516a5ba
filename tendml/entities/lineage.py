"""Lineage both ways: a version back to its run, data and commit; a dataset forward to its models."""

from __future__ import annotations

from dataclasses import dataclass

from tendml.entities._record import Record
from tendml.entities.datasets import DatasetVersion
from tendml.entities.models import ModelVersion
from tendml.entities.runs import Run


@dataclass(frozen=True, slots=True)
class ModelLineage(Record):
    """Where a model version came from."""

    version: ModelVersion
    run: Run | None
    datasets: tuple[DatasetVersion, ...]

    @property
    def commit(self) -> str | None:
        return self.run.environment.git_commit if self.run else None


@dataclass(frozen=True, slots=True)
class DatasetLineage(Record):
    """Every model version trained on a dataset version."""

    dataset: DatasetVersion
    versions: tuple[ModelVersion, ...]
