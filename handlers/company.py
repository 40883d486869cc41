"""/company: the companies an HR serves, and switching the one commands act on."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, ConversationHandler

from bot.callbacks import CompanyUse, matching
from bot.context import HRContext
from bot.render import render
from bot.services import access
from bot.services.access import Member
from bot.services.errors import AccessDenied, NotInCompany
from handlers.common import (
    acting_in,
    answer_stale,
    forget_memberships,
    pressed,
    reply,
    show_choice,
)
from handlers.dialog import Dialog, abandon
from handlers.drafts import PendingImport
from handlers.menu import refresh_menu
from handlers.refusals import refusal


def _buttons(members: list[Member]) -> list[list[tuple[str, str]]]:
    current = members[0].company_id
    return [
        [
            (
                f"✅ {m.company_name}（当前）" if m.company_id == current else m.company_name,
                CompanyUse(m.company_id).data,
            )
        ]
        for m in members
    ]


def _matching(members: list[Member], wanted: str) -> list[Member]:
    """Companies named exactly `wanted`, else those whose name contains it."""
    exact = [m for m in members if m.company_name == wanted]
    return exact or [m for m in members if wanted in m.company_name]


async def cmd_company(update: Update, context: HRContext) -> object:
    """`/company` lists the user's companies with buttons; `/company 名称` switches at once.

    An entry point of the one dialog handler (handlers/dialog.py): a switch ends the dialog
    left open (END); anything else leaves it where it was (None)."""
    user = update.effective_user
    assert user is not None
    members = access.memberships_of(context.services.engine, user.id)
    if not members:
        await reply(update, refusal(AccessDenied()))
        return None
    wanted = " ".join(context.args or []).strip()
    if not wanted:
        await reply(update, render("company_list", members=members), _buttons(members))
        return None
    found = _matching(members, wanted)
    if len(found) != 1:
        await reply(
            update,
            render("company_unknown", wanted=wanted[:50], members=members, many=found),
            _buttons(members),
        )
        return None
    return await _switch(update, context, found[0].company_id)


async def on_company_button(update: Update, context: HRContext) -> object:
    return await _switch(update, context, pressed(update, CompanyUse).company_id)


async def _switch(update: Update, context: HRContext, company_id: int) -> object:
    user = update.effective_user
    assert user is not None
    services = context.services
    try:
        member = access.switch_company(
            services.engine, user.id, company_id, now=services.clock.now()
        )
    except NotInCompany as refused:
        if update.callback_query is not None:
            await answer_stale(update)
        else:
            await reply(update, refusal(refused))
        return None
    # What was half done belongs to the company left behind: drop it, saying so.
    forget_memberships()
    acting_in(update, context, member.company_id)
    await abandon(update, context)
    # A pending import is dropped too: 确认导入 pressed afterwards must not import one
    # company's file into another.
    if PendingImport.drop(context):
        await reply(update, "ℹ️ 已放弃未确认的导入，未保存任何信息。")
    await refresh_menu(context.application, member.user_id)  # another company, maybe another role
    text = render("company_switched", member=member)
    if update.callback_query is not None:
        await show_choice(update, text)
    else:
        await reply(update, text)
    return ConversationHandler.END


def build_dialog() -> Dialog:
    """No steps of its own: /company and its buttons are entry points of the dialog handler
    only so that a switch of company ends the dialog left open (it belongs to the company
    left behind)."""
    return Dialog(
        "company",
        entry_points=[
            CommandHandler("company", cmd_company),
            CallbackQueryHandler(on_company_button, pattern=matching(CompanyUse)),
        ],
    )
