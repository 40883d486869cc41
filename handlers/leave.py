"""/leave: the 离职 (减员) conversation — employee, last working day, reason, confirm."""

from __future__ import annotations

from enum import StrEnum
from html import escape

from telegram import Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.callbacks import (
    LeaveCancel,
    LeaveConfirm,
    LeaveEmployee,
    LeavePage,
    LeaveReason,
    matching,
)
from bot.context import HRContext
from bot.parsing import InputError, parse_day
from bot.render import render
from bot.services import leaving
from bot.services.errors import DomainError
from bot.services.leaving import StaffChoice
from handlers import dialog
from handlers.common import (
    TEXT_ANSWER,
    answer_stale,
    current_hr,
    member_today,
    message_text,
    pressed,
    refuse_stale_confirm,
    reply,
    show_choice,
    unexpected_answer,
)
from handlers.dialog import Dialog, checkpoint, expired, finish
from handlers.drafts import LeaveDraft
from handlers.ledger import policy_library
from handlers.pickers import ActiveEmployeePicker
from handlers.refusals import refusal
from models.ledger_history import LEAVE_REASONS


class LeaveState(StrEnum):
    # In this order: the old conversation stored a step as its index here (legacy_states).
    EMPLOYEE = "leave.employee"
    LAST_DAY = "leave.last_day"
    REASON = "leave.reason"
    CONFIRM = "leave.confirm"


CONVERSATION = "leave"

PICKER = ActiveEmployeePicker(
    name=CONVERSATION,
    state=LeaveState.EMPLOYEE,
    draft=LeaveDraft,
    question="leave_ask_employee",
    nobody="当前没有在职员工，无需办理离职。",
    employee_button=LeaveEmployee,
    page_button=LeavePage,
)
cmd_leave = PICKER.start


async def on_employee(update: Update, context: HRContext) -> object:
    picked = await PICKER.chosen(update, context)
    if picked is None:
        return ConversationHandler.END
    _, chosen = picked
    await show_choice(update, f"离职员工：<b>{chosen.name}</b>（{chosen.masked_id}）")
    return await _ask_last_day(update, context, chosen)


async def on_employee_text(update: Update, context: HRContext) -> object:
    """A typed name or 身份证 picks the employee as a button would."""
    picked = await PICKER.typed(update, context)
    if picked is None:
        return LeaveState.EMPLOYEE
    _, chosen = picked
    await reply(update, f"离职员工：<b>{chosen.name}</b>（{chosen.masked_id}）")
    return await _ask_last_day(update, context, chosen)


async def _ask_last_day(update: Update, context: HRContext, chosen: StaffChoice) -> object:
    draft = dialog.load(context, LeaveDraft)
    if draft is None:
        return await expired(update, context, CONVERSATION)
    draft.employee_id, draft.name = chosen.employee_id, chosen.name
    dialog.save(context, draft)
    await checkpoint(update, context, LeaveState.LAST_DAY)
    await reply(update, render("leave_ask_last_day", name=chosen.name))
    return LeaveState.LAST_DAY


async def on_last_day(update: Update, context: HRContext) -> object:
    member = await current_hr(update, context)
    if member is None:
        return ConversationHandler.END
    draft = dialog.load(context, LeaveDraft)
    if draft is None or draft.employee_id is None:
        return await expired(update, context, CONVERSATION)
    today = member_today(context, member)
    try:
        last_day = parse_day(message_text(update), today=today)
        leaving.check_last_day(
            context.services.engine, member, draft.employee_id, last_day, today=today
        )
    except (InputError, DomainError) as error:
        message = refusal(error)
        await reply(update, message if message.startswith("❌") else "❌ " + message)
        return LeaveState.LAST_DAY
    draft.last_day = last_day
    dialog.save(context, draft)
    buttons = [
        [(r, LeaveReason(i).data) for i, r in enumerate(LEAVE_REASONS[:3])],
        [(r, LeaveReason(i + 3).data) for i, r in enumerate(LEAVE_REASONS[3:])],
    ]
    await checkpoint(update, context, LeaveState.REASON)
    await reply(update, "请选择离职原因：", buttons)
    return LeaveState.REASON


