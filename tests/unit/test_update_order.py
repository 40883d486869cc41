"""Concurrent updates: different chats interleave, one chat's updates keep their order."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from sqlalchemy import Engine
from telegram import Chat, Message, Update, User

from bot.app import build_application
from bot.settings import load_settings
from bot.update_order import PerChatUpdateProcessor


def message_update(update_id: int, chat_id: int, user_id: int, text: str) -> Update:
    chat = Chat(chat_id, Chat.PRIVATE)
    user = User(user_id, "测试", is_bot=False)
    message = Message(
        update_id, datetime(2026, 12, 1, tzinfo=UTC), chat, from_user=user, text=text
    )
    return Update(update_id, message=message)


async def test_two_chats_interleave_and_one_chats_updates_stay_in_order() -> None:
    processor = PerChatUpdateProcessor(8)
    log: list[str] = []
    first_may_finish = asyncio.Event()

    async def handle(name: str, hold: asyncio.Event | None = None) -> None:
        log.append(f"{name} start")
        if hold is not None:
            await hold.wait()
        await asyncio.sleep(0)
        log.append(f"{name} end")

    a1 = message_update(1, 100, 100, "/hire")
    a2 = message_update(2, 100, 100, "陈明远")
    b1 = message_update(3, 200, 200, "/todo")
    tasks = [
        asyncio.create_task(processor.process_update(a1, handle("A1", first_may_finish))),
        asyncio.create_task(processor.process_update(a2, handle("A2"))),
        asyncio.create_task(processor.process_update(b1, handle("B1"))),
    ]
    for _ in range(20):  # let everything that may run, run
        await asyncio.sleep(0)
    # Chat B was served while chat A's first update was still busy; A2 waited for A1.
    assert log == ["A1 start", "B1 start", "B1 end"]
    first_may_finish.set()
    await asyncio.gather(*tasks)
    assert log[3:] == ["A1 end", "A2 start", "A2 end"]
    assert processor._locks == {}  # no lock is kept for idle chats


async def test_one_user_in_two_chats_is_served_one_update_at_a_time() -> None:
    """user_data (the drafts) is per user, so a user's updates never overlap either."""
    processor = PerChatUpdateProcessor(8)
    log: list[str] = []
    release = asyncio.Event()

    async def handle(name: str, hold: asyncio.Event | None = None) -> None:
        log.append(f"{name} start")
        if hold is not None:
            await hold.wait()
        log.append(f"{name} end")

    private = message_update(1, 100, 100, "/hire")
    group = message_update(2, -500, 100, "/bindgroup")
    tasks = [
        asyncio.create_task(processor.process_update(private, handle("P", release))),
        asyncio.create_task(processor.process_update(group, handle("G"))),
    ]
    for _ in range(20):
        await asyncio.sleep(0)
    assert log == ["P start"]
    release.set()
    await asyncio.gather(*tasks)
    assert log == ["P start", "P end", "G start", "G end"]


def test_the_application_processes_updates_concurrently(engine: Engine) -> None:
    settings = load_settings(path="/nonexistent/config.toml", env={})
    app = build_application(settings, engine=engine)
    assert isinstance(app.update_processor, PerChatUpdateProcessor)
    assert app.concurrent_updates == settings.telegram.concurrent_updates > 1
