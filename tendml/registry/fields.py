"""The editable fields of a registered model, validated in one place."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from tendml.core.errors import ValidationFailed
from tendml.entities.criteria import SuccessCriterion, TaskType, parse_criteria, parse_task

EDITABLE = ("owner", "team", "description", "task", "objective", "success_criteria", "tags")


def check_fields(given: Mapping[str, Any], message: str) -> None:
    """Refuse any key that is not an editable field; ``message`` has one ``{!r}`` for the key."""
    unknown = sorted(set(given) - set(EDITABLE))
    if unknown:
        raise ValidationFailed(
            message.format(unknown[0]),
            field=unknown[0],
            hint=f"a registered model's fields are: {', '.join(EDITABLE)}",
        )


def model_values(
    *,
    owner: str,
    team: str = "",
    description: str = "",
    task: str | TaskType = TaskType.BINARY,
    objective: str = "",
    success_criteria: Sequence[str | SuccessCriterion] | str | None = None,
    tags: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The stored form of a model's fields, after checking each (task, criteria, text fields)."""
    kind = parse_task(task)
    criteria = parse_criteria(success_criteria, kind)
    for field, value in (
        ("owner", owner),
        ("team", team),
        ("description", description),
        ("objective", objective),
    ):
        if not isinstance(value, str):
            raise ValidationFailed(f"{field} must be text, got {type(value).__name__}", field=field)
    if not owner.strip():
        raise ValidationFailed("owner must not be empty", field="owner", hint="name the person accountable")
    return {
        "owner": owner,
        "team": team,
        "description": description,
        "task": kind.value,
        "objective": objective,
        "success_criteria": [c.to_dict() for c in criteria],
        "tags": {str(k): str(v) for k, v in (tags or {}).items()},
    }
