"""/backpay: 补缴测算 by conversation — whose, which months, when paid → the breakdown."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from telegram import Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.callbacks import (
    BackpayEmployee,
    BackpayPage,
    BackpayPayToday,
    BackpayUnpaidMonths,
    matching,
)
from bot.context import HRContext
from bot.parsing import MONTHS_HINT, InputError, parse_amount, parse_day, parse_months
from bot.render import macro, render
from bot.services import backpay
from bot.services.access import Member
from bot.services.backpay import Subject
from bot.services.errors import DomainError
from bot.services.policy_qa import policy_store
from handlers import dialog
from handlers.cases import remember_backpay_result
from handlers.common import (
    TEXT_ANSWER,
    current_hr,
    edit_message,
    keyboard,
    member_today,
    message_text,
    pager_buttons,
    paginate,
    pressed,
    reply,
    show_choice,
    unexpected_answer,
)
from handlers.dialog import Dialog, begin, checkpoint, finish
from handlers.drafts import BackpayDraft
from handlers.refusals import refusal


class BackpayState(StrEnum):
    # In this order: the old conversation stored a step as its index here (legacy_states).
    SUBJECT = "backpay.subject"
    MONTHS = "backpay.months"
    PAY_DATE = "backpay.pay_date"


CONVERSATION = "backpay"


def _draft(context: HRContext) -> BackpayDraft:
    """The calculation under way (an empty one if it is gone: the steps say what is missing)."""
    return dialog.load(context, BackpayDraft) or BackpayDraft()


def _months(months: list[date] | tuple[date, ...]) -> str:
    """`2025-11、2025-12`, as the questions and choices name the months."""
    return macro("labels", "month_list", months)


def _employee_buttons(context: HRContext, member: Member, page: int) -> list[list[tuple[str,
                                                                                      str]]]:
    choices = backpay.employee_choices(context.services.engine, member)
    shown, page, pages, _ = paginate(choices, page)
    buttons = [(f"{c.name}{'（已离职）' if c.left else ''}", BackpayEmployee(c.id).data)
               for c in shown]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    rows.append(pager_buttons("backpay", page, pages))
    return rows


async def cmd_backpay(update: Update, context: HRContext) -> object:
    """Start a back-payment calculation."""
    await begin(update, context, CONVERSATION)
    return await _ask_subject(update, context)


async def _ask_subject(update: Update, context: HRContext) -> object:
    member = await current_hr(update, context)
    if member is None:
        return ConversationHandler.END
    rows = _employee_buttons(context, member, 1)
    dialog.save(context, BackpayDraft(has_employees=any(rows[:-1])))
    await checkpoint(update, context, BackpayState.SUBJECT)
    await reply(update, render("backpay_ask_subject", has_employees=any(rows[:-1]),
                               city=member.city), rows)
    return BackpayState.SUBJECT


async def on_page(update: Update, context: HRContext) -> int:
    member = await current_hr(update, context)
    if member is None:
        return ConversationHandler.END
    page = pressed(update, BackpayPage).page
    query = update.callback_query
    assert query is not None
    await query.answer()
    await edit_message(
        query.edit_message_reply_markup(keyboard(_employee_buttons(context, member, page)))
    )
    return BackpayState.SUBJECT


async def _ask_months(update: Update, context: HRContext, subject: Subject) -> int:
    dialog.save(context, BackpayDraft(has_employees=_draft(context).has_employees,
                                      subject=subject))
    await checkpoint(update, context, BackpayState.MONTHS)
    unpaid = _months(subject.unpaid)
    buttons = ([[(f"✅ 按未缴月份（{len(subject.unpaid)}个）", BackpayUnpaidMonths().data)]]
               if subject.unpaid else [])
    await reply(update, render("backpay_ask_months", subject=subject, unpaid=unpaid,
                               hint=MONTHS_HINT), buttons)
    return BackpayState.MONTHS


async def on_employee(update: Update, context: HRContext) -> object:
    member = await current_hr(update, context)
    if member is None:
        return ConversationHandler.END
    try:
        subject = backpay.subject_for_employee(
            context.services.engine, member, pressed(update, BackpayEmployee).employee_id,
            today=member_today(context, member))
    except DomainError as error:
        await show_choice(update, refusal(error))
        return await _ask_subject(update, context)
    await show_choice(update, f"员工：<b>{subject.name}</b>")
    return await _ask_months(update, context, subject)


async def on_base(update: Update, context: HRContext) -> int:
    member = await current_hr(update, context)
    if member is None:
        return ConversationHandler.END
    try:
        subject = backpay.subject_for_base(member, parse_amount(message_text(update)))
    except InputError as error:
        hint = "或点击上面的员工按钮。" if _draft(context).has_employees else ""
        await reply(update, f"{error.html}{hint}")
        return BackpayState.SUBJECT
    return await _ask_months(update, context, subject)


async def _ask_pay_date(update: Update, context: HRContext, member: Member,
                        months: list[date]) -> int:
    draft = _draft(context)
    draft.months = list(months)
    dialog.save(context, draft)
    await checkpoint(update, context, BackpayState.PAY_DATE)
    today = member_today(context, member)
    await reply(update, render("backpay_ask_pay_date", months=_months(months),
                               example=today.isoformat()),
                [[("今天", BackpayPayToday().data)]])
    return BackpayState.PAY_DATE


def _subject(context: HRContext) -> Subject | None:
    return _draft(context).subject


async def on_unpaid_months(update: Update, context: HRContext) -> int:
    member = await current_hr(update, context)
    if member is None:
        return ConversationHandler.END
    subject = _subject(context)
    if subject is None or not subject.unpaid:
        await show_choice(update, "请输入要补缴的月份。")
        return BackpayState.MONTHS
    await show_choice(update, f"补缴月份：<b>{_months(subject.unpaid)}</b>")
    return await _ask_pay_date(update, context, member, list(subject.unpaid))


async def on_months(update: Update, context: HRContext) -> int:
    member = await current_hr(update, context)
    if member is None:
        return ConversationHandler.END
    try:
        months = parse_months(message_text(update))
        subject = _subject(context)
        if subject is not None:
            backpay.check_months(subject, months)
    except (InputError, DomainError) as error:
        await reply(update, refusal(error))
        return BackpayState.MONTHS
    return await _ask_pay_date(update, context, member, months)


async def _finish(update: Update, context: HRContext, member: Member, pay_date: date) -> int:
    subject = _subject(context)
    months = _draft(context).months
    if subject is None or not months:
        dialog.forget(context)
        await checkpoint(update, context, None)
        await reply(update, "测算信息已失效，请发送 /backpay 重新开始。")
        return ConversationHandler.END
    library = policy_store(context.services).library
    try:
        view = backpay.compute(library, subject, months, pay_date)
    except DomainError as error:
        await reply(update, refusal(error))
        return BackpayState.PAY_DATE
    dialog.forget(context)
    await checkpoint(update, context, None)
    buttons = []
    if subject.employee_id is not None:
        data = remember_backpay_result(context, subject.employee_id, months, pay_date)
        buttons = [[("🧾 生成补缴案例", data)]]
    await reply(update, render("backpay_result", view=view), buttons)
    return ConversationHandler.END


async def on_pay_today(update: Update, context: HRContext) -> int:
    member = await current_hr(update, context)
    if member is None:
        return ConversationHandler.END
    today = member_today(context, member)
    await show_choice(update, f"计划缴费日期：<b>{today.isoformat()}</b>")
    return await _finish(update, context, member, today)


async def on_pay_date(update: Update, context: HRContext) -> int:
    member = await current_hr(update, context)
    if member is None:
        return ConversationHandler.END
    try:
        pay_date = parse_day(message_text(update), today=member_today(context, member))
    except InputError as error:
        await reply(update, error.html)
        return BackpayState.PAY_DATE
    return await _finish(update, context, member, pay_date)


async def cmd_cancel(update: Update, context: HRContext) -> int:
    return await finish(update, context, render("backpay_cancelled"))


# Not the expected kind of answer: say what is expected, keep the state.
on_unexpected = unexpected_answer(
    button="该按钮已失效，请按最新消息操作。",
    text="请按提示输入，或点击上一条消息中的按钮；发送 /cancel 取消补缴测算。",
)


def build_dialog() -> Dialog:
    return Dialog(
        CONVERSATION,
        entry_points=[CommandHandler("backpay", cmd_backpay)],
        states={
            BackpayState.SUBJECT: [
                CallbackQueryHandler(on_employee, pattern=matching(BackpayEmployee)),
                CallbackQueryHandler(on_page, pattern=matching(BackpayPage)),
                MessageHandler(TEXT_ANSWER, on_base),
            ],
            BackpayState.MONTHS: [
                CallbackQueryHandler(on_unpaid_months, pattern=matching(BackpayUnpaidMonths)),
                MessageHandler(TEXT_ANSWER, on_months),
            ],
            BackpayState.PAY_DATE: [
                CallbackQueryHandler(on_pay_today, pattern=matching(BackpayPayToday)),
                MessageHandler(TEXT_ANSWER, on_pay_date),
            ],
        },
        fallbacks=[
            CommandHandler("cancel", cmd_cancel),
            CommandHandler("backpay", cmd_backpay),
            CallbackQueryHandler(on_unexpected, pattern=r"^backpay:"),
            # A file sent meanwhile is an import (handlers/transfer.py), as it always was.
            MessageHandler(~filters.COMMAND & ~filters.Document.ALL, on_unexpected),
        ],
        stale="该补缴测算已结束，请发送 /backpay 重新开始。",
        legacy_states=list(BackpayState),
    )
