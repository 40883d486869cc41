"""Ledger history: employment periods, base changes, import batches.

Revision ID: 0003_ledger
Revises: 0001_foundation
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import models.types

revision: str = "0003_ledger"
down_revision: str | Sequence[str] | None = "0001_foundation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TEXT = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.create_table(
        "employment_period",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("employee_id", sa.Integer(), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=True),
        sa.Column("tracked_from", sa.Date(), nullable=False),
        sa.Column("leave_reason", _TEXT(length=100), nullable=True),
        sa.Column("leave_task_id", sa.Integer(), nullable=True),
        sa.Column("created_at", models.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["company_id"], ["company.id"]),
        sa.ForeignKeyConstraint(["employee_id"], ["employee.id"]),
        sa.ForeignKeyConstraint(["leave_task_id"], ["task.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("employee_id", "first_day"),
    )
    op.create_index(
        "ix_employment_period_company_id", "employment_period", ["company_id"], unique=False
    )
    op.create_index(
        "ix_employment_period_employee_id", "employment_period", ["employee_id"], unique=False
    )
    op.create_table(
        "base_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("employee_id", sa.Integer(), nullable=False),
        sa.Column("effective_month", sa.Date(), nullable=False),
        sa.Column("base", models.types.Money(), nullable=False),
        sa.Column("reason", _TEXT(length=50), nullable=False),
        sa.Column("created_by", sa.BigInteger(), nullable=True),
        sa.Column("created_at", models.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["company_id"], ["company.id"]),
        sa.ForeignKeyConstraint(["employee_id"], ["employee.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("employee_id", "effective_month"),
    )
    op.create_index("ix_base_change_company_id", "base_change", ["company_id"], unique=False)
    op.create_index("ix_base_change_employee_id", "base_change", ["employee_id"], unique=False)
    op.create_table(
        "import_batch",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("content_hash", _TEXT(length=64), nullable=False),
        sa.Column("filename", _TEXT(length=200), nullable=False),
        sa.Column("row_count", sa.Integer(), nullable=False),
        sa.Column("created_count", sa.Integer(), nullable=False),
        sa.Column("unchanged_count", sa.Integer(), nullable=False),
        sa.Column("error_count", sa.Integer(), nullable=False),
        sa.Column("imported_by", sa.BigInteger(), nullable=True),
        sa.Column("created_at", models.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["company_id"], ["company.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("company_id", "content_hash"),
    )
    op.create_index("ix_import_batch_company_id", "import_batch", ["company_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_import_batch_company_id", table_name="import_batch")
    op.drop_table("import_batch")
    op.drop_index("ix_base_change_employee_id", table_name="base_change")
    op.drop_index("ix_base_change_company_id", table_name="base_change")
    op.drop_table("base_change")
    op.drop_index("ix_employment_period_employee_id", table_name="employment_period")
    op.drop_index("ix_employment_period_company_id", table_name="employment_period")
    op.drop_table("employment_period")
