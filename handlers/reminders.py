"""Reminder buttons (已办理 / 明天再提醒 / 查看), /settings and /bindgroup.

The scheduler and its tick are built in bot/bootstrap.py, the composition root."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.callbacks import ReminderPress, matching
from bot.context import HRContext
from bot.parsing import InputError
from bot.render import format_day, macro, render
from bot.services import access, reminders
from bot.services.errors import DomainError
from handlers.common import current_member, pressed, reply, show_choice
from handlers.refusals import refusal, refusal_alert
from models.company import Role
from policies.reminder_plan import (
    NORMAL_DAY_RANGE,
    URGENT_DAY_RANGE,
    InvalidReminderSettings,
)

log = logging.getLogger(__name__)


def view_text(details: reminders.ReminderDetails, *, private: bool) -> str:
    """查看 as HR read it; the masked 身份证 only in a private chat."""
    return render(
        "reminder_view",
        row=details.row,
        task=details.task,
        employee=details.employee,
        department=details.department,
        today=details.today,
        private=private,
    )


async def on_reminder_button(update: Update, context: HRContext) -> None:
    """reminders:<done|snooze|view>:<id>, pressed in a private chat or the HR group.

    The button acts in the reminder's company (if the presser is HR there), whichever
    company is their current one."""
    button = pressed(update, ReminderPress)
    action, reminder_id = button.action, button.reminder_id
    services = context.services
    user = update.effective_user
    assert user is not None
    company_id = access.company_for_row(services.engine, user.id, "reminder", reminder_id)
    member = await current_member(
        update, context, Role.HR, private_only=False, company_id=company_id
    )
    if member is None:
        return
    query = update.callback_query
    assert query is not None
    chat = update.effective_chat
    private = chat is not None and chat.type == ChatType.PRIVATE
    now = services.clock.now()
    # Every path answers the callback exactly once: a second answer fails ("query is too
    # old") and would put the generic error on top of a refusal or a saved change.
    try:
        if action == "done":
            done = reminders.mark_done(services.engine, member, reminder_id, now=now)
            label = macro("labels", "reminder_done", done)
            await show_choice(update, f"✅ 已办理：{label}。后续提醒已停止。")
        elif action == "snooze":
            snoozed = reminders.snooze(
                services.engine,
                member,
                reminder_id,
                now=now,
                defaults=services.settings.reminders,
            )
            at = snoozed.at
            text = f"⏰ 好的，将于 {format_day(at.date())} {at:%H:%M} 再次提醒。"
            if snoozed.missed_deadline is not None:
                text += (
                    f"\n⚠️ 注意：截止日是 <b>{format_day(snoozed.missed_deadline)}</b>，"
                    "下次提醒时已过截止日。截止前已没有其他工作日，请尽量今天办理，"
                    "办完后按 ✅ 已办理。"
                )
            await show_choice(update, text)
        else:
            # answered after the lookup: a refusal below answers it instead, never both
            details = reminders.view(services.engine, member, reminder_id, now=now)
            text = view_text(details, private=private)
            await query.answer()
            await reply(update, text)
    except (InputError, DomainError) as refused:
        if private:
            await query.answer()
            await reply(update, refusal(refused))
        else:
            # In a group the refusal is for the presser only, not for everyone in the group.
            await query.answer(refusal_alert(refused), show_alert=True)


async def show_reminder(update: Update, context: HRContext, reminder_id: int) -> None:
    """/start r<id> — the 查看 link a group robot's message carries: the reminder's view for
    an HR of its company, in a private chat (the view may show the masked 身份证)."""
    services = context.services
    user = update.effective_user
    assert user is not None
    company_id = await context.db(
        access.company_for_row, services.engine, user.id, "reminder", reminder_id)
    member = await current_member(update, context, Role.HR, company_id=company_id)
    if member is None:
        return
    try:
        details = await context.db(reminders.view, services.engine, member, reminder_id,
                                   now=services.clock.now())
    except (InputError, DomainError) as refused:
        await reply(update, refusal(refused))
        return
    await reply(update, view_text(details, private=True))


async def cmd_settings(update: Update, context: HRContext) -> None:
    """/settings shows the thresholds; /settings <普通> [<紧急>] changes them."""
    member = await current_member(update, context, Role.HR)
    if member is None:
        return
    services = context.services
    defaults = services.settings.reminders
    current = reminders.current_settings(services.engine, member, defaults)
    args = context.args or []
    if not args:
        await reply(
            update,
            render("settings_show", s=current, normal=NORMAL_DAY_RANGE, urgent=URGENT_DAY_RANGE),
        )
        return
    try:
        if len(args) > 2:  # a third word would be silently ignored; refuse instead
            raise ValueError(args[2])
        numbers = [int(a) for a in args]
    except ValueError:
        await reply(
            update,
            render(
                "settings_refused", s=current, normal=NORMAL_DAY_RANGE, urgent=URGENT_DAY_RANGE
            ),
        )
        return
    normal_day = numbers[0]
    urgent_day = numbers[1] if len(numbers) > 1 else current.urgent_day
    try:
        updated, count = reminders.change_thresholds(
            services.engine,
            member,
            normal_day=normal_day,
            urgent_day=urgent_day,
            now=services.clock.now(),
            defaults=defaults,
        )
    except InvalidReminderSettings:
        await reply(
            update,
            render(
                "settings_refused", s=current, normal=NORMAL_DAY_RANGE, urgent=URGENT_DAY_RANGE
            ),
        )
        return
    await reply(update, render("settings_changed", s=updated, count=count))


async def cmd_bindgroup(update: Update, context: HRContext) -> None:
    """/bindgroup inside a group: escalated reminders also go to this HR group."""
    chat = update.effective_chat
    assert chat is not None
    member = await current_member(update, context, Role.HR, private_only=False)
    if member is None:
        return
    if chat.type == ChatType.PRIVATE:
        await reply(update, "请把机器人拉进公司的HR群，然后在群里发送 /bindgroup 完成绑定。")
        return
    try:
        reminders.bind_group(
            context.services.engine,
            member,
            chat.id,
            chat.title or "",
            now=context.services.clock.now(),
        )
    except DomainError as refused:
        await reply(update, refusal(refused))
        return
    await reply(
        update,
        f"✅ 已将本群绑定为 <b>{member.company_name}</b> 的HR群。紧急与逾期提醒会同时发到这里"
        "（群消息不含身份证号与工资）。",
    )


async def on_group_migrated(update: Update, context: HRContext) -> None:
    """A group upgraded to a supergroup gets a new chat id: keep the HR group bound. Telegram
    sends migrate_to_chat_id in the old group and migrate_from_chat_id in the new one."""
    message = update.effective_message
    if message is None:
        return
    if message.migrate_to_chat_id:
        old, new = message.chat_id, message.migrate_to_chat_id
    elif message.migrate_from_chat_id:
        old, new = message.migrate_from_chat_id, message.chat_id
    else:
        return
    moved = reminders.group_migrated(
        context.services.engine, old, new, now=context.services.clock.now()
    )
    if moved:
        log.info("HR group %s became supergroup %s: rebound", old, new)


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(CallbackQueryHandler(on_reminder_button, pattern=matching(ReminderPress)))
    app.add_handler(CommandHandler("settings", cmd_settings))
    app.add_handler(CommandHandler("bindgroup", cmd_bindgroup))
    app.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, on_group_migrated))
