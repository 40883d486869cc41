"""Helpers every handler shares: who is asking, replying, keyboards, pagination."""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable, Sequence
from contextvars import ContextVar
from datetime import date
from html import escape
from typing import Any, TypeVar

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatType, ParseMode
from telegram.error import BadRequest
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    BaseHandler,
    CallbackQueryHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.callbacks import STALE_ANSWER, Button, StaleButton, is_valid, parse
from bot.context import HRContext
from bot.services.access import AccessDenied, Member, choose_member, memberships_of
from handlers.refusals import refusal, refusal_alert
from models.company import Role
from policies.timezones import today_in

T = TypeVar("T")
B = TypeVar("B", bound=Button)
PAGE_SIZE = 10

PRIVATE_ONLY = "为保护员工个人信息，此功能请在与机器人的私聊中使用。"

#: A typed answer to a conversation's question (commands are never answers).
TEXT_ANSWER = filters.TEXT & ~filters.COMMAND

Handlers = list[BaseHandler[Update, Any, Any]]


def keyboard(rows: Sequence[Sequence[tuple[str, str]]]) -> InlineKeyboardMarkup | None:
    """Inline keyboard from (text, callback_data) rows; None when there is nothing to press."""
    rows = [row for row in rows if row]
    if not rows:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(text, callback_data=data) for text, data in row] for row in rows]
    )


#: The company this update acts in, named at the top of every message the bot sends back,
#: or None when the sender belongs to one company only (or to none). Set for each update by
#: `name_the_company` and moved by `current_member` to the company a button came from. A
#: ContextVar, not user_data: it must never be persisted nor outlive the update.
_company_label: ContextVar[str | None] = ContextVar("company_label", default=None)
#: The sender's memberships, read once per update by `name_the_company` (None: not read).
_memberships: ContextVar[list[Member] | None] = ContextVar("memberships", default=None)


def company_line(text: str) -> str:
    """`text` under a 【公司】 line when the user serves several companies (the one place
    replies and edits get it)."""
    label = _company_label.get()
    if not label or text.startswith(f"【{label}】"):
        return text
    return f"【{label}】\n{text}"


def _label_for(members: Sequence[Member], company_id: int | None = None) -> str | None:
    if len(members) < 2:
        return None
    chosen = next((m for m in members if m.company_id == company_id), members[0])
    return escape(chosen.company_name)


async def name_the_company(update: Update, context: HRContext) -> None:
    """Before any handler (group -2): read the sender's memberships once for this update and
    decide which company its replies name."""
    user, chat = update.effective_user, update.effective_chat
    engine = context.services.engine
    members = await context.db(memberships_of, engine, user.id) if user is not None else []
    _memberships.set(members)
    if chat is None or chat.type != ChatType.PRIVATE:
        _company_label.set(None)  # a group belongs to one company; only private chats vary
        return
    _company_label.set(_label_for(members))


def forget_memberships() -> None:
    """The sender's memberships changed in this update (/company): read them again."""
    _memberships.set(None)


def _members_of(context: HRContext, user_id: int) -> list[Member]:
    """This update's memberships of the sender (read by `name_the_company`), else read now."""
    members = _memberships.get()
    if members is None or (members and members[0].user_id != user_id):
        members = memberships_of(context.services.engine, user_id)
    return members


async def member_for_button(
    update: Update, context: HRContext, company_id: int, *roles: Role
) -> Member | None:
    """The presser in the company a button was made for; a company they do not belong to
    (a forged id, or they left it) gets the quiet stale answer and None."""
    user = update.effective_user
    if user is None:
        return None
    if all(m.company_id != company_id for m in _members_of(context, user.id)):
        await answer_stale(update)
        return None
    return await current_member(update, context, *roles, company_id=company_id)


