"""Repository of traffic policies (one per deployed model)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select

from tendml.core.clock import as_utc
from tendml.entities.deployments import TrafficMode, TrafficPolicy
from tendml.store._sql import upsert
from tendml.store.tables import deployments, registered_models


class DeploymentRepository:
    """Traffic policies by model name."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def get(self, name: str) -> TrafficPolicy | None:
        """The stored policy of model ``name``, or None when it never had one."""
        row = self.conn.execute(
            select(deployments)
            .join(registered_models, registered_models.c.id == deployments.c.model_id)
            .where(registered_models.c.name == name)
        ).first()
        return None if row is None else _policy(name, row._asdict())

    def put(self, model_id: str, policy: TrafficPolicy) -> None:
        row = {
            "model_id": model_id,
            "mode": policy.mode.value,
            "share": policy.share,
            "key_column": policy.key_column,
            "champion_alias": policy.champion_alias,
            "challenger_alias": policy.challenger_alias,
            "updated_at": policy.updated_at,
            "updated_by": policy.updated_by,
        }
        upsert(self.conn, deployments, [row], ("model_id",))


def _policy(name: str, row: dict[str, Any]) -> TrafficPolicy:
    return TrafficPolicy(
        model=name,
        mode=TrafficMode(row["mode"]),
        share=row["share"],
        key_column=row["key_column"],
        champion_alias=row["champion_alias"],
        challenger_alias=row["challenger_alias"],
        updated_at=as_utc(row["updated_at"]),
        updated_by=row["updated_by"],
    )
