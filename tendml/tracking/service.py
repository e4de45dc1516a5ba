"""The tracking service: starts runs and writes what they log."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from tendml.artifacts import ArtifactStore
from tendml.core.clock import utcnow
from tendml.core.errors import NotFound, ValidationFailed
from tendml.core.ids import new_id
from tendml.core.settings import Settings
from tendml.entities.datasets import DatasetVersion
from tendml.entities.runs import Experiment, Metric, Run, RunArtifact, RunStatus
from tendml.store import MetadataStore
from tendml.tracking import environment
from tendml.tracking.run import ActiveRun, active_runs


class Tracker:
    """Runs of one workspace: start them, log to them, read them back."""

    def __init__(self, store: MetadataStore, artifacts: ArtifactStore, settings: Settings) -> None:
        self.store = store
        self.artifacts = artifacts
        self.settings = settings
        self._experiments: dict[str, Experiment] = {}

    def start_run(
        self, experiment: str = "default", *, name: str | None = None, tags: Mapping[str, Any] | None = None
    ) -> ActiveRun:
        """Start a run in ``experiment`` (created on first use) and make it the active run."""
        if not isinstance(experiment, str) or not experiment.strip():
            raise ValidationFailed("experiment must be a non-empty name", field="experiment")
        env = environment.capture()
        run_id = new_id()
        run_name = name or f"run-{run_id[-8:]}"
        with self.store.write() as uow:
            exp = self._experiments.get(experiment)
            if exp is None:
                exp = self._experiments[experiment] = uow.runs.experiment(experiment)
            uow.runs.insert(run_id, exp, run_name, self.settings.user, utcnow(), env)
        run = ActiveRun(self, run_id, experiment, run_name)
        if tags:
            run.set_tags(tags)
        return run.push()

    def active_run(self) -> ActiveRun | None:
        """The innermost run started in this thread and not yet ended."""
        stack = active_runs()
        return stack[-1] if stack else None

    def write_batch(
        self,
        run_id: str,
        metrics: list[dict[str, Any]],
        params: dict[str, str],
        tags: dict[str, str],
        status: RunStatus | None,
    ) -> None:
        """Write one flush of a run in a single transaction (and end the run when ``status`` is given)."""
        with self.store.write() as uow:
            uow.runs.add_params(run_id, params)
            if tags:
                uow.runs.set_tags(run_id, tags)
            uow.runs.add_metrics(metrics)
            if status is not None:
                uow.runs.finish(run_id, status, utcnow())

    def log_artifact(self, run_id: str, path: Path, name: str | None = None) -> list[RunArtifact]:
        """Store ``path`` (a file, or each file below a folder) and record it under ``name``."""
        if not path.exists():
            raise NotFound(f"no such file or folder: {path}", field="path")
        base = name or path.name
        if path.is_dir():
            files = sorted(p for p in path.rglob("*") if p.is_file())
            pairs = [(p, f"{base}/{p.relative_to(path).as_posix()}") for p in files]
        else:
            pairs = [(path, base)]
        artifacts = [
            RunArtifact(path=key, digest=self.artifacts.put_file(p), size=os.path.getsize(p))
            for p, key in pairs
        ]
        with self.store.write() as uow:
            for artifact in artifacts:
                uow.runs.add_artifact(run_id, artifact)
        return artifacts

    def log_input(self, run_id: str, dataset: DatasetVersion, role: str) -> None:
        with self.store.write() as uow:
            uow.runs.add_input(run_id, dataset.id, role)

    def run_inputs(self, run_id: str, role: str | None = None) -> list[str]:
        with self.store.read() as uow:
            return uow.runs.inputs(run_id, role)

    def get_run(self, run_id: str) -> Run:
        with self.store.read() as uow:
            return uow.runs.get(run_id)

    def list_runs(
        self, *, experiment: str | None = None, status: RunStatus | str | None = None, limit: int = 100
    ) -> list[Run]:
        """Runs, newest first, optionally of one experiment or status."""
        with self.store.read() as uow:
            return uow.runs.search(
                experiment=experiment, status=RunStatus(status) if status else None, limit=limit
            )

    def metric_history(self, run_id: str, key: str) -> Sequence[Metric]:
        """Every logged value of ``key`` in ``run_id``, by step."""
        with self.store.read() as uow:
            return uow.runs.metric_history(run_id, key)
