"""The metadata schema as SQLAlchemy Core tables. Private to ``tendml.store``: nothing outside imports it.

Changing a table means adding an Alembic migration under ``migrations/versions``.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata = MetaData(naming_convention=NAMING)

ID = String(32)
NAME = String(256)
TIME = DateTime(timezone=True)

experiments = Table(
    "experiments",
    metadata,
    Column("id", ID, primary_key=True),
    Column("name", NAME, nullable=False, unique=True),
    Column("created_at", TIME, nullable=False),
)

runs = Table(
    "runs",
    metadata,
    Column("id", ID, primary_key=True),
    Column("experiment_id", ID, ForeignKey("experiments.id"), nullable=False, index=True),
    Column("name", NAME, nullable=False),
    Column("status", String(16), nullable=False),
    Column("user", NAME, nullable=False),
    Column("start_time", TIME, nullable=False),
    Column("end_time", TIME),
    Column("git_commit", String(64)),
    Column("git_dirty", Boolean),
    Column("git_branch", NAME),
    Column("source", Text),
    Column("python_version", String(32), nullable=False),
    Column("platform", NAME, nullable=False),
    Column("packages", JSON, nullable=False),
)

run_params = Table(
    "run_params",
    metadata,
    Column("run_id", ID, ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True),
    Column("key", NAME, primary_key=True),
    Column("value", Text, nullable=False),
)

run_tags = Table(
    "run_tags",
    metadata,
    Column("run_id", ID, ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True),
    Column("key", NAME, primary_key=True),
    Column("value", Text, nullable=False),
)

run_metrics = Table(
    "run_metrics",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("run_id", ID, ForeignKey("runs.id", ondelete="CASCADE"), nullable=False),
    Column("key", NAME, nullable=False),
    Column("value", Float),  # NULL stores NaN, which SQLite cannot hold in a REAL
    Column("step", BigInteger, nullable=False),
    Column("timestamp", BigInteger, nullable=False),
    Index("ix_run_metrics_run_key_step", "run_id", "key", "step"),
)

run_artifacts = Table(
    "run_artifacts",
    metadata,
    Column("run_id", ID, ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True),
    Column("path", Text, primary_key=True),
    Column("digest", String(64), nullable=False),
    Column("size", BigInteger, nullable=False),
)

datasets = Table(
    "datasets",
    metadata,
    Column("id", ID, primary_key=True),
    Column("name", NAME, nullable=False, unique=True),
    Column("created_at", TIME, nullable=False),
)

dataset_versions = Table(
    "dataset_versions",
    metadata,
    Column("id", ID, primary_key=True),
    Column("dataset_id", ID, ForeignKey("datasets.id"), nullable=False),
    Column("version", Integer, nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("digest", String(64), nullable=False),
    Column("rows", BigInteger, nullable=False),
    Column("schema", JSON, nullable=False),
    Column("profile", JSON, nullable=False),
    Column("parent_id", ID, ForeignKey("dataset_versions.id")),
    Column("source", Text),
    Column("created_at", TIME, nullable=False),
    Column("created_by", NAME, nullable=False),
    UniqueConstraint("dataset_id", "version", name="uq_dataset_versions_number"),
    UniqueConstraint("dataset_id", "content_hash", name="uq_dataset_versions_content"),
)

run_inputs = Table(
    "run_inputs",
    metadata,
    Column("run_id", ID, ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True),
    Column("dataset_version_id", ID, ForeignKey("dataset_versions.id"), primary_key=True),
    Column("role", String(32), nullable=False),
    Index("ix_run_inputs_dataset", "dataset_version_id"),
)

registered_models = Table(
    "registered_models",
    metadata,
    Column("id", ID, primary_key=True),
    Column("name", NAME, nullable=False, unique=True),
    Column("owner", NAME, nullable=False),
    Column("team", NAME, nullable=False),
    Column("description", Text, nullable=False),
    Column("task", String(16), nullable=False),
    Column("objective", Text, nullable=False),
    Column("success_criteria", JSON, nullable=False),
    Column("tags", JSON, nullable=False),
    Column("created_at", TIME, nullable=False),
    Column("updated_at", TIME, nullable=False),
)

model_versions = Table(
    "model_versions",
    metadata,
    Column("id", ID, primary_key=True),
    Column("model_id", ID, ForeignKey("registered_models.id"), nullable=False),
    Column("version", Integer, nullable=False),
    Column("digest", String(64), nullable=False),
    Column("flavor", String(32), nullable=False),
    Column("signature", JSON, nullable=False),
    Column("requirements", JSON, nullable=False),
    Column("run_id", ID, ForeignKey("runs.id")),
    Column("description", Text, nullable=False),
    Column("created_at", TIME, nullable=False),
    Column("created_by", NAME, nullable=False),
    UniqueConstraint("model_id", "version", name="uq_model_versions_number"),
    Index("ix_model_versions_run", "run_id"),
)

model_version_datasets = Table(
    "model_version_datasets",
    metadata,
    Column("model_version_id", ID, ForeignKey("model_versions.id"), primary_key=True),
    Column("dataset_version_id", ID, ForeignKey("dataset_versions.id"), primary_key=True),
    Index("ix_model_version_datasets_dataset", "dataset_version_id"),
)

model_aliases = Table(
    "model_aliases",
    metadata,
    Column("model_id", ID, ForeignKey("registered_models.id"), primary_key=True),
    Column("alias", NAME, primary_key=True),
    Column("version", Integer, nullable=False),
    Column("updated_at", TIME, nullable=False),
    Column("updated_by", NAME, nullable=False),
)

alias_history = Table(
    "alias_history",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("model_id", ID, ForeignKey("registered_models.id"), nullable=False),
    Column("alias", NAME, nullable=False),
    Column("from_version", Integer),
    Column("to_version", Integer),
    Column("actor", NAME, nullable=False),
    Column("time", TIME, nullable=False),
    Column("reason", Text),
    Index("ix_alias_history_model_alias", "model_id", "alias"),
)

deployments = Table(
    "deployments",
    metadata,
    Column("model_id", ID, ForeignKey("registered_models.id"), primary_key=True),
    Column("mode", String(16), nullable=False),
    Column("share", Float, nullable=False),
    Column("key_column", NAME),
    Column("champion_alias", NAME, nullable=False),
    Column("challenger_alias", NAME, nullable=False),
    Column("updated_at", TIME, nullable=False),
    Column("updated_by", NAME, nullable=False),
)

audit_events = Table(
    "audit_events",
    metadata,
    Column("seq", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=False),
    Column("id", ID, nullable=False, unique=True),
    Column("time", TIME, nullable=False),
    Column("actor", NAME, nullable=False),
    Column("action", String(64), nullable=False),
    Column("subject_type", String(32), nullable=False),
    Column("subject_id", NAME, nullable=False),
    Column("before", JSON),
    Column("after", JSON),
    Column("prev_hash", String(64)),
    Column("hash", String(64), nullable=False),
    Index("ix_audit_events_subject", "subject_type", "subject_id"),
)
