"""/base: one employee's 缴费基数 from a month on; /base_all: the yearly adjustment for all."""

from __future__ import annotations

import asyncio
from datetime import date
from decimal import Decimal
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
    BaseAllConfirm,
    BaseCancel,
    BaseConfirm,
    BaseEmployee,
    BaseMonth,
    BasePage,
    Month,
    matching,
)
from bot.context import HRContext
from bot.importing import ImportFileError, read_new_bases, read_table
from bot.parsing import InputError, parse_amount
from bot.render import render
from bot.services import base_change
from bot.services.access import Member
from bot.services.errors import DomainError
from bot.services.leaving import StaffChoice
from handlers import dialog
from handlers.common import (
    TEXT_ANSWER,
    current_hr,
    member_today,
    message_text,
    pressed,
    refuse_stale_confirm,
    reply,
    show_choice,
    unexpected_answer,
)
from handlers.dialog import Dialog, begin, checkpoint, expired, finish
from handlers.drafts import BaseAllDraft, BaseChangeDraft
from handlers.ledger import policy_library
from handlers.pickers import ActiveEmployeePicker
from handlers.refusals import refusal
from policies.ledger_rules import format_month, month_of, next_month, parse_month


class BaseState(StrEnum):
    # In this order: the old conversation stored a step as its index here (legacy_states).
    EMPLOYEE = "base.employee"
    AMOUNT = "base.amount"
    MONTH = "base.month"
    CONFIRM = "base.confirm"
    ALL_REVIEW = "base.all_review"


CONVERSATION = "base"
NO_EMPLOYEES_HINT = "请先发送 /hire 登记入职，或发送员工表（.xlsx/.csv）导入。"
SHOWN_LINES = 10

PICKER = ActiveEmployeePicker(
    name=CONVERSATION,
    state=BaseState.EMPLOYEE,
    draft=BaseChangeDraft,
    question="base_ask_employee",
    nobody=f"当前没有在职员工。{NO_EMPLOYEES_HINT}",
    employee_button=BaseEmployee,
    page_button=BasePage,
)
cmd_base = PICKER.start


def _month(day: date) -> Month:
    return Month(day.year, day.month, 1)


def _draft(context: HRContext) -> BaseChangeDraft | None:
    """The /base change under way (None: gone, the step says it expired)."""
    return dialog.load(context, BaseChangeDraft)


async def on_employee(update: Update, context: HRContext) -> object:
    picked = await PICKER.chosen(update, context)
    if picked is None:
        return ConversationHandler.END
    _, chosen = picked
    await show_choice(update, f"调整基数：<b>{chosen.name}</b>")
    return await _ask_amount(update, context, chosen)


async def on_employee_text(update: Update, context: HRContext) -> object:
    """A typed name or 身份证 picks the employee as a button would."""
    picked = await PICKER.typed(update, context)
    if picked is None:
        return BaseState.EMPLOYEE
    _, chosen = picked
    await reply(update, f"调整基数：<b>{chosen.name}</b>")
    return await _ask_amount(update, context, chosen)


async def _ask_amount(update: Update, context: HRContext, chosen: StaffChoice) -> object:
    draft = _draft(context)
    if draft is None:
        return await expired(update, context, CONVERSATION)
    draft.employee_id, draft.name = chosen.employee_id, chosen.name
    draft.first_day = chosen.first_day
    dialog.save(context, draft)
    await checkpoint(update, context, BaseState.AMOUNT)
    await reply(update, f"请输入{chosen.name}新的缴费基数（元），例如 8000：")
    return BaseState.AMOUNT


async def on_amount(update: Update, context: HRContext) -> object:
    try:
        amount = parse_amount(message_text(update))
    except InputError as error:
        await reply(update, "❌ 缴费基数：" + error.html)
        return BaseState.AMOUNT
    member = await current_hr(update, context)
    if member is None:
        return ConversationHandler.END
    draft = _draft(context)
    if draft is None:
        return await expired(update, context, CONVERSATION)
    draft.base = amount
    dialog.save(context, draft)
    this_month = month_of(member_today(context, member))
    if draft.first_day:  # never offer a month before the first day (it would be refused)
        this_month = max(this_month, month_of(draft.first_day))
    following = next_month(this_month)
    await checkpoint(update, context, BaseState.MONTH)
    await reply(
        update,
        "请输入生效月份，例如 2026-07（从该月起按新基数申报）：",
        [
            [
                (f"本月 {format_month(this_month)}", BaseMonth(_month(this_month)).data),
                (f"下月 {format_month(following)}", BaseMonth(_month(following)).data),
            ]
        ],
    )
    return BaseState.MONTH