def acting_in(update: Update, context: HRContext, company_id: int) -> None:
    """From here on this update's messages name `company_id` (a button's company, or the one
    just switched to) instead of the user's current company."""
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None or chat.type != ChatType.PRIVATE:
        return
    _company_label.set(_label_for(_members_of(context, user.id), company_id))


async def reply(
    update: Update,
    text: str,
    buttons: Sequence[Sequence[tuple[str, str]]] = (),
) -> Message:
    """Answer in the chat the update came from, as HTML, naming the company if need be."""
    chat = update.effective_chat
    assert chat is not None
    return await chat.send_message(
        company_line(text), parse_mode=ParseMode.HTML, reply_markup=keyboard(buttons)
    )


async def edit_pressed(
    update: Update, text: str, buttons: Sequence[Sequence[tuple[str, str]]] | None = None
) -> None:
    """Edit the pressed button's message (text and, if given, keyboard), naming the company."""
    query = update.callback_query
    assert query is not None
    await edit_message(
        query.edit_message_text(
            company_line(text),
            parse_mode=ParseMode.HTML,
            reply_markup=keyboard(buttons) if buttons is not None else None,
        )
    )


def is_not_modified(error: BadRequest) -> bool:
    """Telegram's answer to an edit that would leave the message exactly as it is."""
    return "message is not modified" in error.message.lower()


async def edit_message(edit: Awaitable[T]) -> T | None:
    """Run an edit of a message; "message is not modified" counts as success.

    A button tapped twice (or a page button showing the page already shown) edits the message
    to what it already says, and Telegram refuses that edit. The message then shows exactly
    what we wanted, and whatever the tap changed is saved, so the user must not see an error.
    Every edit of a message goes through here.
    """
    try:
        return await edit
    except BadRequest as error:
        if is_not_modified(error):
            return None
        raise


async def show_choice(update: Update, text: str) -> None:
    """Edit the pressed button's message so the chat history records what was chosen."""
    query = update.callback_query
    if query is None:
        return
    await query.answer()
    if query.message is not None and isinstance(query.message, Message):
        await edit_message(query.edit_message_text(company_line(text), parse_mode=ParseMode.HTML))


async def current_member(
    update: Update,
    context: HRContext,
    *roles: Role,
    private_only: bool = True,
    company_id: int | None = None,
) -> Member | None:
    """Resolve the sender's membership (in `company_id` — the company a button came from —
    else their current company) or tell them why not; None means stop here."""
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None:
        return None
    try:
        members = _members_of(context, user.id)
        member = choose_member(members, *roles, company_id=company_id)
        if company_id is not None:
            acting_in(update, context, company_id)
    except AccessDenied as denied:
        if update.callback_query:
            if chat.type != ChatType.PRIVATE:
                # a button in a group: tell only the presser, not the whole group
                await update.callback_query.answer(refusal_alert(denied), show_alert=True)
                return None
            await update.callback_query.answer()
        await reply(update, refusal(denied))
        return None
    if private_only and chat.type != ChatType.PRIVATE:
        if update.callback_query:
            await update.callback_query.answer()
        await reply(update, PRIVATE_ONLY)
        return None
    return member


async def current_hr(update: Update, context: HRContext) -> Member | None:
    """The sender as HR of their company, in a private chat; None means stop here."""
    return await current_member(update, context, Role.HR)


def message_text(update: Update) -> str:
    """The text of a message that a TEXT filter let through."""
    assert update.message is not None and update.message.text is not None
    return update.message.text


def member_today(context: HRContext, member: Member) -> date:
    """Today in the member's company's own time zone (policies.timezones.today_in)."""
    return today_in(member.timezone, context.services.clock.now())


def paginate(items: Sequence[T], page: int) -> tuple[list[T], int, int, int]:
    """(items on the page, page clamped to range, page count, offset of the first item)."""
    pages = max(1, math.ceil(len(items) / PAGE_SIZE))
    page = min(max(page, 1), pages)
    offset = (page - 1) * PAGE_SIZE
    return list(items[offset : offset + PAGE_SIZE]), page, pages, offset


