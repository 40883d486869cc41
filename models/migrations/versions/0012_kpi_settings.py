"""Per-company KPI weights, targets and deductions (/kpi_settings; absent: config.toml [kpi]).

Revision ID: 0012_kpi_settings
Revises: 0011_case_changed_fields
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012_kpi_settings"
down_revision: str | Sequence[str] | None = "0011_case_changed_fields"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("company_settings") as batch:
        batch.add_column(sa.Column("kpi_overrides", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("company_settings") as batch:
        batch.drop_column("kpi_overrides")
