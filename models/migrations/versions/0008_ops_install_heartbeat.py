"""Scheduler heartbeats: the last time each scheduler process ticked (`hrbot status`).

Revision ID: 0008_ops_install_heartbeat
Revises: 0007_faults_input_pending_upload
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.types

revision: str = "0008_ops_install_heartbeat"
down_revision: str | Sequence[str] | None = "0007_faults_input_pending_upload"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "scheduler_heartbeat",
        sa.Column("worker", sa.String(length=120), nullable=False),
        sa.Column("mode", sa.String(length=12), nullable=False),
        sa.Column("started_at", models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ticked_at", models.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("worker"),
    )


def downgrade() -> None:
    op.drop_table("scheduler_heartbeat")
