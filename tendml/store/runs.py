"""Repository of experiments and runs."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, select
from sqlalchemy.exc import IntegrityError as SAIntegrityError

from tendml.core.clock import as_utc, utcnow
from tendml.core.errors import Conflict, NotFound
from tendml.core.ids import new_id
from tendml.entities.runs import Environment, Experiment, Metric, Run, RunArtifact, RunStatus
from tendml.store._sql import upsert
from tendml.store.tables import (
    experiments,
    run_artifacts,
    run_inputs,
    run_metrics,
    run_params,
    run_tags,
    runs,
)


class RunRepository:
    """Experiments, runs and everything logged to them."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def experiment(self, name: str, *, create: bool = True) -> Experiment:
        """The experiment called ``name``, created on first use."""
        row = self.conn.execute(select(experiments).where(experiments.c.name == name)).first()
        if row is None:
            if not create:
                raise NotFound(f"experiment {name!r} does not exist", field="experiment")
            values: dict[str, Any] = {"id": new_id(), "name": name, "created_at": utcnow()}
            try:
                with self.conn.begin_nested():
                    self.conn.execute(experiments.insert(), values)
            except SAIntegrityError:  # created concurrently
                return self.experiment(name, create=False)
            return Experiment(id=values["id"], name=name, created_at=values["created_at"])
        return Experiment(id=row.id, name=row.name, created_at=as_utc(row.created_at))

    def experiments(self) -> list[Experiment]:
        rows = self.conn.execute(select(experiments).order_by(experiments.c.name))
        return [Experiment(id=r.id, name=r.name, created_at=as_utc(r.created_at)) for r in rows]

    def insert(
        self, run_id: str, experiment: Experiment, name: str, user: str, start: datetime, env: Environment
    ) -> None:
        self.conn.execute(
            runs.insert(),
            {
                "id": run_id,
                "experiment_id": experiment.id,
                "name": name,
                "status": RunStatus.RUNNING.value,
                "user": user,
                "start_time": start,
                "end_time": None,
                "git_commit": env.git_commit,
                "git_dirty": env.git_dirty,
                "git_branch": env.git_branch,
                "source": env.source,
                "python_version": env.python_version,
                "platform": env.platform,
                "packages": env.packages,
            },
        )

    def finish(self, run_id: str, status: RunStatus, end: datetime) -> None:
        self.conn.execute(runs.update().where(runs.c.id == run_id).values(status=status.value, end_time=end))

    def add_params(self, run_id: str, params: Mapping[str, str]) -> None:
        """Params are write-once: the same value again is fine, a different one is a Conflict."""
        if not params:
            return
        existing: dict[str, str] = dict(
            self.conn.execute(  # type: ignore[arg-type]
                select(run_params.c.key, run_params.c.value).where(
                    run_params.c.run_id == run_id, run_params.c.key.in_(list(params))
                )
            ).all()
        )
        for key, value in params.items():
            if key in existing and existing[key] != value:
                raise Conflict(
                    f"param {key!r} of run {run_id} is already {existing[key]!r}, "
                    f"cannot change it to {value!r}",
                    field=key,
                    hint="params are immutable; log a new run or use a metric or tag",
                )
        new = [{"run_id": run_id, "key": k, "value": v} for k, v in params.items() if k not in existing]
        if new:
            self.conn.execute(run_params.insert(), new)

    def set_tags(self, run_id: str, tags: Mapping[str, str]) -> None:
        upsert(
            self.conn,
            run_tags,
            [{"run_id": run_id, "key": k, "value": v} for k, v in tags.items()],
            ("run_id", "key"),
        )

    def add_metrics(self, rows: Sequence[dict[str, Any]]) -> None:
        """Rows of run_id, key, value, step, timestamp, written in one batch."""
        if rows:
            self.conn.execute(run_metrics.insert(), list(rows))

    def add_artifact(self, run_id: str, artifact: RunArtifact) -> None:
        upsert(self.conn, run_artifacts, [{"run_id": run_id, **artifact.to_dict()}], ("run_id", "path"))

    def add_input(self, run_id: str, dataset_version_id: str, role: str) -> None:
        upsert(
            self.conn,
            run_inputs,
            [{"run_id": run_id, "dataset_version_id": dataset_version_id, "role": role}],
            ("run_id", "dataset_version_id"),
        )

    def inputs(self, run_id: str, role: str | None = None) -> list[str]:
        """Ids of the dataset versions a run read, optionally only those with ``role``."""
        query = select(run_inputs.c.dataset_version_id).where(run_inputs.c.run_id == run_id)
        if role is not None:
            query = query.where(run_inputs.c.role == role)
        return sorted(self.conn.execute(query).scalars())

    def exists(self, run_id: str) -> bool:
        return self.conn.execute(select(runs.c.id).where(runs.c.id == run_id)).first() is not None

    def get(self, run_id: str) -> Run:
        row = self._select().where(runs.c.id == run_id)
        found = self.conn.execute(row).first()
        if found is None:
            raise NotFound(f"run {run_id!r} does not exist", field="run_id")
        return self._hydrate([found])[0]

    def search(
        self, *, experiment: str | None = None, status: RunStatus | None = None, limit: int = 100
    ) -> list[Run]:
        """Newest first."""
        query = self._select().order_by(runs.c.start_time.desc(), runs.c.id.desc()).limit(limit)
        if experiment is not None:
            query = query.where(experiments.c.name == experiment)
        if status is not None:
            query = query.where(runs.c.status == status.value)
        return self._hydrate(list(self.conn.execute(query)))

    def metric_history(self, run_id: str, key: str) -> list[Metric]:
        rows = self.conn.execute(
            select(run_metrics.c.key, run_metrics.c.value, run_metrics.c.step, run_metrics.c.timestamp)
            .where(run_metrics.c.run_id == run_id, run_metrics.c.key == key)
            .order_by(run_metrics.c.step, run_metrics.c.timestamp, run_metrics.c.id)
        )
        return [Metric(key=r.key, value=_nan(r.value), step=r.step, timestamp=r.timestamp) for r in rows]

    def _select(self) -> Any:
        return select(runs, experiments.c.name.label("experiment")).join(
            experiments, experiments.c.id == runs.c.experiment_id
        )

    def _hydrate(self, rows: list[Row[Any]]) -> list[Run]:
        ids = [r.id for r in rows]
        params = self._children(run_params, ids)
        tags = self._children(run_tags, ids)
        latest = self._latest_metrics(ids)
        arts: dict[str, list[RunArtifact]] = {}
        for r in self.conn.execute(
            select(run_artifacts).where(run_artifacts.c.run_id.in_(ids)).order_by(run_artifacts.c.path)
        ):
            arts.setdefault(r.run_id, []).append(RunArtifact(path=r.path, digest=r.digest, size=r.size))
        inputs: dict[str, list[str]] = {}
        for r in self.conn.execute(select(run_inputs).where(run_inputs.c.run_id.in_(ids))):
            inputs.setdefault(r.run_id, []).append(r.dataset_version_id)
        return [
            _run(
                r,
                params.get(r.id, {}),
                latest.get(r.id, {}),
                tags.get(r.id, {}),
                tuple(arts.get(r.id, ())),
                tuple(sorted(inputs.get(r.id, ()))),
            )
            for r in rows
        ]

    def _children(self, table: Any, ids: list[str]) -> dict[str, dict[str, str]]:
        out: dict[str, dict[str, str]] = {}
        for r in self.conn.execute(select(table).where(table.c.run_id.in_(ids))):
            out.setdefault(r.run_id, {})[r.key] = r.value
        return out

    def _latest_metrics(self, ids: list[str]) -> dict[str, dict[str, float]]:
        out: dict[str, dict[str, float]] = {}
        query = (
            select(run_metrics.c.run_id, run_metrics.c.key, run_metrics.c.value)
            .where(run_metrics.c.run_id.in_(ids))
            .order_by(run_metrics.c.step, run_metrics.c.timestamp, run_metrics.c.id)
        )
        for r in self.conn.execute(query):
            out.setdefault(r.run_id, {})[r.key] = _nan(r.value)
        return out


def _nan(value: float | None) -> float:
    return math.nan if value is None else value


def _run(
    r: Row[Any],
    params: dict[str, str],
    metrics: dict[str, float],
    tags: dict[str, str],
    artifacts: tuple[RunArtifact, ...],
    inputs: tuple[str, ...],
) -> Run:
    env = Environment(
        git_commit=r.git_commit,
        git_dirty=r.git_dirty,
        git_branch=r.git_branch,
        source=r.source,
        python_version=r.python_version,
        platform=r.platform,
        packages=dict(r.packages),
    )
    return Run(
        id=r.id,
        experiment=r.experiment,
        name=r.name,
        status=RunStatus(r.status),
        user=r.user,
        start_time=as_utc(r.start_time),
        end_time=as_utc(r.end_time) if r.end_time else None,
        environment=env,
        params=params,
        metrics=metrics,
        tags=tags,
        artifacts=artifacts,
        inputs=inputs,
    )