async def on_reason(update: Update, context: HRContext) -> object:
    member = await current_hr(update, context)
    if member is None:
        return ConversationHandler.END
    index = pressed(update, LeaveReason).index
    if index >= len(LEAVE_REASONS):
        await answer_stale(update)
        return LeaveState.REASON
    draft = dialog.load(context, LeaveDraft)
    if draft is None or draft.last_day is None:
        return await expired(update, context, CONVERSATION)
    draft.reason = LEAVE_REASONS[index]
    dialog.save(context, draft)
    await checkpoint(update, context, LeaveState.CONFIRM)
    await show_choice(update, f"离职原因：{draft.reason}")
    await reply(
        update,
        render("leave_confirm", name=draft.name, last_day=draft.last_day, reason=draft.reason),
        [
            [
                ("✅ 确认", LeaveConfirm(draft.token()).data),
                ("✖️ 取消", LeaveCancel().data),
            ]
        ],
    )
    return LeaveState.CONFIRM


async def on_confirm(update: Update, context: HRContext) -> object:
    member = await current_hr(update, context)
    if member is None:
        return ConversationHandler.END
    draft = dialog.load(context, LeaveDraft)
    if draft is None:
        return await expired(update, context, CONVERSATION)
    if pressed(update, LeaveConfirm).draft != draft.token():
        await refuse_stale_confirm(update, f"{escape(draft.name or '')} 离职")
        return LeaveState.CONFIRM
    if draft.employee_id is None or draft.last_day is None or draft.reason is None:
        return await expired(update, context, CONVERSATION)
    dialog.forget(context)
    today = member_today(context, member)
    try:
        result = leaving.record_leave(
            context.services.engine,
            member,
            draft.employee_id,
            draft.last_day,
            draft.reason,
            today=today,
            library=policy_library(context.services),
        )
    except DomainError as error:
        await checkpoint(update, context, None)
        await show_choice(update, refusal(error))
        return ConversationHandler.END
    await checkpoint(update, context, None)
    await show_choice(update, f"已确认：{result.name} 离职。")
    await reply(update, render("leave_done", r=result, days_left=(result.task_due - today).days))
    return ConversationHandler.END


async def on_cancel(update: Update, context: HRContext) -> int:
    return await finish(update, context, "已取消离职登记，未做任何更改。")


on_unexpected = unexpected_answer(
    button="请按当前步骤操作，或发送 /cancel 取消。",
    text="请按提示操作：点击按钮选择员工，或以文字输入最后工作日；发送 /cancel 取消离职登记。",
)


def build_dialog() -> Dialog:
    return Dialog(
        CONVERSATION,
        entry_points=[CommandHandler("leave", cmd_leave)],
        states={
            LeaveState.EMPLOYEE: [
                PICKER.employee_handler(on_employee),
                PICKER.page_handler(),
                MessageHandler(TEXT_ANSWER, on_employee_text),
            ],
            LeaveState.LAST_DAY: [MessageHandler(TEXT_ANSWER, on_last_day)],
            LeaveState.REASON: [CallbackQueryHandler(on_reason, pattern=matching(LeaveReason))],
            LeaveState.CONFIRM: [
                CallbackQueryHandler(on_confirm, pattern=matching(LeaveConfirm))
            ],
        },
        fallbacks=[
            CommandHandler("cancel", on_cancel),
            CallbackQueryHandler(on_cancel, pattern=matching(LeaveCancel)),
            CommandHandler("leave", cmd_leave),
            CallbackQueryHandler(on_unexpected, pattern=r"^leave:"),
            MessageHandler(~filters.COMMAND, on_unexpected),
        ],
        stale="该离职登记已结束，请发送 /leave 重新开始。",
        legacy_states=list(LeaveState),
    )
