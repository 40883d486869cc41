"""The per-user command rate limit, applied once for every update (bot/rate_limit.py)."""

from __future__ import annotations

import math

from telegram import Update
from telegram.ext import Application, ApplicationHandlerStop, TypeHandler

from bot.context import HRContext
from bot.render import render

#: Before every other handler (the company choice is group -2, the guards -1).
GROUP = -3


def is_command(update: Update) -> bool:
    message = update.effective_message
    return bool(message is not None and update.callback_query is None
                and (message.text or "").startswith("/"))


async def on_any_update(update: Update, context: HRContext) -> None:
    """Let the update through, or answer the first command over the limit politely and drop
    it (and, silently, the ones after it until the window frees)."""
    user = update.effective_user
    if user is None or not is_command(update):
        return
    limiter = context.services.command_limits
    verdict = limiter.check(user.id)
    if verdict.allowed:
        return
    if verdict.first_refusal and update.effective_message is not None:
        await update.effective_message.reply_html(render(
            "rate_limited", commands=limiter.commands, per_seconds=int(limiter.per_seconds),
            wait_seconds=max(1, math.ceil(verdict.retry_after)),
        ))
    raise ApplicationHandlerStop


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(TypeHandler(Update, on_any_update), group=GROUP)
