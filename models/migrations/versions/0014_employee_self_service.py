"""Employees' complaints (投诉) and the documents HR sent them.

`complaint`: one dated event per complaint with company, employee and the department at filing
(the KPI counts them by date, department and company), HR's reply and the close.
`sent_document`: each file HR sent an employee (说明函, 权益影响说明), listed by /me.

Revision ID: 0014_employee_self_service
Revises: 0013_roles
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.types

revision: str = "0014_employee_self_service"
down_revision: str | Sequence[str] | None = "0013_roles"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "complaint",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("employee_id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("filed_by", sa.BigInteger(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("filed_on", sa.Date(), nullable=False),
        sa.Column("filed_at", models.types.UTCDateTime(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("reply", sa.Text(), nullable=True),
        sa.Column("replies", sa.Integer(), server_default="0", nullable=False),
        sa.Column("replied_by", sa.BigInteger(), nullable=True),
        sa.Column("replied_at", models.types.UTCDateTime(), nullable=True),
        sa.Column("closed_by", sa.BigInteger(), nullable=True),
        sa.Column("closed_at", models.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["company_id"], ["company.id"]),
        sa.ForeignKeyConstraint(["employee_id"], ["employee.id"]),
        sa.ForeignKeyConstraint(["department_id"], ["department.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_complaint_employee_id", "complaint", ["employee_id"])
    op.create_index("ix_complaint_company_filed", "complaint", ["company_id", "filed_on"])
    op.create_index("ix_complaint_company_status", "complaint", ["company_id", "status"])
    op.create_table(
        "sent_document",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("employee_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("sent_by", sa.BigInteger(), nullable=False),
        sa.Column("sent_at", models.types.UTCDateTime(), nullable=False),
        sa.Column("reminder_id", sa.Integer(), nullable=True),
        sa.Column("content", sa.LargeBinary(), nullable=True),
        sa.Column("delivered_at", models.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["reminder_id"], ["reminder.id"]),
        sa.ForeignKeyConstraint(["company_id"], ["company.id"]),
        sa.ForeignKeyConstraint(["employee_id"], ["employee.id"]),
        sa.ForeignKeyConstraint(["case_id"], ["backpay_case.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_sent_document_company_id", "sent_document", ["company_id"])
    op.create_index("ix_sent_document_employee_id", "sent_document", ["employee_id"])
    op.create_index("ix_sent_document_reminder_id", "sent_document", ["reminder_id"])


def downgrade() -> None:
    op.drop_table("sent_document")
    op.drop_table("complaint")
