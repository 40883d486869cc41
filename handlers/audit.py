"""`/audit [姓名|日期]`: the audit log of writes and views of personal data, for HR admins."""

from __future__ import annotations

from datetime import date

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot.callbacks import AuditPage, digest, matching
from bot.context import HRContext
from bot.parsing import InputError, parse_day
from bot.render import render
from bot.services import audit
from bot.services.access import Member, is_hr_admin
from bot.services.errors import DomainError, NotHrAdmin
from handlers.common import (
    answer_stale,
    current_member,
    member_for_button,
    member_today,
    pager_buttons,
    pressed,
    reply,
)
from handlers.refusals import refusal
from models.company import Role

#: user_data key of the name the latest /audit searched for (its pages carry its digest).
NAME_KEY = "audit_name"


def _query(text: str, today: date) -> audit.AuditQuery:
    """A day if the text reads as one (2026-12-01, 12月1日, 今天), else a part of a name."""
    if not text:
        return audit.AuditQuery()
    try:
        return audit.AuditQuery(day=parse_day(text, today=today))
    except InputError:
        return audit.AuditQuery(name=text)


def _key(query: audit.AuditQuery) -> str:
    if query.day is not None:
        return f"d{query.day:%Y%m%d}"
    if query.name is not None:
        return "n" + digest(query.name)
    return "all"


async def _send(update: Update, context: HRContext, member: Member, query: audit.AuditQuery,
                page: int) -> None:
    try:
        found = await context.db(audit.audit_page, context.services.engine, member, query, page)
    except DomainError as error:
        await reply(update, refusal(error))
        return
    key = _key(query)
    pager = pager_buttons(lambda n: AuditPage(member.company_id, n, key), found.page,
                          found.pages)
    await reply(update, render("audit", found=found), [pager])


async def _refuse_unless_admin(update: Update, member: Member) -> bool:
    """True (and the refusal sent) unless `member` is an HR admin (docs/roles.md)."""
    if is_hr_admin(member):
        return False
    if update.callback_query is not None:
        await update.callback_query.answer()
    await reply(update, refusal(NotHrAdmin()))
    return True


async def cmd_audit(update: Update, context: HRContext) -> None:
    member = await current_member(update, context, Role.HR)
    if member is None or await _refuse_unless_admin(update, member):
        return
    text = " ".join(context.args or []).strip()
    query = _query(text, member_today(context, member))
    if query.name is not None and context.user_data is not None:
        context.user_data[NAME_KEY] = query.name
    await _send(update, context, member, query, 1)


async def on_audit_page(update: Update, context: HRContext) -> None:
    button = pressed(update, AuditPage)
    member = await member_for_button(update, context, button.company_id, Role.HR)
    if member is None or await _refuse_unless_admin(update, member):
        return
    query: audit.AuditQuery | None = None
    if button.key == "all":
        query = audit.AuditQuery()
    elif button.key.startswith("d"):
        try:
            query = audit.AuditQuery(day=date(int(button.key[1:5]), int(button.key[5:7]),
                                              int(button.key[7:9])))
        except ValueError:
            query = None
    elif button.key.startswith("n") and context.user_data is not None:
        name = context.user_data.get(NAME_KEY)
        if isinstance(name, str) and "n" + digest(name) == button.key:
            query = audit.AuditQuery(name=name)
    if query is None:
        await answer_stale(update)
        return
    assert update.callback_query is not None
    await update.callback_query.answer()
    await _send(update, context, member, query, button.page)


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(CommandHandler("audit", cmd_audit))
    app.add_handler(CallbackQueryHandler(on_audit_page, pattern=matching(AuditPage)))
