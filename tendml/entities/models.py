"""Registered models, their versions, signatures and aliases."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from tendml.entities._record import Record
from tendml.entities.criteria import SuccessCriterion, TaskType


class IOKind(enum.StrEnum):
    """A signature describes named columns (a table) or one tensor (an array)."""

    COLUMNS = "columns"
    TENSOR = "tensor"


@dataclass(frozen=True, slots=True)
class ColumnSpec(Record):
    """One input or output column: its name, type (double, float, long, integer, boolean, string,
    datetime, binary) and whether nulls are allowed."""

    name: str
    type: str
    nullable: bool = False


@dataclass(frozen=True, slots=True)
class TensorSpec(Record):
    """An array input or output: NumPy dtype name and shape, -1 for a free dimension."""

    dtype: str
    shape: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Schema(Record):
    """The columns of a table, or one tensor."""

    kind: IOKind
    columns: tuple[ColumnSpec, ...] = ()
    tensor: TensorSpec | None = None

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Schema:
        """Inverse of :meth:`to_dict`."""
        tensor = data.get("tensor")
        return cls(
            kind=IOKind(data["kind"]),
            columns=tuple(ColumnSpec(**c) for c in data.get("columns", ())),
            tensor=TensorSpec(dtype=tensor["dtype"], shape=tuple(tensor["shape"])) if tensor else None,
        )


@dataclass(frozen=True, slots=True)
class Signature(Record):
    """What a model takes and returns; ``classes`` are the labels behind ``predict_proba`` columns."""

    inputs: Schema
    outputs: Schema | None = None
    classes: tuple[Any, ...] | None = None
    methods: tuple[str, ...] = ("predict",)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Signature:
        """Inverse of :meth:`to_dict`."""
        outputs = data.get("outputs")
        classes = data.get("classes")
        return cls(
            inputs=Schema.from_dict(data["inputs"]),
            outputs=Schema.from_dict(outputs) if outputs else None,
            classes=tuple(classes) if classes is not None else None,
            methods=tuple(data.get("methods", ("predict",))),
        )


@dataclass(frozen=True, slots=True)
class RegisteredModel(Record):
    """A named model with its purpose: who owns it, what task it does, and what success means."""

    id: str
    name: str
    owner: str
    team: str
    description: str
    task: TaskType
    objective: str
    success_criteria: tuple[SuccessCriterion, ...]
    tags: dict[str, str]
    created_at: datetime
    updated_at: datetime
    aliases: dict[str, int] = field(default_factory=dict)
    latest_version: int | None = None


@dataclass(frozen=True, slots=True)
class ModelVersion(Record):
    """One immutable version of a registered model: its package, where it came from, and its aliases.

    ``digest`` is the package manifest in the artifact store; the manifest lists each file's digest.
    """

    id: str
    model: str
    version: int
    digest: str
    flavor: str
    signature: Signature
    requirements: tuple[str, ...]
    run_id: str | None
    datasets: tuple[str, ...]
    """Ids of the training dataset versions."""
    description: str
    created_at: datetime
    created_by: str
    aliases: tuple[str, ...] = ()

    @property
    def uri(self) -> str:
        """``models:/name/version``, accepted by ``load_model``."""
        return f"models:/{self.model}/{self.version}"


@dataclass(frozen=True, slots=True)
class AliasChange(Record):
    """One move of an alias: from which version (None when created) to which (None when deleted)."""

    model: str
    alias: str
    from_version: int | None
    to_version: int | None
    actor: str
    time: datetime
    reason: str | None = None
