"""A 员工信息有误 case's corrected fields (field, old value, new value) for the 员工信息变更表.

Revision ID: 0011_case_changed_fields
Revises: 0010_backpay_cases
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_case_changed_fields"
down_revision: str | Sequence[str] | None = "0010_backpay_cases"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("backpay_case") as batch:
        batch.add_column(sa.Column("changed_fields", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("backpay_case") as batch:
        batch.drop_column("changed_fields")
