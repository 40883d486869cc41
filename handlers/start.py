"""/start with an invite code binds the user to a company; /help lists what they can do (and
sets their command menu to the same)."""

from __future__ import annotations

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import Application, CommandHandler

from bot.callbacks import parse_reminder_payload
from bot.context import HRContext
from bot.render import render, role_label
from bot.services import access
from bot.services.access import member_of
from bot.services.errors import DomainError
from bot.services.onboarding import redeem_invite
from handlers.common import reply
from handlers.menu import refresh_menu, set_menu
from handlers.refusals import refusal
from handlers.reminders import show_reminder
from models.company import Role


async def cmd_start(update: Update, context: HRContext) -> None:
    """Deep link /start <code>: redeem the invite; plain /start: explain or greet."""
    user, chat = update.effective_user, update.effective_chat
    assert user is not None and chat is not None
    services = context.services
    if context.args and (reminder_id := parse_reminder_payload(context.args[0])) is not None:
        await show_reminder(update, context, reminder_id)  # a robot message's 查看 link
        return
    if context.args:
        if chat.type != ChatType.PRIVATE:
            await reply(update, "请在与机器人的私聊中使用邀请链接，以免邀请码泄露。")
            return
        try:
            joined = redeem_invite(
                services.engine,
                context.args[0],
                user_id=user.id,
                chat_id=chat.id,
                display_name=user.full_name,
                now=services.clock.now(),
            )
        except DomainError as refused:
            await reply(update, refusal(refused))
            return
        await refresh_menu(context.application, user.id, chat.id)  # before the reply: in place
        await reply(
            update,
            render(
                "start_joined",
                company_name=joined.company_name,
                role_label=role_label(joined.role, joined.admin),
                invite=joined,
            ),
        )
        return
    member = member_of(services.engine, user.id)
    if member is None:
        await reply(update, render("start_unknown"))
        return
    await cmd_help(update, context)


async def cmd_help(update: Update, context: HRContext) -> None:
    """Only the sender's own commands (access.commands_for), in /help and in their menu."""
    user = update.effective_user
    assert user is not None
    member = member_of(context.services.engine, user.id)
    chat = update.effective_chat
    if chat is not None and chat.type == ChatType.PRIVATE:
        await set_menu(context.bot, chat.id, member)
    if member is None:
        await reply(update, render("start_unknown"))
        return
    await reply(
        update,
        render(
            "help",
            company_name=member.company_name,
            role_label=role_label(member.role, member.admin),
            commands=set(access.commands_for(member)),
            is_admin=access.is_hr_admin(member),
            is_employee=member.role == Role.EMPLOYEE,
        ),
    )


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(CommandHandler("start", cmd_start))
    app.add_handler(CommandHandler("help", cmd_help))
