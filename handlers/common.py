"""Helpers every handler shares: who is asking, replying, keyboards, pagination."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date
from typing import TypeVar

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatType, ParseMode

from bot.clock import today_in
from bot.context import HRContext
from bot.services.access import AccessDenied, Member, require_member
from models.company import Role

T = TypeVar("T")
PAGE_SIZE = 10

PRIVATE_ONLY = "为保护员工个人信息，此功能请在与机器人的私聊中使用。"


def keyboard(rows: Sequence[Sequence[tuple[str, str]]]) -> InlineKeyboardMarkup | None:
    """Inline keyboard from (text, callback_data) rows; None when there is nothing to press."""
    rows = [row for row in rows if row]
    if not rows:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(text, callback_data=data) for text, data in row] for row in rows]
    )


async def reply(
    update: Update,
    text: str,
    buttons: Sequence[Sequence[tuple[str, str]]] = (),
) -> Message:
    """Answer in the chat the update came from, as HTML."""
    chat = update.effective_chat
    assert chat is not None
    return await chat.send_message(text, parse_mode=ParseMode.HTML, reply_markup=keyboard(buttons))


async def show_choice(update: Update, text: str) -> None:
    """Edit the pressed button's message so the chat history records what was chosen."""
    query = update.callback_query
    if query is None:
        return
    await query.answer()
    if query.message is not None and isinstance(query.message, Message):
        await query.edit_message_text(text, parse_mode=ParseMode.HTML)


async def current_member(
    update: Update, context: HRContext, *roles: Role, private_only: bool = True
) -> Member | None:
    """Resolve the sender's membership or tell them why not; None means stop here."""
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None:
        return None
    try:
        member = require_member(context.services.engine, user.id, *roles)
    except AccessDenied as denied:
        if update.callback_query:
            await update.callback_query.answer()
        await reply(update, denied.message)
        return None
    if private_only and chat.type != ChatType.PRIVATE:
        if update.callback_query:
            await update.callback_query.answer()
        await reply(update, PRIVATE_ONLY)
        return None
    return member


async def checkpoint(
    update: Update, context: HRContext, conversation: str, state: int | None
) -> None:
    """Persist a conversation's next state and the user's data before the reply goes out.

    PTB records the new state only after the callback returns; writing it first means a crash
    right after the user saw the next question still resumes at that question.
    """
    persistence = context.application.persistence
    user, chat = update.effective_user, update.effective_chat
    if persistence is None or user is None or chat is None:
        return
    await persistence.update_conversation(conversation, (chat.id, user.id), state)
    if context.user_data is not None:
        await persistence.update_user_data(user.id, dict(context.user_data))


def member_today(context: HRContext, member: Member) -> date:
    return today_in(context.services.clock, member.timezone)


def paginate(items: Sequence[T], page: int) -> tuple[list[T], int, int, int]:
    """(items on the page, page clamped to range, page count, offset of the first item)."""
    pages = max(1, math.ceil(len(items) / PAGE_SIZE))
    page = min(max(page, 1), pages)
    offset = (page - 1) * PAGE_SIZE
    return list(items[offset : offset + PAGE_SIZE]), page, pages, offset


def pager_buttons(prefix: str, page: int, pages: int) -> list[tuple[str, str]]:
    """◀ ▶ buttons as UX.md asks for lists longer than a page."""
    if pages <= 1:
        return []
    row = []
    if page > 1:
        row.append(("◀ 上一页", f"{prefix}:page:{page - 1}"))
    if page < pages:
        row.append(("下一页 ▶", f"{prefix}:page:{page + 1}"))
    return row


def callback_parts(update: Update) -> list[str]:
    query = update.callback_query
    assert query is not None and query.data is not None
    return query.data.split(":")
