"""/cases: back-payment cases (补缴案例) — open one, follow the office's answers, get the files.

Telegram I/O only: bot/services/cases.py decides and refuses; the state buttons shown are the
moves policies.backpay_case allows, and every press is checked again by the service.
"""

from __future__ import annotations

import secrets
from datetime import date
from enum import StrEnum

from telegram import Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot import callbacks
from bot.callbacks import (
    STALE_ANSWER,
    CaseDocuments,
    CaseFromBackpay,
    CaseMove,
    CaseOpen,
    CasePaidAsPlanned,
    CasePayToday,
    CaseReasonPick,
    CaseSendToEmployee,
    CaseShow,
    CasesPage,
    StaleButton,
    matching,
)
from bot.context import HRContext
from bot.documents import case_documents
from bot.documents.impact_note import impact_document, impact_message
from bot.documents.letter import explanation_letter, letter_message
from bot.parsing import CHANGED_FIELDS_HINT, InputError, parse_changed_fields, parse_day
from bot.render import macro, render
from bot.services import access, cases, employee_documents
from bot.services.access import Member
from bot.services.errors import CaseMoveRefused, DomainError
from bot.services.policy_qa import policy_store
from handlers import dialog
from handlers.common import (
    TEXT_ANSWER,
    answer_stale,
    current_hr,
    current_member,
    edit_pressed,
    member_for_button,
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
from handlers.drafts import BackpayResult, CaseMoveDraft, CaseOpenDraft
from handlers.refusals import refusal
from models.company import Role
from policies.backpay_case import CaseReason, CaseState

CONVERSATION = "case"
NOTE_LIMIT = 200


class CaseStep(StrEnum):
    # In this order: the old conversation stored a step as its index here (legacy_states).
    REASON = "case.reason"
    REASON_TEXT = "case.reason_text"
    PAY_DATE = "case.pay_date"
    REJECT_NOTE = "case.reject_note"
    PAID_ON = "case.paid_on"
    CHANGED_FIELDS = "case.changed_fields"


#: Moves that need an answer first: the office's reason, the actual payment date.
_ASKING_MOVES = (CaseState.REJECTED.value, CaseState.COMPLETED.value)


def _is_asking_move(data: object) -> bool:
    try:
        button = callbacks.parse(data)
    except StaleButton:
        return False
    return isinstance(button, CaseMove) and button.wanted in _ASKING_MOVES


def _is_plain_move(data: object) -> bool:
    try:
        button = callbacks.parse(data)
    except StaleButton:
        return False
    return isinstance(button, CaseMove) and button.wanted not in _ASKING_MOVES


# ---------------------------------------------------------------- the /backpay hand-over


def remember_backpay_result(
    context: HRContext, employee_id: int, months: list[date], pay_date: date
) -> str:
    """Keep an employee's /backpay result for its 生成补缴案例 button; the button's data."""
    token = secrets.token_hex(6)
    BackpayResult(token, employee_id, list(months), pay_date).keep(context)
    return CaseFromBackpay(token).data


# ---------------------------------------------------------------- views


def _case_buttons(view: cases.CaseView) -> list[list[tuple[str, str]]]:
    moves = [
        (macro("case_buttons", "move", state.value),
         CaseMove(view.id, view.state.value, state.value).data)
        for state in view.possible
    ]
    documents = (macro("case_buttons", "documents"), CaseDocuments(view.id).data)
    last = [documents]
    if view.employee_bound:  # 发送给员工: only when a Telegram user is bound to the record
        last.append((macro("case_buttons", "send_to_employee"),
                     CaseSendToEmployee(view.id).data))
    return [moves[:2], moves[2:], last]


async def _show_case(update: Update, view: cases.CaseView, notice: str = "",
                     *, edit: bool = False) -> None:
    text = render("case_view", view=view, notice=notice)
    if edit and update.callback_query is not None:
        await edit_pressed(update, text, _case_buttons(view))
    else:
        await reply(update, text, _case_buttons(view))


async def _list(context: HRContext, member: Member,
                page: int) -> tuple[str, list[list[tuple[str, str]]]]:
    lines = await context.db(cases.list_open, context.services.engine, member,
                             member_today(context, member))
    shown, page, pages, offset = paginate(lines, page)
    buttons = [[(macro("case_buttons", "line", line), CaseShow(line.id).data)]
               for line in shown]
    buttons.append(pager_buttons(lambda n: CasesPage(member.company_id, n), page, pages))
    text = render("cases_list", lines=shown, total=len(lines), offset=offset)
    return text, buttons


async def cmd_cases(update: Update, context: HRContext) -> None:
    """`/cases`: the open back-payment cases with state, age and amount."""
    member = await current_hr(update, context)
    if member is None:
        return
    await reply(update, *await _list(context, member, 1))


async def _case_member(update: Update, context: HRContext, case_id: int) -> Member | None:
    """The presser as HR of the case's company (a forged id resolves to their current one,
    where the service finds no such case)."""
    user = update.effective_user
    assert user is not None
    company_id = access.company_for_row(context.services.engine, user.id, "case", case_id)
    return await current_member(update, context, Role.HR, company_id=company_id)


async def _refuse(update: Update, error: DomainError | InputError) -> None:
    if update.callback_query is not None:
        await update.callback_query.answer()
    await reply(update, refusal(error))


async def on_page(update: Update, context: HRContext) -> None:
    button = pressed(update, CasesPage)
    member = await member_for_button(update, context, button.company_id, Role.HR)
    if member is None:
        return
    assert update.callback_query is not None
    await update.callback_query.answer()
    await edit_pressed(update, *await _list(context, member, button.page))


async def on_show(update: Update, context: HRContext) -> None:
    case_id = pressed(update, CaseShow).case_id
    member = await _case_member(update, context, case_id)
    if member is None:
        return
    try:
        view = await context.db(cases.case_view, context.services.engine, member, case_id,
                                member_today(context, member))
    except DomainError as error:
        await _refuse(update, error)
        return
    assert update.callback_query is not None
    await update.callback_query.answer()
    await _show_case(update, view)


async def _move(update: Update, context: HRContext, member: Member, button: CaseMove, *,
                note: str | None = None, paid_on: date | None = None) -> bool:
    """Record the move; the case's message shows the new state. False when refused."""
    now = context.services.clock.now()
    try:
        moved = await context.db(
            cases.move_case, context.services.engine, member,
            policy_store(context.services).library, button.case_id, CaseState(button.wanted),
            expected=CaseState(button.current), today=member_today(context, member), now=now,
            note=note, paid_on=paid_on, reminder_defaults=context.services.settings.reminders,
        )
    except DomainError as error:
        await _refuse(update, error)
        return False
    if update.callback_query is not None:
        await update.callback_query.answer()
    await _show_case(update, moved.view, "moved", edit=update.callback_query is not None)
    return True


async def on_plain_move(update: Update, context: HRContext) -> None:
    """已提交, 已受理, 需补充材料: recorded at once, dated today."""
    button = pressed(update, CaseMove)
    member = await _case_member(update, context, button.case_id)
    if member is None:
        return
    await _move(update, context, member, button)


async def on_documents(update: Update, context: HRContext) -> None:
    """生成文件: the case's documents as files, in this private chat only."""
    case_id = pressed(update, CaseDocuments).case_id
    member = await _case_member(update, context, case_id)
    if member is None:
        return
    assert update.callback_query is not None
    try:
        facts = await context.db(cases.case_facts, context.services.engine, member,
                                 policy_store(context.services).library, case_id,
                                 member_today(context, member))
    except DomainError as error:
        await _refuse(update, error)
        return
    await update.callback_query.answer()
    # full 身份证: this is HR's private chat (current_member refuses groups)
    files = await context.db(case_documents, facts, full_id=True)
    chat = update.effective_chat
    assert chat is not None
    for document in files:
        await chat.send_document(document.content, filename=document.filename)
    # the 说明函 as the employee will read it, then what the gap means for them (both masked)
    await reply(update, letter_message(facts))
    await reply(update, impact_message(facts))


async def on_send_to_employee(update: Update, context: HRContext) -> None:
    """发送给员工: the 说明函 and 权益影响说明 (身份证 masked) to the bound employee, through
    the outbox; /me lists them."""
    case_id = pressed(update, CaseSendToEmployee).case_id
    member = await _case_member(update, context, case_id)
    if member is None:
        return
    assert update.callback_query is not None
    services = context.services
    try:
        facts = await context.db(cases.case_facts, services.engine, member,
                                 policy_store(services).library, case_id,
                                 member_today(context, member))
        letter = await context.db(explanation_letter, facts, full_id=False)
        impact = await context.db(impact_document, facts, full_id=False)
        queued = await context.db(
            employee_documents.send_case_documents, services.engine, member, case_id,
            [employee_documents.DocumentToSend("letter", letter.filename, letter.content),
             employee_documents.DocumentToSend("impact", impact.filename, impact.content)],
            services.clock.now())
    except DomainError as error:
        await _refuse(update, error)
        return
    await update.callback_query.answer()
    await reply(update, render("case_sent_to_employee", queued=queued))


# ---------------------------------------------------------------- the conversation


def _reason_buttons() -> list[list[tuple[str, str]]]:
    picks = [(reason.label, CaseReasonPick(reason.value).data) for reason in CaseReason]
    return [picks[:2], picks[2:]]


async def _ask_reason(update: Update, context: HRContext, draft: CaseOpenDraft) -> int:
    dialog.save(context, draft)
    await checkpoint(update, context, CaseStep.REASON)
    await reply(update, render("case_ask_reason", name=draft.name, months=draft.months),
                _reason_buttons())
    return CaseStep.REASON


async def on_open(update: Update, context: HRContext) -> int:
    """办理补缴 (overdue reminder, /ledger): the employee's unpaid months."""
    await begin(update, context, CONVERSATION)
    employee_id = pressed(update, CaseOpen).employee_id
    user = update.effective_user
    assert user is not None
    company_id = access.company_for_row(context.services.engine, user.id, "employee",
                                        employee_id)
    member = await current_member(update, context, Role.HR, company_id=company_id)
    if member is None:
        return ConversationHandler.END
    try:
        subject = await context.db(cases.gap_subject, context.services.engine, member,
                                   policy_store(context.services).library, employee_id,
                                   member_today(context, member))
    except DomainError as error:
        await _refuse(update, error)
        return ConversationHandler.END
    assert update.callback_query is not None
    await update.callback_query.answer()
    return await _ask_reason(update, context, CaseOpenDraft(
        member.company_id, subject.employee_id, subject.name, list(subject.months)
    ))


async def on_from_backpay(update: Update, context: HRContext) -> int:
    """生成补缴案例 under a /backpay result: its months and payment date."""
    await begin(update, context, CONVERSATION)
    token = pressed(update, CaseFromBackpay).token
    member = await current_hr(update, context)
    if member is None:
        return ConversationHandler.END
    kept = BackpayResult.load(context)
    if kept is None or kept.token != token:
        await answer_stale(update)
        return ConversationHandler.END
    assert update.callback_query is not None
    await update.callback_query.answer()
    try:
        name = await context.db(cases.employee_name, context.services.engine, member,
                                kept.employee_id)
    except DomainError as error:
        await _refuse(update, error)
        return ConversationHandler.END
    return await _ask_reason(update, context, CaseOpenDraft(
        member.company_id, kept.employee_id, name, kept.months, pay_date=kept.pay_date
    ))


async def on_reason(update: Update, context: HRContext) -> int:
    reason = CaseReason(pressed(update, CaseReasonPick).reason)
    draft = dialog.load(context, CaseOpenDraft)
    if draft is None or not draft.months:
        return await _expired(update, context)
    draft.reason = reason.value
    dialog.save(context, draft)
    await show_choice(update, render("case_choice", what="reason", value=reason.label))
    if reason is CaseReason.OTHER:
        await checkpoint(update, context, CaseStep.REASON_TEXT)
        await reply(update, render("case_ask_reason_text"))
        return CaseStep.REASON_TEXT
    if reason is CaseReason.WRONG_EMPLOYEE_DATA:
        await checkpoint(update, context, CaseStep.CHANGED_FIELDS)
        await reply(update, render("case_ask_changed_fields", hint=CHANGED_FIELDS_HINT))
        return CaseStep.CHANGED_FIELDS
    return await _after_reason(update, context, draft)


async def on_changed_fields(update: Update, context: HRContext) -> int:
    """员工信息有误: what was wrong and what it is now, for the 员工信息变更表."""
    try:
        fields = parse_changed_fields(message_text(update))
    except InputError as error:
        await reply(update, error.html)
        return CaseStep.CHANGED_FIELDS
    draft = dialog.load(context, CaseOpenDraft)
    if draft is None:
        return await _expired(update, context)
    draft.changed_fields = list(fields)
    return await _after_reason(update, context, draft)


async def on_reason_text(update: Update, context: HRContext) -> int:
    text = message_text(update).strip()
    if not text or len(text) > NOTE_LIMIT:
        await reply(update, render("case_ask_reason_text"))
        return CaseStep.REASON_TEXT
    draft = dialog.load(context, CaseOpenDraft)
    if draft is None:
        return await _expired(update, context)
    draft.reason_text = text
    return await _after_reason(update, context, draft)


async def _after_reason(update: Update, context: HRContext, draft: CaseOpenDraft) -> int:
    dialog.save(context, draft)
    if draft.pay_date is not None:
        return await _create(update, context, draft.pay_date)
    member = await current_member(update, context, Role.HR, company_id=draft.company_id)
    if member is None:
        return ConversationHandler.END
    await checkpoint(update, context, CaseStep.PAY_DATE)
    await reply(update, render("case_ask_pay_date",
                               example=member_today(context, member).isoformat()),
                [[(macro("case_buttons", "today"), CasePayToday().data)]])
    return CaseStep.PAY_DATE


def _company_of(context: HRContext) -> int | None:
    """The company of the case being opened or moved (None: the draft is gone)."""
    draft = dialog.load(context, CaseOpenDraft) or dialog.load(context, CaseMoveDraft)
    return draft.company_id if draft is not None else None


async def on_pay_today(update: Update, context: HRContext) -> int:
    member = await current_member(update, context, Role.HR, company_id=_company_of(context))
    if member is None:
        return ConversationHandler.END
    today = member_today(context, member)
    await show_choice(update, render("case_choice", what="pay_date", value=today.isoformat()))
    return await _create(update, context, today)


async def on_pay_date(update: Update, context: HRContext) -> int:
    member = await current_member(update, context, Role.HR, company_id=_company_of(context))
    if member is None:
        return ConversationHandler.END
    try:
        pay_date = parse_day(message_text(update), today=member_today(context, member))
    except InputError as error:
        await reply(update, error.html)
        return CaseStep.PAY_DATE
    return await _create(update, context, pay_date)


async def _create(update: Update, context: HRContext, pay_date: date) -> int:
    draft = dialog.load(context, CaseOpenDraft)
    if draft is None or not draft.months or not draft.reason:
        return await _expired(update, context)
    member = await current_member(update, context, Role.HR, company_id=draft.company_id)
    if member is None:
        return ConversationHandler.END
    try:
        view = await context.db(
            cases.open_case, context.services.engine, member,
            policy_store(context.services).library, employee_id=draft.employee_id,
            months=draft.months, pay_date=pay_date,
            reason=CaseReason(draft.reason), reason_text=draft.reason_text,
            changed_fields=list(draft.changed_fields),
            today=member_today(context, member), now=context.services.clock.now(),
            reminder_defaults=context.services.settings.reminders,
        )
    except DomainError as error:
        await reply(update, refusal(error))
        if draft.pay_date is not None:  # from /backpay: nothing to type again
            return await finish(update, context, render("case_cancelled"))
        return CaseStep.PAY_DATE
    dialog.forget(context)
    BackpayResult.drop(context)
    await checkpoint(update, context, None)
    await _show_case(update, view, "created")
    return ConversationHandler.END


async def _expired(update: Update, context: HRContext) -> int:
    return await finish(update, context, render("case_cancelled"))


async def on_asking_move(update: Update, context: HRContext) -> int:
    """已驳回 asks the office's reason, 已完成 the actual payment date."""
    await begin(update, context, CONVERSATION)
    button = pressed(update, CaseMove)
    member = await _case_member(update, context, button.case_id)
    if member is None:
        return ConversationHandler.END
    try:
        view = await context.db(cases.case_view, context.services.engine, member,
                                button.case_id, member_today(context, member))
        if view.state.value != button.current or CaseState(button.wanted) not in view.possible:
            raise CaseMoveRefused(view.state, button.wanted,
                                  tuple(s.value for s in view.possible))
    except DomainError as error:
        await _refuse(update, error)
        return ConversationHandler.END
    assert update.callback_query is not None
    await update.callback_query.answer()
    dialog.save(context, CaseMoveDraft(member.company_id, button.case_id, button.current,
                                       button.wanted, view.planned_pay_date))
    if button.wanted == CaseState.REJECTED.value:
        await checkpoint(update, context, CaseStep.REJECT_NOTE)
        await reply(update, render("case_ask_reject_note"))
        return CaseStep.REJECT_NOTE
    await checkpoint(update, context, CaseStep.PAID_ON)
    planned = view.planned_pay_date
    await reply(update, render("case_ask_paid_on",
                               example=member_today(context, member).isoformat()),
                [[(macro("case_buttons", "paid_as_planned", planned), CasePaidAsPlanned().data)]])
    return CaseStep.PAID_ON


def _pending_move(context: HRContext) -> CaseMove | None:
    draft = dialog.load(context, CaseMoveDraft)
    if draft is None:
        return None
    return CaseMove(draft.case_id, draft.current, draft.wanted)


async def _finish_move(update: Update, context: HRContext, step: CaseStep, *,
                       note: str | None = None, paid_on: date | None = None) -> int:
    button = _pending_move(context)
    if button is None:
        return await _expired(update, context)
    member = await current_member(update, context, Role.HR, company_id=_company_of(context))
    if member is None:
        return ConversationHandler.END
    if not await _move(update, context, member, button, note=note, paid_on=paid_on):
        return step
    dialog.forget(context)
    await checkpoint(update, context, None)
    return ConversationHandler.END


async def on_reject_note(update: Update, context: HRContext) -> int:
    text = message_text(update).strip()
    if not text or len(text) > NOTE_LIMIT:
        await reply(update, render("case_ask_reject_note"))
        return CaseStep.REJECT_NOTE
    return await _finish_move(update, context, CaseStep.REJECT_NOTE, note=text)


async def on_paid_as_planned(update: Update, context: HRContext) -> int:
    draft = dialog.load(context, CaseMoveDraft)
    if draft is None:
        return await _expired(update, context)
    planned = draft.planned
    await show_choice(update, render("case_choice", what="paid_on", value=planned.isoformat()))
    return await _finish_move(update, context, CaseStep.PAID_ON, paid_on=planned)


async def on_paid_on(update: Update, context: HRContext) -> int:
    member = await current_member(update, context, Role.HR, company_id=_company_of(context))
    if member is None:
        return ConversationHandler.END
    try:
        paid_on = parse_day(message_text(update), today=member_today(context, member))
    except InputError as error:
        await reply(update, error.html)
        return CaseStep.PAID_ON
    return await _finish_move(update, context, CaseStep.PAID_ON, paid_on=paid_on)


async def cmd_cancel(update: Update, context: HRContext) -> int:
    return await finish(update, context, render("case_cancelled"))


on_unexpected = unexpected_answer(
    button=STALE_ANSWER, text=render("case_unexpected"),
)


def build_dialog() -> Dialog:
    return Dialog(
        CONVERSATION,
        entry_points=[
            CallbackQueryHandler(on_open, pattern=matching(CaseOpen)),
            CallbackQueryHandler(on_from_backpay, pattern=matching(CaseFromBackpay)),
            CallbackQueryHandler(on_asking_move, pattern=_is_asking_move),
        ],
        states={
            CaseStep.REASON: [CallbackQueryHandler(on_reason, pattern=matching(CaseReasonPick))],
            CaseStep.REASON_TEXT: [MessageHandler(TEXT_ANSWER, on_reason_text)],
            CaseStep.CHANGED_FIELDS: [MessageHandler(TEXT_ANSWER, on_changed_fields)],
            CaseStep.PAY_DATE: [
                CallbackQueryHandler(on_pay_today, pattern=matching(CasePayToday)),
                MessageHandler(TEXT_ANSWER, on_pay_date),
            ],
            CaseStep.REJECT_NOTE: [MessageHandler(TEXT_ANSWER, on_reject_note)],
            CaseStep.PAID_ON: [
                CallbackQueryHandler(on_paid_as_planned, pattern=matching(CasePaidAsPlanned)),
                MessageHandler(TEXT_ANSWER, on_paid_on),
            ],
        },
        fallbacks=[
            CommandHandler("cancel", cmd_cancel),
            CallbackQueryHandler(on_unexpected, pattern=matching(
                CaseReasonPick, CasePayToday, CasePaidAsPlanned)),
            # A file sent meanwhile is an import (handlers/transfer.py), as it always was.
            MessageHandler(~filters.COMMAND & ~filters.Document.ALL, on_unexpected),
        ],
        stale=render("case_stale"),
        legacy_states=list(CaseStep),
    )


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(CommandHandler("cases", cmd_cases))
    app.add_handler(CallbackQueryHandler(on_show, pattern=matching(CaseShow)))
    app.add_handler(CallbackQueryHandler(on_page, pattern=matching(CasesPage)))
    app.add_handler(CallbackQueryHandler(on_plain_move, pattern=_is_plain_move))
    app.add_handler(CallbackQueryHandler(on_documents, pattern=matching(CaseDocuments)))
    app.add_handler(CallbackQueryHandler(on_send_to_employee,
                                         pattern=matching(CaseSendToEmployee)))
