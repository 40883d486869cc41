"""Roles: HR admins, employees bound to their record, invites that carry scope.

`membership.admin` marks an HR admin (HR 管理员); every HR active before this migration
becomes one, so no company loses the rights it had (docs/roles.md). `membership.employee_id`
binds an employee-role user to one employee record (unique: one user per employee).
`invite_code` gains what the membership will get (admin, scope, employee_id) and who made it.

Revision ID: 0013_roles
Revises: 0012_kpi_settings
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013_roles"
down_revision: str | Sequence[str] | None = "0012_kpi_settings"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "membership", sa.Column("admin", sa.Boolean(), nullable=False, server_default=sa.false())
    )
    op.add_column("membership", sa.Column("employee_id", sa.Integer(), nullable=True))
    op.create_index(
        "ix_membership_employee_id", "membership", ["employee_id"], unique=True
    )
    op.add_column(
        "invite_code", sa.Column("admin", sa.Boolean(), nullable=False, server_default=sa.false())
    )
    op.add_column("invite_code", sa.Column("scope", sa.JSON(), nullable=True))
    op.add_column("invite_code", sa.Column("employee_id", sa.Integer(), nullable=True))
    op.add_column("invite_code", sa.Column("created_by", sa.BigInteger(), nullable=True))
    op.execute(sa.text("UPDATE membership SET admin = :yes WHERE role = 'hr'").bindparams(yes=True))
    op.execute(sa.text("UPDATE invite_code SET admin = :yes WHERE role = 'hr'").bindparams(yes=True))


def downgrade() -> None:
    for column in ("created_by", "employee_id", "scope", "admin"):
        op.drop_column("invite_code", column)
    op.drop_index("ix_membership_employee_id", table_name="membership")
    op.drop_column("membership", "employee_id")
    op.drop_column("membership", "admin")
