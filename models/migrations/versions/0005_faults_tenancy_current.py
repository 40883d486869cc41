"""Membership.current_at: which of an HR's companies their commands act on (/company).

Revision ID: 0005_faults_tenancy_current
Revises: 0004_merge_heads
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.types

revision: str = "0005_faults_tenancy_current"
down_revision: str | Sequence[str] | None = "0004_merge_heads"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Nullable: existing rows keep today's rule (the newest membership is current)."""
    with op.batch_alter_table("membership") as batch:
        batch.add_column(
            sa.Column("current_at", models.types.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("membership") as batch:
        batch.drop_column("current_at")
