"""Running hrbot and a minimal echo bot against local Bot API servers, for the live benchmarks.

Each bot gets its own `LocalBotApi` (the same server code, one token each, in this process),
both long-poll the same way, and a round trip is timed from injecting the user's message to the
bot's reply being recorded by the server.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from common import NOW
from echo import echo_bot as echo_bot  # re-exported for the benchmarks
from echo import poll, stop
from sqlalchemy import Engine

from bot.app import build_application
from bot.callbacks import ReminderPress
from bot.clock import ManualClock
from bot.context import HRApplication
from bot.local_api import LocalBotApi, Mark, SentMessage
from bot.settings import load_settings

#: How long to wait for one reply before the benchmark gives up.
REPLY_TIMEOUT = 30.0


@asynccontextmanager
async def hrbot(
    engine: Engine, **settings_env: str
) -> AsyncIterator[tuple[LocalBotApi, HRApplication]]:
    """hrbot as `hrbot run` builds it (persistence, rate limiter, jobs), on `engine`."""
    logging.getLogger("httpx").setLevel(logging.WARNING)
    api = LocalBotApi().start()
    # One benchmark user sends hundreds of commands a minute: keep the per-user limiter's
    # check on the path (its cost is measured) but never let it refuse.
    env = {"HRBOT_LIMITS_COMMANDS": "1000000", **settings_env}
    settings = load_settings(path="/nonexistent/config.toml", env=env)
    app = build_application(
        settings,
        engine=engine,
        clock=ManualClock(NOW),
        base_url=api.base_url,
        base_file_url=api.base_file_url,
        token=api.token,
        migrate=False,
    )
    await poll(app)
    await asyncio.sleep(1.0)  # the start-up reminder tick and roll-over run first
    try:
        yield api, app
    finally:
        await stop(app)
        api.stop()


#: A reminder carries the reminder's own buttons (done / snooze / view); a reply never does.
_REMINDER_BUTTON = ReminderPress("snooze", 0).data.split(":")[0] + ":"


def is_reminder(message: SentMessage) -> bool:
    return any((data or "").startswith(_REMINDER_BUTTON) for _, data in message.buttons)


async def round_trip(
    api: LocalBotApi, user: int, text: str, replies: int = 1, timeout: float = REPLY_TIMEOUT
) -> float:
    """Seconds from the user's message to the bot's last expected reply.

    Reminders the tick sends to the same chat meanwhile are not replies: counted as one, a
    reminder ended the round trip early and the real reply was then taken for the next
    message's (the load benchmark's start-up burst goes to the very chats that type)."""
    mark = api.mark()
    started = time.perf_counter()
    api.send_message(user, text)
    deadline = started + timeout
    found = 0
    since: Mark | None = mark  # then the chat's cursor, which that first wait moved past it
    while found < replies:
        left = deadline - time.perf_counter()
        if left <= 0:
            raise TimeoutError(f"no reply to {text!r} in chat {user} within {timeout} s")
        (message,) = await api.wait_for_messages(user, count=1, timeout=left, since=since)
        since = None
        if not is_reminder(message):
            found += 1
    return time.perf_counter() - started
