"""The minimal python-telegram-bot 22 echo bot every live benchmark compares hrbot with.

A module of its own that imports only PTB and the local Bot API server, so that run as a script
it measures what the echo bot alone costs in memory (bench/bench_rss.py's baseline):

    .venv/bin/python bench/echo.py     # prints the echo bot's peak RSS in MB after one reply
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.ext import Application, ApplicationBuilder, ContextTypes, MessageHandler, filters

from bot.local_api import LocalBotApi


async def _echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.message is not None and update.message.text is not None
    await update.message.reply_text(update.message.text)


async def poll(app: Application) -> None:  # type: ignore[type-arg]
    await app.initialize()
    await app.start()
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0.0, timeout=1)


async def stop(app: Application) -> None:  # type: ignore[type-arg]
    assert app.updater is not None
    await app.updater.stop()
    await app.stop()
    await app.shutdown()


#: What a canned echo answers to a text: the HTML and the inline keyboard (Bot API JSON).
Canned = dict[str, tuple[str, dict[str, Any] | None]]


def _canned_echo(canned: Canned):  # type: ignore[no-untyped-def]
    async def answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None and update.message.text is not None
        if update.message.text not in canned:
            await update.message.reply_text(update.message.text)
            return
        html, markup = canned[update.message.text]
        keyboard = InlineKeyboardMarkup.de_json(markup, context.bot) if markup else None
        await update.message.reply_text(html, parse_mode=ParseMode.HTML, reply_markup=keyboard)

    return answer


@asynccontextmanager
async def echo_bot(canned: Canned | None = None) -> AsyncIterator[LocalBotApi]:
    """The minimal PTB 22 echo bot: one MessageHandler, default settings, no persistence.

    With `canned`, texts it knows are answered with a given HTML message and keyboard (the
    same reply as hrbot's, so the size of the message is the same on both sides)."""
    api = LocalBotApi().start()
    app = ApplicationBuilder().token(api.token).base_url(api.base_url).build()
    app.add_handler(MessageHandler(filters.TEXT, _canned_echo(canned) if canned else _echo))
    await poll(app)
    try:
        yield api
    finally:
        await stop(app)
        api.stop()




def peak_rss_mb() -> float:
    """This process's high-water RSS (VmHWM), in MB."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


async def _one_reply() -> None:
    async with echo_bot() as api:
        mark = api.mark()
        api.send_message(1, "你好")
        await api.wait_for_messages(1, count=1, since=mark, timeout=30)


if __name__ == "__main__":
    asyncio.run(_one_reply())
    print(f"{peak_rss_mb():.1f}")
