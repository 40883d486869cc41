"""/robot: HR connect WeCom, Feishu and DingTalk group robots that reminders also reach.

`/robot add <wecom|feishu|dingtalk> <URL> [SECRET]` in a private chat only: the URL is a
credential, so in a group the message is deleted (if the bot may) and refused, and in a private
chat the message holding it is deleted after saving and never echoed (replies show the hint).
`/robot list`, `/robot test`, `/robot remove <编号>`, `/robot notify` (buttons).
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.constants import ChatType, ParseMode
from telegram.error import TelegramError
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot.callbacks import RobotNotifyToggle, matching
from bot.channels.base import ChannelKind, Rendered
from bot.context import HRContext
from bot.render import render
from bot.services import robots
from bot.services.access import Member
from bot.services.errors import DomainError
from handlers.common import (
    company_line,
    current_member,
    edit_message,
    keyboard,
    member_for_button,
    pressed,
    reply,
)
from handlers.refusals import refusal
from models.company import Role
from policies.reminder_plan import ReminderKind

log = logging.getLogger(__name__)

_KINDS = {"wecom": ChannelKind.WECOM, "feishu": ChannelKind.FEISHU,
          "dingtalk": ChannelKind.DINGTALK}


async def cmd_robot(update: Update, context: HRContext) -> None:
    """/robot <add|list|test|remove|notify> …; anything else shows the usage."""
    args = context.args or []
    action = args[0].lower() if args else ""
    chat = update.effective_chat
    assert chat is not None
    if action == "add" and chat.type != ChatType.PRIVATE:
        await _delete_sent(update)
        await reply(update, render("robot_private_only"))
        return
    member = await current_member(update, context, Role.HR)
    if member is None:
        return
    try:
        if action == "add" and len(args) in (3, 4) and args[1].lower() in _KINDS:
            await _add(update, context, member, _KINDS[args[1].lower()], args[2],
                       args[3] if len(args) == 4 else None)
        elif action == "list" and len(args) == 1:
            views = await context.db(robots.list_robots, context.services.engine, member)
            await reply(update, render("robot_list", robots=views))
        elif action == "test" and len(args) == 1:
            await _test(update, context, member)
        elif action == "remove" and len(args) == 2 and args[1].isdigit():
            removed = await context.db(robots.remove_robot, context.services.engine, member,
                                       int(args[1]), now=context.services.clock.now())
            await reply(update, render("robot_removed", robot=removed))
        elif action == "notify" and len(args) == 1:
            await _show_notify(update, context, member)
        else:
            if action == "add":
                await _delete_sent(update)  # it may hold a URL even when malformed
            await reply(update, render("robot_usage"))
    except DomainError as refused:
        await reply(update, refusal(refused))


async def _delete_sent(update: Update) -> bool:
    """Delete the user's message (it holds the webhook URL); False when the bot may not."""
    message = update.effective_message
    if message is None:
        return False
    try:
        return bool(await message.delete())
    except TelegramError:
        log.info("could not delete a /robot add message in chat %s", message.chat_id)
        return False


async def _add(update: Update, context: HRContext, member: Member, kind: ChannelKind,
               url: str, secret: str | None) -> None:
    services = context.services
    box = services.secret_box
    assert box is not None, "build_application sets the secret box"
    try:
        added = await context.db(
            robots.add_robot, services.engine, box, member, kind, url, secret,
            now=services.clock.now(), allow_local=services.settings.robots.allow_local_webhooks,
        )
    finally:
        deleted = await _delete_sent(update)
    await reply(update, render("robot_added", robot=added, deleted=deleted))


async def _test(update: Update, context: HRContext, member: Member) -> None:
    services = context.services
    text = render("robot_test_message", company_name=member.company_name)
    message = Rendered(title=text.split("\n", 1)[0], html=text)
    outcomes = await robots.send_test_message(
        services.engine, member, services.channels, message, now=services.clock.now())
    await reply(update, render("robot_test_result", outcomes=outcomes))


def _notify_buttons(
    company_id: int, state: robots.RobotNotifications
) -> list[list[tuple[str, str]]]:
    return [
        [(render("robot_notify_button", kind=kind, on=kind in state.selected),
          RobotNotifyToggle(company_id, kind.value).data)]  # type: ignore[arg-type]
        for kind in state.choosable
    ]


async def _show_notify(update: Update, context: HRContext, member: Member) -> None:
    state = await context.db(robots.robot_notifications, context.services.engine, member)
    await reply(update, render("robot_notify", n=state),
                _notify_buttons(member.company_id, state))


async def on_notify_toggle(update: Update, context: HRContext) -> None:
    """robot:notify:<company>:<kind> — add or take out one kind, and show the new choice."""
    button = pressed(update, RobotNotifyToggle)
    member = await member_for_button(update, context, button.company_id, Role.HR)
    if member is None:
        return
    state = await context.db(robots.toggle_robot_notification, context.services.engine, member,
                             ReminderKind(button.kind), now=context.services.clock.now())
    query = update.callback_query
    assert query is not None
    await query.answer()
    await edit_message(query.edit_message_text(
        company_line(render("robot_notify", n=state)), parse_mode=ParseMode.HTML,
        reply_markup=keyboard(_notify_buttons(member.company_id, state))))


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(CommandHandler("robot", cmd_robot))
    app.add_handler(CallbackQueryHandler(on_notify_toggle, pattern=matching(RobotNotifyToggle)))
