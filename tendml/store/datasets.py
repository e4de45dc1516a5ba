"""Repository of datasets and their versions."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Row, func, select
from sqlalchemy.exc import IntegrityError as SAIntegrityError

from tendml.core.clock import as_utc, utcnow
from tendml.core.errors import NotFound
from tendml.core.ids import new_id
from tendml.entities.datasets import (
    CategoricalProfile,
    ColumnKind,
    ColumnSchema,
    DatasetVersion,
    NumericProfile,
)
from tendml.store._sql import like_pattern
from tendml.store.tables import dataset_versions, datasets


class DatasetRepository:
    """Named datasets and their immutable, numbered versions."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def dataset_id(self, name: str, *, create: bool = False, lock: bool = False) -> str:
        """The id of dataset ``name``; ``lock`` holds its row until commit (serialises numbering)."""
        query = select(datasets.c.id).where(datasets.c.name == name)
        if lock:
            query = query.with_for_update()
        found = self.conn.execute(query).scalar_one_or_none()
        if found is not None:
            return str(found)
        if not create:
            raise NotFound(
                f"dataset {name!r} does not exist",
                field="name",
                hint="list datasets with `tendml datasets ls`",
            )
        try:
            with self.conn.begin_nested():
                new = new_id()
                self.conn.execute(datasets.insert(), {"id": new, "name": name, "created_at": utcnow()})
                return new
        except SAIntegrityError:  # created by a concurrent writer
            return self.dataset_id(name, lock=lock)

    def by_content(self, dataset_id: str, content_hash: str) -> DatasetVersion | None:
        row = self.conn.execute(
            self._select().where(
                dataset_versions.c.dataset_id == dataset_id, dataset_versions.c.content_hash == content_hash
            )
        ).first()
        return _version(row) if row else None

    def latest(self, dataset_id: str) -> DatasetVersion | None:
        row = self.conn.execute(
            self._select()
            .where(dataset_versions.c.dataset_id == dataset_id)
            .order_by(dataset_versions.c.version.desc())
            .limit(1)
        ).first()
        return _version(row) if row else None

    def insert(self, dataset_id: str, version: DatasetVersion) -> None:
        self.conn.execute(
            dataset_versions.insert(),
            {
                "id": version.id,
                "dataset_id": dataset_id,
                "version": version.version,
                "content_hash": version.content_hash,
                "digest": version.digest,
                "rows": version.rows,
                "schema": [c.to_dict() for c in version.schema],
                "profile": {k: p.to_dict() for k, p in version.profile.items()},
                "parent_id": version.parent_id,
                "source": version.source,
                "created_at": version.created_at,
                "created_by": version.created_by,
            },
        )

    def get(self, name: str, version: int | None = None) -> DatasetVersion:
        """Version ``version`` of ``name``, or its newest."""
        query = self._select().where(datasets.c.name == name)
        if version is None:
            query = query.order_by(dataset_versions.c.version.desc()).limit(1)
        else:
            query = query.where(dataset_versions.c.version == version)
        row = self.conn.execute(query).first()
        if row is None:
            what = f"dataset {name!r}" + ("" if version is None else f" version {version}")
            raise NotFound(f"{what} does not exist", field="version" if version else "name")
        return _version(row)

    def by_ids(self, ids: Sequence[str]) -> list[DatasetVersion]:
        if not ids:
            return []
        rows = self.conn.execute(
            self._select()
            .where(dataset_versions.c.id.in_(list(ids)))
            .order_by(datasets.c.name, dataset_versions.c.version)
        )
        return [_version(r) for r in rows]

    def search(self, *, name: str | None = None, limit: int = 100) -> list[DatasetVersion]:
        """Newest versions first; ``name`` may contain ``*`` wildcards."""
        query = self._select().order_by(dataset_versions.c.created_at.desc(), dataset_versions.c.id.desc())
        if name is not None:
            query = query.where(datasets.c.name.like(like_pattern(name), escape="\\"))
        return [_version(r) for r in self.conn.execute(query.limit(limit))]

    def count_versions(self, dataset_id: str) -> int:
        return int(
            self.conn.execute(
                select(func.count()).where(dataset_versions.c.dataset_id == dataset_id)
            ).scalar_one()
        )

    def _select(self) -> Any:
        return select(dataset_versions, datasets.c.name).join(
            datasets, datasets.c.id == dataset_versions.c.dataset_id
        )


def _version(row: Row[Any]) -> DatasetVersion:
    schema = tuple(
        ColumnSchema(name=c["name"], type=c["type"], kind=ColumnKind(c["kind"]), nullable=c["nullable"])
        for c in row.schema
    )
    return DatasetVersion(
        id=row.id,
        name=row.name,
        version=row.version,
        content_hash=row.content_hash,
        digest=row.digest,
        rows=row.rows,
        schema=schema,
        profile={k: profile_from_dict(v) for k, v in row.profile.items()},
        parent_id=row.parent_id,
        source=row.source,
        created_at=as_utc(row.created_at),
        created_by=row.created_by,
    )


def profile_from_dict(data: dict[str, Any]) -> NumericProfile | CategoricalProfile:
    """Rebuild a column profile from its stored JSON."""
    if data.get("kind") == "categorical":
        return CategoricalProfile(
            count=data["count"],
            nulls=data["nulls"],
            distinct=data["distinct"],
            top=tuple((str(v), int(n)) for v, n in data["top"]),
            other=data["other"],
        )
    return NumericProfile(
        count=data["count"],
        nulls=data["nulls"],
        min=data["min"],
        max=data["max"],
        mean=data["mean"],
        std=data["std"],
        quantiles=dict(data["quantiles"]),
        edges=tuple(data["edges"]),
        counts=tuple(data["counts"]),
    )