def pager_buttons(
    prefix: str | Callable[[int], Button], page: int, pages: int
) -> list[tuple[str, str]]:
    """◀ ▶ buttons as UX.md asks for lists longer than a page; `prefix` is a feature name
    (`<prefix>:page:<n>`) or makes the page's button (bot/callbacks.py)."""
    if pages <= 1:
        return []

    def data(n: int) -> str:
        return prefix(n).data if callable(prefix) else f"{prefix}:page:{n}"

    row = []
    if page > 1:
        row.append(("◀ 上一页", data(page - 1)))
    if page < pages:
        row.append(("下一页 ▶", data(page + 1)))
    return row


def pressed(update: Update, kind: type[B]) -> B:
    """The typed button behind this press (bot/callbacks.py); StaleButton if it is another.

    `refuse_unparseable` has already answered every press that does not parse, and handlers
    are registered with `callbacks.matching(kind)`, so a mismatch here is a wiring bug.
    """
    query = update.callback_query
    assert query is not None
    value = parse(query.data)
    if not isinstance(value, kind):
        raise StaleButton(query.data)
    return value


async def answer_stale(update: Update) -> None:
    """Answer a press whose button no longer fits what it points at; nothing is changed."""
    if update.callback_query is not None:
        await update.callback_query.answer(STALE_ANSWER)


async def on_unparseable_button(update: Update, context: HRContext) -> None:
    """Any press whose callback_data is not a button the bot emits: one quiet answer, no
    change, and no other handler sees it."""
    await answer_stale(update)
    raise ApplicationHandlerStop


#: C0 control characters no one types (tab, newline and carriage return excepted). A NUL in
#: a text PostgreSQL stores is a DataError; none of them belongs in a name, a date or a question.
CONTROL_TEXT = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"
CONTROL_REFUSED = "❌ 消息中含有无法识别的控制字符，请删除后重新发送（未做任何更改）。"


async def on_control_text(update: Update, context: HRContext) -> None:
    """A message carrying control characters: one refusal, and no other handler sees it."""
    await reply(update, CONTROL_REFUSED)
    raise ApplicationHandlerStop


def refuse_control_text(app: Application) -> None:  # type: ignore[type-arg]
    """Register (group -1) the one guard that keeps control characters out of every handler,
    whatever step the conversation is at."""
    app.add_handler(
        MessageHandler(
            filters.Regex(CONTROL_TEXT) | filters.CaptionRegex(CONTROL_TEXT), on_control_text
        ),
        group=-1,
    )


def refuse_unparseable(app: Application) -> None:  # type: ignore[type-arg]
    """Register the one guard (group -1, before every feature) for forged or outdated data,
    and before it (group -2) the choice of the company this update's replies name."""
    app.add_handler(TypeHandler(Update, name_the_company), group=-2)
    app.add_handler(
        CallbackQueryHandler(on_unparseable_button, pattern=lambda data: not is_valid(data)),
        group=-1,
    )


async def refuse_stale_confirm(update: Update, pending: str) -> None:
    """A confirm button of something no longer pending: change nothing, say what is pending
    (`pending` is HTML: escape names in it)."""
    if update.callback_query is not None:
        await update.callback_query.answer()
    await reply(
        update,
        "❌ 这个确认按钮属于之前的预览，已失效，未做任何更改。\n"
        f"当前待确认：{pending}。请在最新的确认消息上操作。",
    )


def unexpected_answer(
    *, button: str, text: str
) -> Callable[[Update, HRContext], Awaitable[int | None]]:
    """A fallback that says what is expected (`button` for presses, `text` for messages)
    and keeps the conversation where it was."""

    async def on_unexpected(update: Update, context: HRContext) -> int | None:
        if update.callback_query is not None:
            await update.callback_query.answer(button)
            return None
        await reply(update, text)
        return None

    return on_unexpected
