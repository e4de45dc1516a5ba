"""Alembic environment: runs on the connection tendml hands over (see ``tendml.store.engine``)."""

from __future__ import annotations

from alembic import context

from tendml.store.tables import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - tendml always passes a connection
    raise RuntimeError("run migrations with `tendml db upgrade`, not the alembic command line")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