async def _ask_confirm(
    update: Update, context: HRContext, member: Member, month: date
) -> object:
    draft = _draft(context)
    if draft is None or draft.employee_id is None or draft.base is None:
        return await expired(update, context, CONVERSATION)
    try:
        line = base_change.preview_base_change(
            context.services.engine,
            member,
            draft.employee_id,
            month,
            draft.base,
            library=policy_library(context.services),
        )
    except DomainError as error:
        await reply(update, refusal(error))
        return BaseState.MONTH
    draft.month = month
    dialog.save(context, draft)
    await checkpoint(update, context, BaseState.CONFIRM)
    token = draft.token()
    await reply(
        update,
        render("base_confirm", line=line, month=month),
        [[("✅ 确认", BaseConfirm(token).data), ("✖️ 取消", BaseCancel().data)]],
    )
    return BaseState.CONFIRM


async def on_month_text(update: Update, context: HRContext) -> object:
    member = await current_hr(update, context)
    if member is None:
        return ConversationHandler.END
    month = parse_month(message_text(update), today=member_today(context, member))
    if month is None:
        await reply(update, "❌ 无法识别月份，请按 2026-07 或 2026年7月 的格式输入。")
        return BaseState.MONTH
    return await _ask_confirm(update, context, member, month)


async def on_month_button(update: Update, context: HRContext) -> object:
    member = await current_hr(update, context)
    if member is None:
        return ConversationHandler.END
    month = pressed(update, BaseMonth).month
    await show_choice(update, f"生效月份：{month.year}年{month.month}月")
    return await _ask_confirm(update, context, member, month)


async def on_confirm(update: Update, context: HRContext) -> object:
    member = await current_hr(update, context)
    if member is None:
        return ConversationHandler.END
    draft = _draft(context)
    if draft is None:
        return await expired(update, context, CONVERSATION)
    if pressed(update, BaseConfirm).draft != draft.token():
        await refuse_stale_confirm(update, f"{escape(draft.name or '')} 的基数调整")
        return BaseState.CONFIRM
    if draft.employee_id is None or draft.base is None or draft.month is None:
        return await expired(update, context, CONVERSATION)
    dialog.forget(context)
    result = base_change.apply_base_changes(
        context.services.engine,
        member,
        draft.month,
        {draft.employee_id: draft.base},
        today=member_today(context, member),
        library=policy_library(context.services),
    )
    await checkpoint(update, context, None)
    await show_choice(update, "已确认。")
    await reply(update, render("base_done", result=result))
    return ConversationHandler.END


# ---------------------------------------------------------------- yearly adjustment


async def _show_all(
    update: Update,
    context: HRContext,
    member: Member,
    month: date,
    new_bases: dict[int, Decimal],
    notes: list[str],
) -> object:
    lines = base_change.preview_annual_adjustment(
        context.services.engine,
        member,
        month,
        new_bases,
        library=policy_library(context.services),
    )
    if not lines:
        return await finish(
            update, context, f"当前没有在职员工，无需调整基数。{NO_EMPLOYEES_HINT}"
        )
    draft = dialog.load(context, BaseAllDraft)
    if draft is None:
        return await expired(update, context, CONVERSATION)
    draft.month, draft.bases = month, dict(new_bases)
    dialog.save(context, draft)
    changed = [x for x in lines if x.effective != x.old_base]
    clamped = [x for x in lines if x.clamped]
    await checkpoint(update, context, BaseState.ALL_REVIEW)
    await reply(
        update,
        render(
            "base_all_preview",
            month=month,
            total=len(lines),
            changed=changed[:SHOWN_LINES],
            changed_total=len(changed),
            clamped_total=len(clamped),
            uploaded=len(new_bases),
            notes=notes,
        ),
        [
            [
                ("✅ 确认调整", BaseAllConfirm(draft.token()).data),
                ("✖️ 取消", BaseCancel().data),
            ]
        ],
    )
    return BaseState.ALL_REVIEW


async def cmd_base_all(update: Update, context: HRContext) -> object:
    """`/base_all 2027-07`: re-apply everyone's base under the limits in force from that month."""
    await begin(update, context, CONVERSATION)
    member = await current_hr(update, context)
    if member is None:
        return ConversationHandler.END
    arg = " ".join(context.args or []).strip()
    today = member_today(context, member)
    month = parse_month(arg, today=today) if arg else month_of(today)
    if month is None:
        await reply(update, "❌ 无法识别月份，请按 <code>/base_all 2027-07</code> 的格式发送。")
        return ConversationHandler.END
    dialog.save(context, BaseAllDraft(month))
    return await _show_all(update, context, member, month, {}, [])


