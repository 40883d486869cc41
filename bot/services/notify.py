"""Sending a notification to a company's HR, behind one interface.

Telegram is the first channel; WeCom / Feishu / DingTalk robots become further `Channel`
adapters. What to send and to whom is decided by the reminder tick
(bot/services/reminder_delivery.py), which is also the outbox for other notices such as policy
changes. Callers say whether a text carries personal data (身份证, wages): such a text is only
ever delivered to private chats, never to a group.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Protocol

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import Forbidden, RetryAfter, TelegramError
from telegram.warnings import PTBDeprecationWarning

Buttons = list[list[tuple[str, str]]]


@dataclass(frozen=True)
class Notification:
    text: str
    buttons: Buttons = field(default_factory=list)
    #: True when the text names 身份证 or wages: never sent to group chats.
    personal: bool = False


@dataclass(frozen=True)
class Recipient:
    chat_id: int
    is_group: bool = False
    user_id: int | None = None


class DeliveryError(Exception):
    """A channel could not deliver; the subclasses say what the caller should do."""


class RetryLater(DeliveryError):
    """The channel asks us to wait (Telegram flood control, 429)."""

    def __init__(self, seconds: float, detail: str = "") -> None:
        super().__init__(detail or f"retry after {seconds:g}s")
        self.seconds = seconds


class RecipientBlocked(DeliveryError):
    """The chat blocked the bot or removed it (Telegram Forbidden): stop sending there."""


class DeliveryFailed(DeliveryError):
    """Anything else (network, timeout, 5xx, bad request): retry later with backoff."""


class Channel(Protocol):
    async def deliver(self, recipient: Recipient, note: Notification) -> int:
        """Deliver one notification; returns the channel's message id.

        Raises RetryLater, RecipientBlocked or DeliveryFailed, never a channel's own errors.
        """
        ...


def keyboard(buttons: Buttons) -> InlineKeyboardMarkup | None:
    if not buttons:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(text, callback_data=data) for text, data in row] for row in buttons]
    )


class TelegramChannel:
    def __init__(self, bot: Bot) -> None:
        self._bot = bot

    async def deliver(self, recipient: Recipient, note: Notification) -> int:
        if note.personal and recipient.is_group:
            raise ValueError("personal data must not be sent to a group chat")
        try:
            message = await self._bot.send_message(
                chat_id=recipient.chat_id,
                text=note.text,
                parse_mode=ParseMode.HTML,
                reply_markup=keyboard(note.buttons),
            )
        except RetryAfter as error:
            raise RetryLater(_retry_after_seconds(error), str(error)) from error
        except Forbidden as error:
            raise RecipientBlocked(str(error)) from error
        except TelegramError as error:  # NetworkError, TimedOut, BadRequest, 5xx
            raise DeliveryFailed(f"{type(error).__name__}: {error}") from error
        return message.message_id


def _retry_after_seconds(error: RetryAfter) -> float:
    """`retry_after` is int or timedelta depending on PTB_TIMEDELTA; accept both, no warning."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)
