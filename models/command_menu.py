"""Which command menu (setMyCommands) each private chat was last given, as a fingerprint.

Telegram keeps a menu until it is replaced, so the bot only needs to send one when the menu a
person should see differs from the one they were given: at start that is normally nobody, and a
restart costs a request per changed menu instead of one per bound person (issue 15). The row of
`DEFAULT_SCOPE` is the strangers' menu (BotCommandScopeDefault).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Field, Session, SQLModel

from models.types import UTCDateTime

#: (user_id, chat_id) of the default scope's row: Telegram has no user or chat 0.
DEFAULT_SCOPE = (0, 0)


class CommandMenu(SQLModel, table=True):
    __tablename__ = "command_menu"

    user_id: int = Field(sa_type=BigInteger, primary_key=True,
                         sa_column_kwargs={"autoincrement": False})
    chat_id: int = Field(sa_type=BigInteger, primary_key=True,
                         sa_column_kwargs={"autoincrement": False})
    #: A digest of the bot and the commands with their descriptions (handlers/menu.py), not
    #: the commands themselves: it is compared, never read back.
    fingerprint: str = Field(max_length=64)
    given_at: datetime = Field(sa_type=UTCDateTime)


def given_fingerprint(session: Session, user_id: int, chat_id: int) -> str | None:
    """The fingerprint of the menu last given in `chat_id` (None: never, as far as we know)."""
    row = session.get(CommandMenu, (user_id, chat_id))
    return row.fingerprint if row is not None else None


def record_given(
    session: Session, user_id: int, chat_id: int, fingerprint: str, at: datetime
) -> None:
    """Remember the menu just given; one statement, so a start-up catch-up and a role change
    writing the same chat at once cannot collide on the primary key."""
    values = {"user_id": user_id, "chat_id": chat_id, "fingerprint": fingerprint,
              "given_at": at}
    table = CommandMenu.__table__  # type: ignore[attr-defined]
    dialect = session.get_bind().dialect.name
    if dialect in ("postgresql", "sqlite"):
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        statement = insert(table).values(**values)
        session.execute(statement.on_conflict_do_update(
            index_elements=["user_id", "chat_id"],
            set_={"fingerprint": fingerprint, "given_at": statement.excluded.given_at},
        ))
        return
    row = session.get(CommandMenu, (user_id, chat_id))
    if row is None:
        session.add(CommandMenu(**values))
    else:
        row.fingerprint, row.given_at = fingerprint, at
        session.add(row)
