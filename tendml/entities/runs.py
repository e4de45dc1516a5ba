"""Experiments, runs, metrics and run artifacts."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime

from tendml.entities._record import Record


class RunStatus(enum.StrEnum):
    """Life of a run: it starts RUNNING and ends FINISHED, FAILED (an exception) or KILLED (interrupted)."""

    RUNNING = "RUNNING"
    FINISHED = "FINISHED"
    FAILED = "FAILED"
    KILLED = "KILLED"


@dataclass(frozen=True, slots=True)
class Experiment(Record):
    """A named group of runs."""

    id: str
    name: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Metric(Record):
    """One logged value of a metric: ``step`` orders a series, ``timestamp`` is epoch milliseconds."""

    key: str
    value: float
    step: int
    timestamp: int


@dataclass(frozen=True, slots=True)
class RunArtifact(Record):
    """A file logged by a run, stored by content digest."""

    path: str
    digest: str
    size: int


@dataclass(frozen=True, slots=True)
class Environment(Record):
    """Where a run ran: code commit, whether the tree had uncommitted changes, Python and packages."""

    git_commit: str | None = None
    git_dirty: bool | None = None
    git_branch: str | None = None
    source: str | None = None
    python_version: str = ""
    platform: str = ""
    packages: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Run(Record):
    """A tracked execution of training or evaluation code."""

    id: str
    experiment: str
    name: str
    status: RunStatus
    user: str
    start_time: datetime
    end_time: datetime | None
    environment: Environment
    params: dict[str, str] = field(default_factory=dict)
    metrics: dict[str, float] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)
    artifacts: tuple[RunArtifact, ...] = ()
    inputs: tuple[str, ...] = ()
    """Ids of the dataset versions the run read."""