async def on_all_file(update: Update, context: HRContext) -> object:
    """A file with 身份证号 + 缴费基数 sent during the yearly adjustment sets new bases."""
    member = await current_hr(update, context)
    if member is None:
        return ConversationHandler.END
    message = update.effective_message
    assert message is not None and message.document is not None
    draft = dialog.load(context, BaseAllDraft)
    if draft is None:
        return await expired(update, context, CONVERSATION)
    month = draft.month
    file = await context.bot.get_file(message.document.file_id)
    data = bytes(await file.download_as_bytearray())
    try:
        table = await asyncio.to_thread(read_table, message.document.file_name or "", data)
        bases, errors = read_new_bases(table)
    except ImportFileError as error:
        await reply(update, "❌ " + error.html)
        return BaseState.ALL_REVIEW
    found, unknown = base_change.employee_ids_by_id_number(
        context.services.engine, member, list(bases)
    )
    notes = [f"第{e.row_number}行：{e.reason}" for e in errors[:5]]
    if unknown:
        notes.append(f"{len(unknown)} 个身份证号码不是在职员工，已忽略。")
    new_bases = {found[n]: bases[n] for n in found}
    return await _show_all(update, context, member, month, new_bases, notes)


async def on_all_confirm(update: Update, context: HRContext) -> object:
    member = await current_hr(update, context)
    if member is None:
        return ConversationHandler.END
    draft = dialog.load(context, BaseAllDraft)
    if draft is None:
        return await expired(update, context, CONVERSATION)
    if pressed(update, BaseAllConfirm).draft != draft.token():
        month = draft.month
        uploaded = len(draft.bases)
        what = f"{month.year}年{month.month}月起的年度基数调整"
        if uploaded:
            what += f"（按上传的 {uploaded} 人新基数）"
        await refuse_stale_confirm(update, what)
        return BaseState.ALL_REVIEW
    dialog.forget(context)
    result = base_change.apply_annual_adjustment(
        context.services.engine,
        member,
        draft.month,
        draft.bases,
        today=member_today(context, member),
        library=policy_library(context.services),
    )
    await checkpoint(update, context, None)
    await show_choice(update, "已确认年度基数调整。")
    await reply(update, render("base_all_done", result=result))
    return ConversationHandler.END


async def on_cancel(update: Update, context: HRContext) -> int:
    return await finish(update, context, "已取消基数调整，未做任何更改。")


on_unexpected = unexpected_answer(
    button="请按当前步骤操作，或发送 /cancel 取消。",
    text="请按上一条消息的提示输入金额或月份（文字），或点击按钮；发送 /cancel 取消基数调整。",
)


def build_dialog() -> Dialog:
    return Dialog(
        CONVERSATION,
        entry_points=[
            CommandHandler("base", cmd_base),
            CommandHandler("base_all", cmd_base_all),
        ],
        states={
            BaseState.EMPLOYEE: [
                PICKER.employee_handler(on_employee),
                PICKER.page_handler(),
                MessageHandler(TEXT_ANSWER, on_employee_text),
            ],
            BaseState.AMOUNT: [MessageHandler(TEXT_ANSWER, on_amount)],
            BaseState.MONTH: [
                CallbackQueryHandler(on_month_button, pattern=matching(BaseMonth)),
                MessageHandler(TEXT_ANSWER, on_month_text),
            ],
            BaseState.CONFIRM: [
                CallbackQueryHandler(on_confirm, pattern=matching(BaseConfirm))
            ],
            BaseState.ALL_REVIEW: [
                CallbackQueryHandler(on_all_confirm, pattern=matching(BaseAllConfirm)),
                MessageHandler(filters.Document.ALL, on_all_file),
            ],
        },
        fallbacks=[
            CommandHandler("cancel", on_cancel),
            CallbackQueryHandler(on_cancel, pattern=matching(BaseCancel)),
            CommandHandler("base", cmd_base),
            CommandHandler("base_all", cmd_base_all),
            CallbackQueryHandler(on_unexpected, pattern=r"^base:"),
            MessageHandler(~filters.COMMAND, on_unexpected),
        ],
        stale="该基数调整已结束，请重新发送 /base。",
        legacy_states=list(BaseState),
    )
