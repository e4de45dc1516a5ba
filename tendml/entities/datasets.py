"""Dataset versions: content hash, schema and a per-column profile that later serves as a drift reference."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from tendml.entities._record import Record


class ColumnKind(enum.StrEnum):
    """How a column is profiled and, later, compared for drift."""

    NUMERIC = "numeric"
    CATEGORICAL = "categorical"
    BOOLEAN = "boolean"
    DATETIME = "datetime"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class ColumnSchema(Record):
    """A column's name, Arrow type (as Arrow prints it), kind and whether it holds nulls."""

    name: str
    type: str
    kind: ColumnKind
    nullable: bool


@dataclass(frozen=True, slots=True)
class NumericProfile(Record):
    """Summary of a numeric (or datetime, as epoch ns) column.

    ``edges`` are fixed at profiling time; ``counts[i]`` counts values in ``[edges[i], edges[i+1])``
    (the last bin is closed), so a later window can be counted on the same edges and compared.
    """

    count: int
    nulls: int
    min: float | None
    max: float | None
    mean: float | None
    std: float | None
    quantiles: dict[str, float]
    edges: tuple[float, ...]
    counts: tuple[int, ...]
    kind: str = "numeric"


@dataclass(frozen=True, slots=True)
class CategoricalProfile(Record):
    """Summary of a categorical or boolean column: the most frequent values and the rest."""

    count: int
    nulls: int
    distinct: int
    top: tuple[tuple[str, int], ...]
    other: int
    kind: str = "categorical"


ColumnProfile = NumericProfile | CategoricalProfile


@dataclass(frozen=True, slots=True)
class DatasetVersion(Record):
    """One immutable version of a named dataset.

    ``content_hash`` identifies the rows and schema (logging the same content again returns this
    version); ``digest`` is the stored Parquet blob in the artifact store.
    """

    id: str
    name: str
    version: int
    content_hash: str
    digest: str
    rows: int
    schema: tuple[ColumnSchema, ...]
    profile: dict[str, NumericProfile | CategoricalProfile]
    parent_id: str | None
    source: str | None
    created_at: datetime
    created_by: str

    @property
    def ref(self) -> str:
        """``name@version``, the form used in lineage and on the CLI."""
        return f"{self.name}@{self.version}"
