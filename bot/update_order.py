"""Concurrent updates that keep each chat's (and each user's) updates in arrival order.

PTB's ConversationHandler assumes one update at a time (its docs say to leave
`concurrent_updates` off). Most of that assumption is per conversation, and hrbot keys every
conversation by (chat, user) and keeps drafts in user_data, so it is enough that updates of one
chat, and of one user, never overlap: a slow /todo in one company no longer delays another
company's /hire, while one HR's answers are still read in the order they were typed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from contextlib import AsyncExitStack
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

#: ("chat", id) or ("user", id): what two updates must not share to run side by side.
OrderKey = tuple[str, int]


def order_keys(update: object) -> list[OrderKey]:
    """The chat and the user an update belongs to (none for updates of neither kind)."""
    if not isinstance(update, Update):
        return []
    keys: list[OrderKey] = []
    if update.effective_chat is not None:
        keys.append(("chat", update.effective_chat.id))
    if update.effective_user is not None:
        keys.append(("user", update.effective_user.id))
    return sorted(keys)  # one global order of acquisition: no two updates deadlock


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """Up to `max_concurrent_updates` at once; one at a time per chat and per user.

    Each key has an asyncio.Lock, whose waiters are woken first come first served, so updates
    of one chat run in the order PTB fetched them. A lock is dropped when nobody holds or
    waits for it, so the table stays as small as the number of busy chats.
    """

    def __init__(self, max_concurrent_updates: int) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[OrderKey, asyncio.Lock] = {}
        self._users: dict[OrderKey, int] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        keys = order_keys(update)
        for key in keys:
            self._users[key] = self._users.get(key, 0) + 1
        try:
            async with AsyncExitStack() as held:
                for key in keys:
                    await held.enter_async_context(self._locks.setdefault(key, asyncio.Lock()))
                await coroutine
        finally:
            for key in keys:
                self._users[key] -= 1
                if not self._users[key]:
                    del self._users[key]
                    self._locks.pop(key, None)

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None
