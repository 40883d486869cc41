"""The command menu each private chat was last given (a fingerprint), so a start sends only
the menus that changed instead of one setMyCommands per bound person (issue 15).

Empty at first: the first start after this migration gives every bound person their menu once,
in the background, and remembers it.

Revision ID: 0016_command_menus
Revises: 0015_sealed_personal_data
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.types

revision: str = "0016_command_menus"
down_revision: str | Sequence[str] | None = "0015_sealed_personal_data"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "command_menu",
        sa.Column("user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("chat_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("given_at", models.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("user_id", "chat_id"),
    )


def downgrade() -> None:
    op.drop_table("command_menu")
