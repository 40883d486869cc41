"""Back-payment cases (补缴案例) and their state changes.

`backpay_case` freezes the calculator's result when HR open a case (per-month amounts as exact
decimal strings in JSON, totals in cents, the policy version); `case_event` records every state
change with the day, who, and a note.

Revision ID: 0010_backpay_cases
Revises: 0009_outbox_endpoints
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.types

revision: str = "0010_backpay_cases"
down_revision: str | Sequence[str] | None = "0009_outbox_endpoints"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "backpay_case",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("employee_id", sa.Integer(), nullable=False),
        sa.Column("city", sa.String(length=40), nullable=False),
        sa.Column("base", models.types.Money(), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=True),
        sa.Column("months", sa.JSON(), nullable=False),
        sa.Column("employer_total", models.types.Money(), nullable=False),
        sa.Column("employee_total", models.types.Money(), nullable=False),
        sa.Column("late_fee", models.types.Money(), nullable=False),
        sa.Column("policy_version", sa.String(length=200), nullable=False),
        sa.Column("reason", sa.String(length=20), nullable=False),
        sa.Column("reason_text", sa.String(length=200), nullable=True),
        sa.Column("planned_pay_date", sa.Date(), nullable=False),
        sa.Column("actual_pay_date", sa.Date(), nullable=True),
        sa.Column("actual_late_fee", models.types.Money(), nullable=True),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("opened_by", sa.BigInteger(), nullable=False),
        sa.Column("opened_at", models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_change_at", models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("closed_at", models.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["company_id"], ["company.id"]),
        sa.ForeignKeyConstraint(["employee_id"], ["employee.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_backpay_case_company_state", "backpay_case", ["company_id", "state"])
    op.create_index("ix_backpay_case_employee_id", "backpay_case", ["employee_id"])
    op.create_table(
        "case_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("from_state", sa.String(length=20), nullable=True),
        sa.Column("to_state", sa.String(length=20), nullable=False),
        sa.Column("on", sa.Date(), nullable=False),
        sa.Column("at", models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("by", sa.BigInteger(), nullable=False),
        sa.Column("note", sa.String(length=300), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["backpay_case.id"]),
        sa.ForeignKeyConstraint(["company_id"], ["company.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_case_event_case_id", "case_event", ["case_id"])


def downgrade() -> None:
    op.drop_index("ix_case_event_case_id", table_name="case_event")
    op.drop_table("case_event")
    op.drop_index("ix_backpay_case_employee_id", table_name="backpay_case")
    op.drop_index("ix_backpay_case_company_state", table_name="backpay_case")
    op.drop_table("backpay_case")
