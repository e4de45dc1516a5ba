"""deployments: the traffic policy of each served model

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "deployments",
        sa.Column("model_id", sa.String(length=32), nullable=False),
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("share", sa.Float(), nullable=False),
        sa.Column("key_column", sa.String(length=256), nullable=True),
        sa.Column("champion_alias", sa.String(length=256), nullable=False),
        sa.Column("challenger_alias", sa.String(length=256), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=256), nullable=False),
        sa.ForeignKeyConstraint(
            ["model_id"], ["registered_models.id"], name=op.f("fk_deployments_model_id_registered_models")
        ),
        sa.PrimaryKeyConstraint("model_id", name=op.f("pk_deployments")),
    )


def downgrade() -> None:
    op.drop_table("deployments")
