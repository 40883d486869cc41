"""Which private chats need their command menu (re)sent: the ones whose menu differs from the
one last given (models/command_menu.py). handlers/menu.py builds the menus and sends them."""

from __future__ import annotations

from collections.abc import Generator, Mapping
from contextlib import closing
from datetime import datetime

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from bot.services import access
from bot.services.access import Standing
from models import command_menu
from models.command_menu import CommandMenu
from models.db import unit_of_work


def menus_due(
    engine: Engine, fingerprints: Mapping[Standing | None, str]
) -> list[tuple[int, int]]:
    """(user id, chat id) of every bound person whose menu — the fingerprint of their
    standing's menu — is not the one they were last given; normally none.

    Both sides are streamed in (user, chat) order and merged, so memory grows with the menus
    due, not with the people bound.
    """
    due: list[tuple[int, int]] = []
    with (Session(engine) as bound_session, Session(engine) as given_session,
          closing(access.bound_standings(bound_session)) as bound,
          closing(_given_in_order(given_session)) as given):
        current = next(given, None)
        for user_id, chat_id, standing in bound:
            while current is not None and current[0] < (user_id, chat_id):
                current = next(given, None)
            last = current[1] if current is not None and current[0] == (user_id, chat_id) else None
            if last != fingerprints[standing]:
                due.append((user_id, chat_id))
    return due


def _given_in_order(session: Session) -> Generator[tuple[tuple[int, int], str], None, None]:
    statement = (
        select(CommandMenu.user_id, CommandMenu.chat_id, CommandMenu.fingerprint)
        .order_by(col(CommandMenu.user_id), col(CommandMenu.chat_id))
        .execution_options(yield_per=1000)
    )
    rows = session.exec(statement)
    try:  # closed even when the caller stops early (a PostgreSQL server-side cursor)
        for user_id, chat_id, fingerprint in rows:
            yield (user_id, chat_id), fingerprint
    finally:
        rows.close()


def given_fingerprint(engine: Engine, user_id: int, chat_id: int) -> str | None:
    """The fingerprint of the menu last given in the chat (None: none recorded)."""
    with Session(engine) as session:
        return command_menu.given_fingerprint(session, user_id, chat_id)


def record_menu(engine: Engine, user_id: int, chat_id: int, fingerprint: str, *,
                now: datetime) -> None:
    """Remember that the chat was just given the menu of `fingerprint`."""
    with unit_of_work(engine) as session:
        command_menu.record_given(session, user_id, chat_id, fingerprint, now)
