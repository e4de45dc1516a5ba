"""A unit of work: the repositories of one transaction."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from sqlalchemy import Connection

if TYPE_CHECKING:
    from tendml.store.audit import AuditLog
    from tendml.store.datasets import DatasetRepository
    from tendml.store.deployments import DeploymentRepository
    from tendml.store.models import ModelRepository
    from tendml.store.runs import RunRepository


class UnitOfWork:
    """Repositories bound to one connection and transaction; obtained from ``MetadataStore.read/write``."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    @cached_property
    def runs(self) -> RunRepository:
        from tendml.store.runs import RunRepository

        return RunRepository(self.conn)

    @cached_property
    def datasets(self) -> DatasetRepository:
        from tendml.store.datasets import DatasetRepository

        return DatasetRepository(self.conn)

    @cached_property
    def models(self) -> ModelRepository:
        from tendml.store.models import ModelRepository

        return ModelRepository(self.conn)

    @cached_property
    def deployments(self) -> DeploymentRepository:
        from tendml.store.deployments import DeploymentRepository

        return DeploymentRepository(self.conn)

    @cached_property
    def audit(self) -> AuditLog:
        from tendml.store.audit import AuditLog

        return AuditLog(self.conn)
