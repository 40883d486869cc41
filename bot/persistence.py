"""PTB persistence in our own database, so a half-finished /hire survives a restart.

Data is stored as JSON (no pickle): conversation keys become JSON arrays. Only user_data,
chat_data and conversations are kept; bot_data and callback_data are not used by hrbot.

Writes cost a transaction each, and PTB asks for one write per conversation, user and chat it
touched. Two things keep an update to at most one transaction:
- `one_transaction()` collects every write made inside it (also from tasks PTB gathers) and
  commits them together when it ends; `checkpoint` and `HRApplication.update_persistence` use it.
- A write of what is already stored is skipped: the JSON last committed (or loaded) for each row
  is remembered, so PTB's flush after a step that `checkpoint` already saved writes nothing.
  This assumes one update process owns the conversations (PTB keeps them in memory anyway).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import Engine, Executable, bindparam, delete, insert, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, select
from telegram.ext import BasePersistence, PersistenceInput

from models.ptb_state import PtbState

_USER = "user_data"
_CHAT = "chat_data"

#: (kind, key) -> the data to store, or _DELETED to remove the row.
_Writes = dict[tuple[str, str], object]
_DELETED = object()
#: What `_stored` answers for a row this process has neither read nor written.
_UNKNOWN = "\0unknown"

#: A conversation's key as ConversationHandler builds it (chat id, user id), and its states by
#: key: what `BasePersistence.get_conversations` documents, spelled here because PTB keeps its
#: own aliases in a private module.
ConversationKey = tuple[int | str, ...]
ConversationDict = dict[ConversationKey, object]

#: The writes collected by the innermost `one_transaction()` of the running task, if any.
_pending: ContextVar[_Writes | None] = ContextVar("hrbot_persistence_pending", default=None)


def _upsert_for(dialect: str) -> Any:
    """INSERT … ON CONFLICT DO UPDATE where the database has it: one statement a row."""
    if dialect == "postgresql":
        return postgresql.insert
    if dialect == "sqlite":
        return sqlite.insert
    return None


@dataclass(frozen=True)
class _RowStatements:
    """The writes of a `ptb_state` row with bound parameters (kind, key, data), built once per
    dialect: every update that moves a dialog commits one, and building an insert (and its
    cache key) per row cost more than running it."""

    delete: Executable
    update: Executable
    insert: Executable
    #: INSERT … ON CONFLICT DO UPDATE, where the database has it.
    upsert: Executable | None


@cache
def _statements_for(dialect: str) -> _RowStatements:
    table = PtbState.__table__  # type: ignore[attr-defined]
    kind, key, data = bindparam("row_kind"), bindparam("row_key"), bindparam("row_data")
    this_row = (table.c.kind == kind, table.c.key == key)
    upsert = _upsert_for(dialect)
    if upsert is not None:
        adding = upsert(table).values(kind=kind, key=key, data=data)
        upsert = adding.on_conflict_do_update(
            index_elements=["kind", "key"], set_={"data": adding.excluded.data}
        )
    return _RowStatements(
        delete=delete(table).where(*this_row),
        update=update(table).where(*this_row).values(data=data),
        insert=insert(table).values(kind=kind, key=key, data=data),
        upsert=upsert,
    )


def _conversation_kind(name: str) -> str:
    return f"conversation:{name}"


def _fingerprint(data: object) -> str | None:
    """What is compared to decide a write changes nothing (None: the row is absent)."""
    if data is _DELETED:
        return None
    return json.dumps(data, sort_keys=True, ensure_ascii=False, default=str)


@asynccontextmanager
async def transaction_of(persistence: BasePersistence[Any, Any, Any]) -> AsyncIterator[None]:
    """`persistence.one_transaction()` when it has one (any other persistence: no batching)."""
    if isinstance(persistence, DatabasePersistence):
        async with persistence.one_transaction():
            yield
    else:
        yield


class DatabasePersistence(BasePersistence[dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """Writes through to the `ptb_state` table, one transaction per batch of changed rows."""

    def __init__(self, engine: Engine, *, update_interval: float = 60) -> None:
        super().__init__(
            store_data=PersistenceInput(bot_data=False, callback_data=False),
            update_interval=update_interval,
        )
        self._engine = engine
        #: (kind, key) -> fingerprint of what the table holds (or will, once the writer thread
        #: is through its queue), for rows read or written.
        self._stored: dict[tuple[str, str], str | None] = {}
        self._writer: ThreadPoolExecutor | None = None
        #: conversation name -> (names of the conversations merged into it, state converter)
        self._merged: dict[str, tuple[list[str], Callable[[str, object], object | None]]] = {}

    def merge_conversations(
        self,
        into: str,
        names: Sequence[str],
        convert: Callable[[str, object], object | None],
    ) -> None:
        """Read the stored states of the conversations `names` (replaced by the single
        conversation `into`) as `into`'s when it loads: `convert(name, state)` is the state in
        `into`, None to drop it. A key `into` already has keeps its own state; the old rows
        are deleted once read. Call before the application initialises."""
        self._merged[into] = (list(names), convert)

    @asynccontextmanager
    async def one_transaction(self) -> AsyncIterator[None]:
        """Collect every write made inside and commit them in one transaction at the end.

        Nested use joins the outer batch. On an exception nothing collected is written.
        """
        if _pending.get() is not None:
            yield
            return
        writes: _Writes = {}
        token = _pending.set(writes)
        try:
            yield
        finally:
            _pending.reset(token)
        await self._commit(writes)

    def _load(self, kind: str) -> list[PtbState]:
        with Session(self._engine) as session:
            rows = list(session.exec(select(PtbState).where(PtbState.kind == kind)))
        for row in rows:
            self._stored[(kind, row.key)] = _fingerprint(row.data)
        return rows

    async def _write(self, kind: str, key: str, data: object) -> None:
        """Queue `data` (or _DELETED) for the row; commit now unless inside one_transaction."""
        pending = _pending.get()
        if pending is not None:
            pending[(kind, key)] = data
        else:
            await self._commit({(kind, key): data})

    async def _commit(self, writes: _Writes) -> None:
        """Commit the rows that change what is stored, in the persistence's own thread.

        The event loop keeps serving other chats meanwhile. One thread commits batches in the
        order they were handed over, so `_stored` can be updated at hand-over: it is what the
        table will hold once the queue is through (a failed commit forgets those rows).
        """
        changed = {
            row: data
            for row, data in writes.items()
            if self._stored.get(row, _UNKNOWN) != _fingerprint(data)
        }
        if not changed:
            return
        for row, data in changed.items():
            self._stored[row] = _fingerprint(data)
        if self._writer is None:
            self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="hrbot-ptb-state")
        try:
            await asyncio.get_running_loop().run_in_executor(
                self._writer, self._commit_now, changed
            )
        except BaseException:
            for row in changed:
                self._stored.pop(row, None)
            raise

    def _commit_now(self, changed: _Writes) -> None:
        statements = _statements_for(self._engine.dialect.name)
        deleted = [
            {"row_kind": kind, "row_key": key}
            for (kind, key), data in changed.items() if data is _DELETED
        ]
        kept = [
            {"row_kind": kind, "row_key": key, "row_data": data}
            for (kind, key), data in changed.items() if data is not _DELETED
        ]
        with self._engine.begin() as connection:
            # Each kind of write goes as one executemany: on PostgreSQL psycopg pipelines the
            # rows (a step's conversation state and user data) in one round trip.
            if deleted:
                connection.execute(statements.delete, deleted)
            if kept and statements.upsert is not None:
                connection.execute(statements.upsert, kept)
            else:
                for row in kept:
                    if connection.execute(statements.update, row).rowcount == 0:
                        connection.execute(statements.insert, row)

    async def _put_data(self, kind: str, key: str, data: dict[Any, Any]) -> None:
        # An empty dict reads back the same as no row, so it is not worth a row.
        await self._write(kind, key, data if data else _DELETED)

    async def get_user_data(self) -> dict[int, dict[Any, Any]]:
        return {int(row.key): dict(row.data or {}) for row in self._load(_USER)}

    async def get_chat_data(self) -> dict[int, dict[Any, Any]]:
        return {int(row.key): dict(row.data or {}) for row in self._load(_CHAT)}

    async def get_bot_data(self) -> dict[Any, Any]:
        return {}

    async def get_callback_data(self) -> None:
        return None

    async def get_conversations(self, name: str) -> ConversationDict:
        conversations: ConversationDict = {}
        for row in self._load(_conversation_kind(name)):
            conversations[tuple(json.loads(row.key))] = row.data
        if name in self._merged:
            await self._merge_into(name, conversations)
        return conversations

    async def _merge_into(self, name: str, conversations: ConversationDict) -> None:
        """Fold the rows of the conversations merged into `name` (see merge_conversations)."""
        old_names, convert = self._merged[name]
        writes: _Writes = {}
        for old in old_names:
            for row in self._load(_conversation_kind(old)):
                writes[(_conversation_kind(old), row.key)] = _DELETED
                key = tuple(json.loads(row.key))
                state = convert(old, row.data)
                if state is not None and key not in conversations:
                    conversations[key] = state
                    writes[(_conversation_kind(name), row.key)] = state
        if writes:
            await self._commit(writes)

    async def update_conversation(
        self, name: str, key: ConversationKey, new_state: object | None
    ) -> None:
        encoded = json.dumps(list(key))
        await self._write(
            _conversation_kind(name), encoded, _DELETED if new_state is None else new_state
        )

    async def update_user_data(self, user_id: int, data: dict[Any, Any]) -> None:
        await self._put_data(_USER, str(user_id), data)

    async def update_chat_data(self, chat_id: int, data: dict[Any, Any]) -> None:
        await self._put_data(_CHAT, str(chat_id), data)

    async def update_bot_data(self, data: dict[Any, Any]) -> None:
        return None

    async def update_callback_data(self, data: object) -> None:
        return None

    async def drop_chat_data(self, chat_id: int) -> None:
        await self._write(_CHAT, str(chat_id), _DELETED)

    async def drop_user_data(self, user_id: int) -> None:
        await self._write(_USER, str(user_id), _DELETED)

    async def refresh_user_data(self, user_id: int, user_data: dict[Any, Any]) -> None:
        return None

    async def refresh_chat_data(self, chat_id: int, chat_data: dict[Any, Any]) -> None:
        return None

    async def refresh_bot_data(self, bot_data: dict[Any, Any]) -> None:
        return None

    async def flush(self) -> None:
        """Called last when the application stops: let the writer thread go."""
        writer, self._writer = self._writer, None
        if writer is not None:
            writer.shutdown(wait=True)
