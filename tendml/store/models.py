"""Repository of registered models, versions and aliases."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, func, select
from sqlalchemy.exc import IntegrityError as SAIntegrityError

from tendml.core.clock import as_utc
from tendml.core.errors import Conflict, NotFound
from tendml.entities.criteria import SuccessCriterion, TaskType
from tendml.entities.models import AliasChange, ModelVersion, RegisteredModel, Signature
from tendml.store._sql import like_pattern, upsert
from tendml.store.tables import (
    alias_history,
    model_aliases,
    model_version_datasets,
    model_versions,
    registered_models,
)

_MODEL_HINT = "list models with `tendml models ls`"


class ModelRepository:
    """Registered models with their versions and alias moves."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    # --- registered models -------------------------------------------------------------------
    def model_id(self, name: str, *, lock: bool = False) -> str | None:
        """The id of model ``name`` (None if absent); ``lock`` holds the row until commit."""
        query = select(registered_models.c.id).where(registered_models.c.name == name)
        if lock:
            query = query.with_for_update()
        found = self.conn.execute(query).scalar_one_or_none()
        return None if found is None else str(found)

    def require_id(self, name: str, *, lock: bool = False) -> str:
        found = self.model_id(name, lock=lock)
        if found is None:
            raise NotFound(f"registered model {name!r} does not exist", field="name", hint=_MODEL_HINT)
        return found

    def insert_model(self, values: dict[str, Any]) -> None:
        """Insert a model row; a taken name is a Conflict and leaves the transaction usable."""
        try:
            with self.conn.begin_nested():
                self.conn.execute(registered_models.insert(), values)
        except SAIntegrityError:
            raise Conflict(
                f"registered model {values['name']!r} already exists",
                field="name",
                hint="pick another name, or update the existing model",
            ) from None

    def update_model(self, model_id: str, values: dict[str, Any]) -> None:
        self.conn.execute(
            registered_models.update().where(registered_models.c.id == model_id).values(**values)
        )

    def get_model(self, name: str) -> RegisteredModel:
        row = self.conn.execute(select(registered_models).where(registered_models.c.name == name)).first()
        if row is None:
            raise NotFound(f"registered model {name!r} does not exist", field="name", hint=_MODEL_HINT)
        return self._models([row])[0]

    def list_models(
        self,
        *,
        name: str | None = None,
        owner: str | None = None,
        team: str | None = None,
        task: TaskType | None = None,
        tags: dict[str, str] | None = None,
        limit: int = 100,
    ) -> list[RegisteredModel]:
        """Models matching every given filter, by name; ``name`` may contain ``*`` wildcards."""
        query = select(registered_models).order_by(registered_models.c.name)
        if name is not None:
            query = query.where(registered_models.c.name.like(like_pattern(name), escape="\\"))
        for column, value in (("owner", owner), ("team", team), ("task", task.value if task else None)):
            if value is not None:
                query = query.where(registered_models.c[column] == value)
        rows = list(self.conn.execute(query))
        models = self._models(rows)
        if tags:  # JSON filtering differs per dialect; tags are few, so filter here
            models = [m for m in models if all(m.tags.get(k) == v for k, v in tags.items())]
        return models[:limit]

    def _models(self, rows: Sequence[Row[Any]]) -> list[RegisteredModel]:
        ids = [r.id for r in rows]
        aliases: dict[str, dict[str, int]] = {}
        for a in self.conn.execute(
            select(model_aliases).where(model_aliases.c.model_id.in_(ids)).order_by(model_aliases.c.alias)
        ):
            aliases.setdefault(a.model_id, {})[a.alias] = a.version
        latest: dict[str, int] = dict(
            self.conn.execute(  # type: ignore[arg-type]
                select(model_versions.c.model_id, func.max(model_versions.c.version))
                .where(model_versions.c.model_id.in_(ids))
                .group_by(model_versions.c.model_id)
            ).all()
        )
        return [_model(r, aliases.get(r.id, {}), latest.get(r.id)) for r in rows]

    # --- versions ----------------------------------------------------------------------------
    def next_version(self, model_id: str) -> int:
        """The next version number; call with the model row locked."""
        top = self.conn.execute(
            select(func.max(model_versions.c.version)).where(model_versions.c.model_id == model_id)
        ).scalar_one()
        return int(top or 0) + 1

    def insert_version(self, model_id: str, version: ModelVersion) -> None:
        self.conn.execute(
            model_versions.insert(),
            {
                "id": version.id,
                "model_id": model_id,
                "version": version.version,
                "digest": version.digest,
                "flavor": version.flavor,
                "signature": version.signature.to_dict(),
                "requirements": list(version.requirements),
                "run_id": version.run_id,
                "description": version.description,
                "created_at": version.created_at,
                "created_by": version.created_by,
            },
        )
        if version.datasets:
            self.conn.execute(
                model_version_datasets.insert(),
                [{"model_version_id": version.id, "dataset_version_id": d} for d in version.datasets],
            )

    def get_version(self, name: str, version: int) -> ModelVersion:
        rows = self._versions(
            self._select_versions().where(
                registered_models.c.name == name, model_versions.c.version == version
            )
        )
        if not rows:
            self.require_id(name)
            raise NotFound(
                f"model {name!r} has no version {version}",
                field="version",
                hint=f"list versions with `tendml models versions {name}`",
            )
        return rows[0]

    def versions(self, name: str, *, limit: int = 100) -> list[ModelVersion]:
        """Versions of ``name``, newest first."""
        self.require_id(name)
        return self._versions(
            self._select_versions()
            .where(registered_models.c.name == name)
            .order_by(model_versions.c.version.desc())
            .limit(limit)
        )

    def versions_trained_on(self, dataset_version_id: str) -> list[ModelVersion]:
        query = (
            self._select_versions()
            .join(model_version_datasets, model_version_datasets.c.model_version_id == model_versions.c.id)
            .where(model_version_datasets.c.dataset_version_id == dataset_version_id)
            .order_by(registered_models.c.name, model_versions.c.version)
        )
        return self._versions(query)

    def versions_of_run(self, run_id: str) -> list[ModelVersion]:
        return self._versions(
            self._select_versions()
            .where(model_versions.c.run_id == run_id)
            .order_by(registered_models.c.name, model_versions.c.version)
        )

    def _select_versions(self) -> Any:
        return select(model_versions, registered_models.c.name).join(
            registered_models, registered_models.c.id == model_versions.c.model_id
        )

    def _versions(self, query: Any) -> list[ModelVersion]:
        rows = list(self.conn.execute(query))
        ids = [r.id for r in rows]
        data: dict[str, list[str]] = {}
        for d in self.conn.execute(
            select(model_version_datasets).where(model_version_datasets.c.model_version_id.in_(ids))
        ):
            data.setdefault(d.model_version_id, []).append(d.dataset_version_id)
        aliases: dict[tuple[str, int], list[str]] = {}
        model_ids = list({r.model_id for r in rows})
        for a in self.conn.execute(
            select(model_aliases)
            .where(model_aliases.c.model_id.in_(model_ids))
            .order_by(model_aliases.c.alias)
        ):
            aliases.setdefault((a.model_id, a.version), []).append(a.alias)
        return [
            _version(r, tuple(sorted(data.get(r.id, ()))), tuple(aliases.get((r.model_id, r.version), ())))
            for r in rows
        ]

    # --- aliases -----------------------------------------------------------------------------
    def alias(self, model_id: str, alias: str) -> int | None:
        return self.conn.execute(
            select(model_aliases.c.version).where(
                model_aliases.c.model_id == model_id, model_aliases.c.alias == alias
            )
        ).scalar_one_or_none()

    def move_alias(
        self,
        model_id: str,
        alias: str,
        version: int | None,
        *,
        actor: str,
        time: datetime,
        reason: str | None,
    ) -> int | None:
        """Point ``alias`` at ``version`` (None deletes it) and record the move; returns the old version.

        Call with the model row locked so that concurrent moves serialise.
        """
        old = self.alias(model_id, alias)
        if version is None:
            self.conn.execute(
                model_aliases.delete().where(
                    model_aliases.c.model_id == model_id, model_aliases.c.alias == alias
                )
            )
        else:
            row = {
                "model_id": model_id,
                "alias": alias,
                "version": version,
                "updated_at": time,
                "updated_by": actor,
            }
            upsert(self.conn, model_aliases, [row], ("model_id", "alias"))
        self.conn.execute(
            alias_history.insert(),
            {
                "model_id": model_id,
                "alias": alias,
                "from_version": old,
                "to_version": version,
                "actor": actor,
                "time": time,
                "reason": reason,
            },
        )
        return old

    def alias_history(self, name: str, alias: str | None = None) -> list[AliasChange]:
        """Every move of the model's aliases (or of one alias), oldest first."""
        model_id = self.require_id(name)
        query = select(alias_history).where(alias_history.c.model_id == model_id).order_by(alias_history.c.id)
        if alias is not None:
            query = query.where(alias_history.c.alias == alias)
        return [
            AliasChange(
                model=name,
                alias=r.alias,
                from_version=r.from_version,
                to_version=r.to_version,
                actor=r.actor,
                time=as_utc(r.time),
                reason=r.reason,
            )
            for r in self.conn.execute(query)
        ]


def _model(r: Row[Any], aliases: dict[str, int], latest: int | None) -> RegisteredModel:
    return RegisteredModel(
        id=r.id,
        name=r.name,
        owner=r.owner,
        team=r.team,
        description=r.description,
        task=TaskType(r.task),
        objective=r.objective,
        success_criteria=tuple(SuccessCriterion(**c) for c in r.success_criteria),
        tags=dict(r.tags),
        created_at=as_utc(r.created_at),
        updated_at=as_utc(r.updated_at),
        aliases=aliases,
        latest_version=latest,
    )


def _version(r: Row[Any], datasets: tuple[str, ...], aliases: tuple[str, ...]) -> ModelVersion:
    return ModelVersion(
        id=r.id,
        model=r.name,
        version=r.version,
        digest=r.digest,
        flavor=r.flavor,
        signature=Signature.from_dict(r.signature),
        requirements=tuple(r.requirements),
        run_id=r.run_id,
        datasets=datasets,
        description=r.description,
        created_at=as_utc(r.created_at),
        created_by=r.created_by,
        aliases=aliases,
    )
