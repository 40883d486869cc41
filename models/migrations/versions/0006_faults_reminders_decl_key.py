"""Declaration reminders name their company: `declaration:<company id>:<YYYY-MM>:<city>`.

`reminder` is unique on (subject, kind, due date). The old subject
`declaration:<YYYY-MM>:<city>` was the same for two companies in one city, so planning the
second company's reminders raised IntegrityError and aborted every company's tick (issue 8).
Existing rows get their company id from their own `company_id` column; no table changes.

Revision ID: 0006_faults_reminders_decl_key
Revises: 0005_faults_tenancy_current
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_faults_reminders_decl_key"
down_revision: str | Sequence[str] | None = "0005_faults_tenancy_current"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_reminder = sa.table(
    "reminder",
    sa.column("id", sa.Integer()),
    sa.column("company_id", sa.Integer()),
    sa.column("subject", sa.String(80)),
    sa.column("kind", sa.String(30)),
    sa.column("due_date", sa.Date()),
)
_delivery = sa.table("reminder_delivery", sa.column("reminder_id", sa.Integer()))


def _declaration_rows(connection: sa.Connection) -> list[sa.Row]:
    return list(
        connection.execute(
            sa.select(
                _reminder.c.id,
                _reminder.c.company_id,
                _reminder.c.subject,
                _reminder.c.kind,
                _reminder.c.due_date,
            )
            .where(_reminder.c.subject.like("declaration:%"))
            .order_by(_reminder.c.id)
        )
    )


def upgrade() -> None:
    connection = op.get_bind()
    for row in _declaration_rows(connection):
        parts = row.subject.split(":", 2)
        if len(parts) != 3 or "-" not in parts[1]:
            continue  # already `declaration:<company>:<month>:<city>`
        _, month, city = parts
        connection.execute(
            sa.update(_reminder)
            .where(_reminder.c.id == row.id)
            .values(subject=f"declaration:{row.company_id}:{month}:{city}")
        )


def downgrade() -> None:
    """Back to the company-less subject. Where two companies share a city, the old key can
    hold only the first company's row; the others (and their deliveries) are deleted, which
    is what the old schema could represent."""
    connection = op.get_bind()
    taken: set[tuple[str, str, object]] = set()
    for row in _declaration_rows(connection):
        parts = row.subject.split(":", 3)
        if len(parts) != 4:
            continue
        _, _company, month, city = parts
        subject = f"declaration:{month}:{city}"
        key = (subject, row.kind, row.due_date)
        if key in taken:
            connection.execute(sa.delete(_delivery).where(_delivery.c.reminder_id == row.id))
            connection.execute(sa.delete(_reminder).where(_reminder.c.id == row.id))
            continue
        taken.add(key)
        connection.execute(
            sa.update(_reminder).where(_reminder.c.id == row.id).values(subject=subject)
        )
