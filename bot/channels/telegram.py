"""The Telegram adapter of the channel contract (bot/channels/base.py).

Sends the rendered HTML with its actions as one row of inline buttons, and turns
python-telegram-bot's errors into the contract's: RetryAfter (flood control, which holds for
the whole bot) → RetryLater(whole_channel=True), Forbidden (the chat blocked the bot or
removed it) → EndpointGone, ChatMigrated (a group upgraded to a supergroup, which has a new
chat id) → EndpointMoved(new chat id), any other TelegramError → DeliveryFailed.

Every send here is a delivery, not a reply: it goes in the rate limiter's bulk lane
(bot/send_lanes.py), behind the replies people are waiting for.
"""

from __future__ import annotations

import warnings
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message
from telegram.constants import ParseMode
from telegram.error import ChatMigrated, Forbidden, RetryAfter, TelegramError
from telegram.ext import ExtBot
from telegram.warnings import PTBDeprecationWarning

from bot.channels.base import (
    Action,
    ChannelKind,
    Delivered,
    DeliveryFailed,
    Endpoint,
    EndpointGone,
    EndpointMoved,
    Rendered,
    RetryLater,
)
from bot.send_lanes import Lane


def keyboard(actions: tuple[Action, ...]) -> InlineKeyboardMarkup | None:
    """The actions as one row of inline buttons (None without actions)."""
    if not actions:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(a.label, callback_data=a.callback_data) for a in actions]]
    )


class TelegramChannel:
    kind = ChannelKind.TELEGRAM

    def __init__(self, bot: ExtBot[Any]) -> None:
        self._bot = bot

    async def send_text(self, endpoint: Endpoint, message: Rendered) -> Delivered:
        if message.personal and endpoint.is_group:
            raise ValueError("personal data must not be sent to a group chat")
        sent = await _translated(
            lambda: self._bot.send_message(
                chat_id=endpoint.address,
                text=message.html,
                parse_mode=ParseMode.HTML,
                reply_markup=keyboard(message.actions),
                rate_limit_args=Lane.BULK,
            )
        )
        return Delivered(sent.message_id)

    async def send_file(
        self, endpoint: Endpoint, filename: str, content: bytes, caption: Rendered | None
    ) -> Delivered:
        if caption is not None and caption.personal and endpoint.is_group:
            raise ValueError("personal data must not be sent to a group chat")
        sent = await _translated(
            lambda: self._bot.send_document(
                chat_id=endpoint.address,
                document=content,
                filename=filename,
                caption=caption.html if caption is not None else None,
                parse_mode=ParseMode.HTML if caption is not None else None,
                reply_markup=keyboard(caption.actions) if caption is not None else None,
                rate_limit_args=Lane.BULK,
            )
        )
        return Delivered(sent.message_id)


async def _translated(send: Callable[[], Awaitable[Message]]) -> Message:
    """Run one Bot API call; its errors come out as the contract's DeliveryErrors."""
    try:
        return await send()
    except RetryAfter as error:
        raise RetryLater(_retry_after_seconds(error), str(error), whole_channel=True) from error
    except Forbidden as error:
        raise EndpointGone(str(error)) from error
    except ChatMigrated as error:
        raise EndpointMoved(error.new_chat_id, str(error)) from error
    except TelegramError as error:  # NetworkError, TimedOut, BadRequest, 5xx
        raise DeliveryFailed(f"{type(error).__name__}: {error}") from error


def _retry_after_seconds(error: RetryAfter) -> float:
    """`retry_after` is int or timedelta depending on PTB_TIMEDELTA; accept both, no warning."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)
