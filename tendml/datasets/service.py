"""The dataset service: version tables by content, store them as Parquet, profile them."""

from __future__ import annotations

import io
from dataclasses import replace
from os import PathLike, fspath
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from tendml.artifacts import ArtifactStore
from tendml.core.clock import utcnow
from tendml.core.errors import NotFound, ValidationFailed
from tendml.core.frames import to_arrow
from tendml.core.hashing import sha256_chunks
from tendml.core.ids import new_id
from tendml.datasets.profiling import profile_of, schema_of
from tendml.entities.datasets import DatasetVersion
from tendml.store import MetadataStore, UnitOfWork


class Datasets:
    """Dataset versions of one workspace."""

    def __init__(self, store: MetadataStore, artifacts: ArtifactStore, actor: str) -> None:
        self.store = store
        self.artifacts = artifacts
        self.actor = actor

    def log(self, data: Any, name: str, *, source: str | None = None) -> DatasetVersion:
        """Version ``data`` under ``name``: the same content again returns the existing version.

        ``data`` is a pandas, polars or Arrow table, or a path to a Parquet or CSV file.
        """
        _check_name(name)
        if source is None and isinstance(data, (str, PathLike)):
            source = fspath(data)
        table = normalize(to_arrow(data))
        content = content_hash(table)
        with self.store.read() as uow:
            existing = self._existing(uow, name, content)
        if existing is not None:
            return existing
        draft = DatasetVersion(
            id=new_id(),
            name=name,
            version=0,
            content_hash=content,
            digest=self.artifacts.put_bytes(to_parquet(table)),
            rows=table.num_rows,
            schema=schema_of(table),
            profile=profile_of(table),
            parent_id=None,
            source=source,
            created_at=utcnow(),
            created_by=self.actor,
        )
        return self._insert(draft)

    def _insert(self, draft: DatasetVersion) -> DatasetVersion:
        """Number the draft after the newest version (its parent) and store it, unless a concurrent
        writer stored the same content first."""
        with self.store.write() as uow:
            dataset_id = uow.datasets.dataset_id(draft.name, create=True, lock=True)
            found = uow.datasets.by_content(dataset_id, draft.content_hash)
            if found is not None:
                return found
            parent = uow.datasets.latest(dataset_id)
            version = replace(
                draft, version=(parent.version + 1) if parent else 1, parent_id=parent.id if parent else None
            )
            uow.datasets.insert(dataset_id, version)
            uow.audit.append(
                self.actor,
                "dataset.version.create",
                "dataset",
                version.ref,
                after={"id": version.id, "content_hash": version.content_hash, "rows": version.rows},
            )
        return version

    def get(self, name: str, version: int | None = None) -> DatasetVersion:
        """A version of ``name`` (its newest when ``version`` is None)."""
        with self.store.read() as uow:
            return uow.datasets.get(name, version)

    def search(self, *, name: str | None = None, limit: int = 100) -> list[DatasetVersion]:
        """Dataset versions, newest first; ``name`` may contain ``*``."""
        with self.store.read() as uow:
            return uow.datasets.search(name=name, limit=limit)

    def by_ids(self, ids: list[str]) -> list[DatasetVersion]:
        with self.store.read() as uow:
            return uow.datasets.by_ids(ids)

    def load(self, name: str, version: int | None = None) -> pa.Table:
        """The rows of a dataset version, read back from its verified Parquet blob."""
        found = self.get(name, version)
        return pq.read_table(io.BytesIO(self.artifacts.read_bytes(found.digest)))

    @staticmethod
    def _existing(uow: UnitOfWork, name: str, content: str) -> DatasetVersion | None:
        try:
            dataset_id = uow.datasets.dataset_id(name)
        except NotFound:
            return None
        found: DatasetVersion | None = uow.datasets.by_content(dataset_id, content)
        return found


def content_hash(table: pa.Table) -> str:
    """sha256 of the table's Arrow IPC stream: equal for equal schema and values, whatever the source.

    >>> a = pa.table({"x": [1, 2]})
    >>> content_hash(a) == content_hash(pa.concat_tables([a.slice(0, 1), a.slice(1)]))
    True
    """
    table = _null_free(table.replace_schema_metadata(None).combine_chunks())
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sha256_chunks([memoryview(sink.getvalue())])


def _null_free(table: pa.Table) -> pa.Table:
    """Replace each column that has nulls by (values with nulls filled, validity mask).

    The bytes under a null slot are unspecified (Parquet readers leave garbage there), so they
    must not reach the hash; the mask keeps null distinct from the fill value.
    """
    names: list[str] = []
    columns: list[pa.ChunkedArray] = []
    for name, column in zip(table.column_names, table.columns, strict=True):
        fill = _fill_value(column.type)
        if column.null_count and fill is not None:
            names += [name, f"{name}\x00valid"]
            columns += [pc.fill_null(column, fill), pc.is_valid(column)]
        else:
            names.append(name)
            columns.append(column)
    return pa.table(columns, names=names)


def _fill_value(dtype: pa.DataType) -> pa.Scalar | None:
    if pa.types.is_boolean(dtype):
        return pa.scalar(False)
    if pa.types.is_string(dtype) or pa.types.is_large_string(dtype):
        return pa.scalar("", dtype)
    if pa.types.is_binary(dtype) or pa.types.is_large_binary(dtype):
        return pa.scalar(b"", dtype)
    if pa.types.is_integer(dtype) or pa.types.is_floating(dtype) or pa.types.is_temporal(dtype):
        return pa.scalar(0).cast(dtype)
    return None


def normalize(table: pa.Table) -> pa.Table:
    """One Arrow type per logical type, so equal data hashes equally whether it came from pandas,
    polars or Arrow (string, large_string and string_view all become large_string)."""
    schema = pa.schema([field.with_type(_canonical_type(field.type)) for field in table.schema])
    if schema != table.schema:
        table = table.cast(schema)
    return table.combine_chunks()


def _canonical_type(dtype: pa.DataType) -> pa.DataType:
    if pa.types.is_string(dtype) or pa.types.is_string_view(dtype):
        return pa.large_string()
    if pa.types.is_binary(dtype) or pa.types.is_binary_view(dtype):
        return pa.large_binary()
    return dtype


def to_parquet(table: pa.Table) -> bytes:
    """The table as Parquet bytes (zstd), the stored form of a dataset version."""
    out = io.BytesIO()
    pq.write_table(table, out, compression="zstd")
    return out.getvalue()


def _check_name(name: str) -> None:
    if not isinstance(name, str) or not name.strip() or len(name) > 256 or "@" in name or "/" in name:
        raise ValidationFailed(
            f"invalid dataset name {name!r}", field="name", hint="use 1-256 characters without '@' or '/'"
        )
