"""PTB persistence in our own database, so a half-finished /hire survives a restart.

Data is stored as JSON (no pickle): conversation keys become JSON arrays. Only user_data,
chat_data and conversations are kept; bot_data and callback_data are not used by hrbot.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Engine, delete
from sqlmodel import Session, select
from telegram.ext import BasePersistence, PersistenceInput
from telegram.ext._utils.types import ConversationDict, ConversationKey

from models.ptb_state import PtbState

_USER = "user_data"
_CHAT = "chat_data"


def _conversation_kind(name: str) -> str:
    return f"conversation:{name}"


class DatabasePersistence(BasePersistence[dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """Writes through to the `ptb_state` table on every flush PTB asks for."""

    def __init__(self, engine: Engine, *, update_interval: float = 60) -> None:
        super().__init__(
            store_data=PersistenceInput(bot_data=False, callback_data=False),
            update_interval=update_interval,
        )
        self._engine = engine

    def _load(self, kind: str) -> list[PtbState]:
        with Session(self._engine) as session:
            return list(session.exec(select(PtbState).where(PtbState.kind == kind)))

    def _put(self, kind: str, key: str, data: object) -> None:
        with Session(self._engine) as session:
            row = session.get(PtbState, (kind, key))
            if row is None:
                session.add(PtbState(kind=kind, key=key, data=data))
            else:
                row.data = data
                session.add(row)
            session.commit()

    def _drop(self, kind: str, key: str) -> None:
        with Session(self._engine) as session:
            session.exec(delete(PtbState).where(PtbState.kind == kind, PtbState.key == key))  # type: ignore[call-overload]
            session.commit()

    async def get_user_data(self) -> dict[int, dict[Any, Any]]:
        return {int(row.key): dict(row.data or {}) for row in self._load(_USER)}

    async def get_chat_data(self) -> dict[int, dict[Any, Any]]:
        return {int(row.key): dict(row.data or {}) for row in self._load(_CHAT)}

    async def get_bot_data(self) -> dict[Any, Any]:
        return {}

    async def get_callback_data(self) -> None:
        return None

    async def get_conversations(self, name: str) -> ConversationDict:
        conversations: dict[ConversationKey, object] = {}
        for row in self._load(_conversation_kind(name)):
            conversations[tuple(json.loads(row.key))] = row.data
        return conversations  # type: ignore[return-value]

    async def update_conversation(
        self, name: str, key: ConversationKey, new_state: object | None
    ) -> None:
        encoded = json.dumps(list(key))
        if new_state is None:
            self._drop(_conversation_kind(name), encoded)
        else:
            self._put(_conversation_kind(name), encoded, new_state)

    async def update_user_data(self, user_id: int, data: dict[Any, Any]) -> None:
        self._put(_USER, str(user_id), data)

    async def update_chat_data(self, chat_id: int, data: dict[Any, Any]) -> None:
        self._put(_CHAT, str(chat_id), data)

    async def update_bot_data(self, data: dict[Any, Any]) -> None:
        return None

    async def update_callback_data(self, data: object) -> None:
        return None

    async def drop_chat_data(self, chat_id: int) -> None:
        self._drop(_CHAT, str(chat_id))

    async def drop_user_data(self, user_id: int) -> None:
        self._drop(_USER, str(user_id))

    async def refresh_user_data(self, user_id: int, user_data: dict[Any, Any]) -> None:
        return None

    async def refresh_chat_data(self, chat_id: int, chat_data: dict[Any, Any]) -> None:
        return None

    async def refresh_bot_data(self, bot_data: dict[Any, Any]) -> None:
        return None

    async def flush(self) -> None:
        return None
