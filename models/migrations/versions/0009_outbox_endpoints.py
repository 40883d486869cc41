"""Deliveries per channel endpoint, group robots, and which notifications robots get.

`reminder_delivery` was unique per (reminder, chat); a reminder now also goes to WeCom /
Feishu / DingTalk robots, which have no chat id. Each row names its endpoint
(``telegram:<chat id>`` / ``robot:<id>``), unique per (reminder, endpoint); existing rows become
``telegram:<chat_id>``; chat_id is kept for Telegram rows but no longer required.

SQLite cannot drop the old unnamed unique constraint in place, so there the table is built
anew and the rows copied; PostgreSQL alters it.

Revision ID: 0009_outbox_endpoints
Revises: 0008_ops_install_heartbeat
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.types

revision: str = "0009_outbox_endpoints"
down_revision: str | Sequence[str] | None = "0008_ops_install_heartbeat"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_INDEX = "ix_reminder_delivery_reminder_id"
_UNIQUE = "uq_reminder_delivery_endpoint"


def _delivery_table(name: str, *, new: bool) -> None:
    """The delivery table as 0002 made it (new=False) or as this revision wants it."""
    columns: list[sa.SchemaItem] = [
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reminder_id", sa.Integer(), nullable=False),
    ]
    if new:
        columns.append(sa.Column("endpoint", sa.String(length=80), nullable=False))
    columns += [
        sa.Column("chat_id", sa.BigInteger(), nullable=new),
        sa.Column("message_id", sa.BigInteger(), nullable=True),
        sa.Column("outcome", sa.String(length=10), nullable=False),
        sa.Column("at", models.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["reminder_id"], ["reminder.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("reminder_id", "endpoint", name=_UNIQUE)
        if new
        else sa.UniqueConstraint("reminder_id", "chat_id"),
    ]
    op.create_table(name, *columns)


def _rebuild_sqlite(*, new: bool) -> None:
    """Create the table in its target shape beside the old one, copy, swap."""
    _delivery_table("reminder_delivery_swap", new=new)
    if new:
        op.execute(
            "INSERT INTO reminder_delivery_swap"
            " (id, reminder_id, endpoint, chat_id, message_id, outcome, at)"
            " SELECT id, reminder_id, 'telegram:' || chat_id, chat_id, message_id, outcome, at"
            " FROM reminder_delivery"
        )
    else:
        op.execute(
            "INSERT INTO reminder_delivery_swap (id, reminder_id, chat_id, message_id, outcome, at)"
            " SELECT id, reminder_id, chat_id, message_id, outcome, at FROM reminder_delivery"
            " WHERE chat_id IS NOT NULL"
        )
    op.drop_index(_INDEX, table_name="reminder_delivery")
    op.drop_table("reminder_delivery")
    op.rename_table("reminder_delivery_swap", "reminder_delivery")
    op.create_index(_INDEX, "reminder_delivery", ["reminder_id"])


def _old_unique_name(connection: sa.Connection) -> str | None:
    for unique in sa.inspect(connection).get_unique_constraints("reminder_delivery"):
        if sorted(unique["column_names"]) == ["chat_id", "reminder_id"]:
            return unique["name"]
    return None


def upgrade() -> None:
    connection = op.get_bind()
    if connection.dialect.name == "sqlite":
        _rebuild_sqlite(new=True)
    else:
        op.add_column("reminder_delivery", sa.Column("endpoint", sa.String(80), nullable=True))
        op.execute("UPDATE reminder_delivery SET endpoint = 'telegram:' || chat_id")
        op.alter_column("reminder_delivery", "endpoint", nullable=False)
        op.alter_column("reminder_delivery", "chat_id", nullable=True)
        old = _old_unique_name(connection)
        if old is not None:
            op.drop_constraint(old, "reminder_delivery", type_="unique")
        op.create_unique_constraint(_UNIQUE, "reminder_delivery", ["reminder_id", "endpoint"])

    op.create_table(
        "robot_endpoint",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("url_ciphertext", sa.Text(), nullable=False),
        sa.Column("secret_ciphertext", sa.Text(), nullable=True),
        sa.Column("url_hint", sa.String(length=60), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_by_user_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("removed_at", models.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=300), nullable=True),
        sa.ForeignKeyConstraint(["company_id"], ["company.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_robot_endpoint_company_id", "robot_endpoint", ["company_id"])
    op.add_column(
        "company_settings", sa.Column("robot_notifications", sa.String(300), nullable=True)
    )


def downgrade() -> None:
    """Robot deliveries have no chat: they are dropped with the robots."""
    with op.batch_alter_table("company_settings") as batch:
        batch.drop_column("robot_notifications")
    op.drop_index("ix_robot_endpoint_company_id", table_name="robot_endpoint")
    op.drop_table("robot_endpoint")
    connection = op.get_bind()
    if connection.dialect.name == "sqlite":
        _rebuild_sqlite(new=False)
        return
    op.execute("DELETE FROM reminder_delivery WHERE chat_id IS NULL")
    op.drop_constraint(_UNIQUE, "reminder_delivery", type_="unique")
    op.create_unique_constraint(
        "reminder_delivery_reminder_id_chat_id_key", "reminder_delivery", ["reminder_id", "chat_id"]
    )
    op.alter_column("reminder_delivery", "chat_id", nullable=False)
    op.drop_column("reminder_delivery", "endpoint")
