"""Join the reminders and ledger branches into one line, so plain `upgrade head` works.

Revision ID: 0004_merge_heads
Revises: 0002_reminders, 0003_ledger
"""

from collections.abc import Sequence

revision: str = "0004_merge_heads"
down_revision: str | Sequence[str] | None = ("0002_reminders", "0003_ledger")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Nothing to change: the two branches touch different tables."""


def downgrade() -> None:
    """Nothing to undo."""
