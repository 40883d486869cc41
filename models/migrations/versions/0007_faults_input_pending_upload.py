"""Pending uploads: a spreadsheet read once, kept until 确认导入 (issue 8).

Revision ID: 0007_faults_input_pending_upload
Revises: 0006_faults_reminders_decl_key
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import models.types

revision: str = "0007_faults_input_pending_upload"
down_revision: str | Sequence[str] | None = "0006_faults_reminders_decl_key"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TEXT = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.create_table(
        "pending_upload",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("filename", _TEXT(length=255), nullable=False),
        sa.Column("content_hash", _TEXT(length=64), nullable=False),
        sa.Column("table_json", sa.Text(), nullable=False),
        sa.Column("created_at", models.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["company_id"], ["company.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_pending_upload_company_id", "pending_upload", ["company_id"])
    op.create_index("ix_pending_upload_user_id", "pending_upload", ["user_id"])


def downgrade() -> None:
    op.drop_index("ix_pending_upload_user_id", table_name="pending_upload")
    op.drop_index("ix_pending_upload_company_id", table_name="pending_upload")
    op.drop_table("pending_upload")
