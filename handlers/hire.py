"""/hire: the 入职登记 conversation. Each answer is validated before the next question."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from enum import StrEnum
from html import escape
from typing import Any

from telegram import Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.callbacks import (
    Button,
    HireCancel,
    HireCityDefault,
    HireConfirm,
    HireDepartment,
    HireEdit,
    HireEditField,
    HireNewDepartment,
    matching,
)
from bot.context import HRContext
from bot.parsing import (
    InputError,
    parse_amount,
    parse_city_name,
    parse_day,
    parse_department_name,
    parse_person_name,
)
from bot.render import render
from bot.services import hiring
from bot.services.access import Member
from bot.services.errors import DomainError
from bot.services.hiring import HireAnswer, HireField
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
from handlers.drafts import HireAnswers
from handlers.refusals import refusal
from policies.hiring import FirstDayRefused, check_first_day
from policies.idnumber import InvalidIdNumber, validate_id_number
from policies.library import PolicyLibrary


class HireState(StrEnum):
    # In this order: the old conversation stored a step as its index here (legacy_states).
    NAME = "hire.name"
    ID_NUMBER = "hire.id_number"
    FIRST_DAY = "hire.first_day"
    DEPARTMENT = "hire.department"
    NEW_DEPARTMENT = "hire.new_department"
    BASE = "hire.base"
    CITY = "hire.city"
    CONFIRM = "hire.confirm"
    EDIT_CHOOSE = "hire.edit_choose"


CONVERSATION = "hire"
Callback = Callable[[Update, HRContext], Awaitable[object]]

EDITABLE = [
    ("name", "姓名"),
    ("id_number", "身份证"),
    ("first_day", "用工之日"),
    ("department", "部门"),
    ("base", "缴费基数"),
    ("city", "参保地"),
]


def _answers(context: HRContext) -> HireAnswers | None:
    """The registration under way (None: gone, the step says it expired)."""
    return dialog.load(context, HireAnswers)


async def cmd_hire(update: Update, context: HRContext) -> object:
    """Start (or restart) a registration."""
    await begin(update, context, CONVERSATION)
    member = await current_hr(update, context)
    if member is None:
        return ConversationHandler.END
    dialog.save(context, HireAnswers())
    return await _ask(update, context, member, HireState.NAME)


async def _next_or_confirm(
    update: Update, context: HRContext, member: Member, state: HireState
) -> object:
    """After an edit go back to the summary; otherwise ask the next question."""
    answers = _answers(context)
    editing = answers is not None and answers.editing
    if state == HireState.CONFIRM or (editing and state != HireState.NEW_DEPARTMENT):
        return await _show_confirm(update, context, member)
    return await _ask(update, context, member, state)


async def _ask(update: Update, context: HRContext, member: Member, state: HireState) -> object:
    answers = _answers(context)
    if answers is None:
        return await expired(update, context, CONVERSATION)
    draft = answers.answers
    services = context.services
    if state == HireState.DEPARTMENT and not await context.db(
        hiring.company_departments, services.engine, member
    ):
        state = HireState.NEW_DEPARTMENT
        await checkpoint(update, context, state)
        await reply(update, render("hire_ask_department", has_departments=False, warning=None))
        return state
    await checkpoint(update, context, state)
    if state == HireState.NAME:
        await reply(update, render("hire_ask_name"))
    elif state == HireState.ID_NUMBER:
        await reply(update, render("hire_ask_id", name=draft.name))
    elif state == HireState.FIRST_DAY:
        await reply(update, render("hire_ask_first_day"))
    elif state == HireState.DEPARTMENT:
        departments = await context.db(hiring.company_departments, services.engine, member)
        buttons = [(d.name, HireDepartment(d.id).data) for d in departments if d.id]
        rows = [buttons[i : i + 3] for i in range(0, len(buttons), 3)]
        rows.append([("➕ 新部门", HireNewDepartment().data)])
        await reply(
            update, render("hire_ask_department", has_departments=True, warning=None), rows
        )
    elif state == HireState.NEW_DEPARTMENT:
        await reply(update, render("hire_ask_new_department"))
    elif state == HireState.BASE:
        await reply(update, render("hire_ask_base"))
    elif state == HireState.CITY:
        await reply(
            update,
            render("hire_ask_city", default_city=member.city),
            [[(f"{member.city}（默认）", HireCityDefault().data)]],
        )
    return state


async def _show_confirm(update: Update, context: HRContext, member: Member) -> object:
    answers = _answers(context)
    if answers is None:
        return await expired(update, context, CONVERSATION)
    services = context.services
    facts = await context.db(
        hiring.preview,
        services.engine,
        member,
        answers.answers,
        today=member_today(context, member),
        library=services.policies.library,
    )
    answers.editing = False
    dialog.save(context, answers)
    await checkpoint(update, context, HireState.CONFIRM)
    await reply(
        update,
        render("hire_confirm", p=facts),
        [
            [
                ("✅ 确认", HireConfirm(answers.token()).data),
                ("✏️ 修改", HireEdit().data),
                ("✖️ 取消", HireCancel().data),
            ]
        ],
    )
    return HireState.CONFIRM


#: Said after an amount refusal that quoted what was typed: the spellings a base may take.
BASE_SPELLINGS = "；可写 8000、8,000.00、8千 或 1.2万（不支持 8k、八千）。"


def read_answer(
    field: HireField, text: str, *, today: date, library: PolicyLibrary | None
) -> tuple[HireAnswer, str | None]:
    """What HR typed for `field` as a value, with the first day's late-registration warning;
    InputError says what to type instead (each refusal is marked ❌ as the others are)."""
    if field is HireField.NAME:
        return parse_person_name(text), None
    if field is HireField.DEPARTMENT:
        return parse_department_name(text), None
    if field is HireField.CITY:
        known = hiring.known_city(text, library)
        return known or hiring.library_city(parse_city_name(text), library), None
    try:
        if field is HireField.ID_NUMBER:
            return validate_id_number(text, today=today).value, None
        if field is HireField.FIRST_DAY:
            check = check_first_day(parse_day(text, today=today), today=today)
            return check.first_day, check.warning
    except (InvalidIdNumber, FirstDayRefused, InputError) as error:
        raise InputError("❌ " + error.message) from None
    try:
        return parse_amount(text), None
    except InputError as error:
        # keeps the message's opening quote: ❌ 缴费基数“五千五”不是有效金额…
        message = "❌ 缴费基数" + error.message
        if error.message.startswith("“"):
            message = message.removesuffix("。") + BASE_SPELLINGS
        raise InputError(message) from None


def on_answer(field: HireField, state: HireState, next_state: HireState) -> Callback:
    """A typed answer: validated by the service into the draft, then the next question."""

    async def callback(update: Update, context: HRContext) -> object:
        member = await current_hr(update, context)
        if member is None:
            return ConversationHandler.END
        answers = _answers(context)
        if answers is None:
            return await expired(update, context, CONVERSATION)
        draft = answers.answers
        library = context.services.policies.library
        try:
            value, warning = read_answer(
                field, message_text(update), today=member_today(context, member), library=library
            )
            arguments = (context.services.engine, member, draft, field, value)
            if field in hiring.ANSWERS_READING_RECORDS:
                former = await context.db(hiring.apply_answer, *arguments)
            else:  # only the draft changes: no trip to a worker thread
                former = hiring.apply_answer(*arguments)
        except (InputError, DomainError) as error:
            await reply(update, refusal(error))
            return state
        dialog.save(context, answers)
        if former is not None:
            await reply(update, render("hire_former_employee", former=former))
        if warning:
            await reply(update, warning)
        return await _next_or_confirm(update, context, member, next_state)

    callback.__name__ = f"on_{field}"
    return callback


async def on_department_button(update: Update, context: HRContext) -> object:
    member = await current_hr(update, context)
    if member is None:
        return ConversationHandler.END
    button = pressed(update, Button)
    if isinstance(button, HireNewDepartment):
        await show_choice(update, "所属部门：➕ 新部门")
        return await _ask(update, context, member, HireState.NEW_DEPARTMENT)
    assert isinstance(button, HireDepartment)
    choice = button.department_id
    known = await context.db(hiring.company_departments, context.services.engine, member)
    departments = {d.id: d for d in known}
    if choice not in departments:
        await show_choice(update, "该部门已不存在，请重新选择。")
        return await _ask(update, context, member, HireState.DEPARTMENT)
    answers = _answers(context)
    if answers is None:
        return await expired(update, context, CONVERSATION)
    answers.answers.department_id = departments[choice].id
    answers.answers.new_department = None
    dialog.save(context, answers)
    await show_choice(update, f"所属部门：<b>{departments[choice].name}</b>")
    return await _next_or_confirm(update, context, member, HireState.BASE)


async def on_city_default(update: Update, context: HRContext) -> object:
    member = await current_hr(update, context)
    if member is None:
        return ConversationHandler.END
    answers = _answers(context)
    if answers is None:
        return await expired(update, context, CONVERSATION)
    answers.answers.insured_city = member.city
    dialog.save(context, answers)
    await show_choice(update, f"参保地：<b>{member.city}</b>")
    return await _show_confirm(update, context, member)


async def on_confirm(update: Update, context: HRContext) -> object:
    member = await current_hr(update, context)
    if member is None:
        return ConversationHandler.END
    answers = _answers(context)
    if answers is None:
        return await expired(update, context, CONVERSATION)
    if pressed(update, HireConfirm).draft != answers.token():
        await refuse_stale_confirm(update, f"{escape(answers.answers.name or '')} 的入职登记")
        return HireState.CONFIRM
    services = context.services
    today = member_today(context, member)
    try:
        result = await context.db(
            hiring.register_hire,
            services.engine,
            member,
            answers.answers,
            today=today,
            library=services.policies.library,
            reminder_defaults=services.settings.reminders,
        )
    except DomainError as error:
        await show_choice(update, refusal(error))
        dialog.forget(context)
        return ConversationHandler.END
    dialog.forget(context)
    await checkpoint(update, context, None)
    await show_choice(update, "入职信息：✅ 已确认")
    days_left = (result.deadline - today).days
    await reply(update, render("hire_done", r=result, days_left=days_left, today=today))
    return ConversationHandler.END


async def on_edit(update: Update, context: HRContext) -> object:
    if await current_hr(update, context) is None:
        return ConversationHandler.END
    await checkpoint(update, context, HireState.EDIT_CHOOSE)
    await show_choice(update, "入职信息：✏️ 修改")
    buttons = [(label, HireEditField(key).data) for key, label in EDITABLE]
    await reply(update, render("hire_edit_choose"), [buttons[:3], buttons[3:]])
    return HireState.EDIT_CHOOSE


async def on_edit_field(update: Update, context: HRContext) -> object:
    member = await current_hr(update, context)
    if member is None:
        return ConversationHandler.END
    field = pressed(update, HireEditField).field
    states = {
        "name": HireState.NAME,
        "id_number": HireState.ID_NUMBER,
        "first_day": HireState.FIRST_DAY,
        "department": HireState.DEPARTMENT,
        "base": HireState.BASE,
        "city": HireState.CITY,
    }
    if field not in states:
        return HireState.EDIT_CHOOSE
    answers = _answers(context)
    if answers is None:
        return await expired(update, context, CONVERSATION)
    answers.editing = True
    dialog.save(context, answers)
    label = dict(EDITABLE)[field]
    await show_choice(update, f"修改：<b>{label}</b>")
    return await _ask(update, context, member, states[field])


async def on_cancel_button(update: Update, context: HRContext) -> int:
    dialog.forget(context)
    await checkpoint(update, context, None)
    await show_choice(update, "入职信息：✖️ 已取消")
    await reply(update, render("hire_cancelled"))
    return ConversationHandler.END


async def cmd_cancel(update: Update, context: HRContext) -> int:
    return await finish(update, context, render("hire_cancelled"))


# Anything that is not the expected kind of answer: say what is expected, keep the state.
on_unexpected = unexpected_answer(
    button="该按钮已失效，请按最新消息操作。",
    text="请按提示输入文字，或点击上一条消息中的按钮；发送 /cancel 取消入职登记。",
)


def answer(field: HireField, state: HireState, next_state: HireState) -> MessageHandler[Any, Any]:
    return MessageHandler(TEXT_ANSWER, on_answer(field, state, next_state))


F, S = HireField, HireState


def build_dialog() -> Dialog:
    return Dialog(
        CONVERSATION,
        entry_points=[CommandHandler("hire", cmd_hire)],
        states={
            HireState.NAME: [answer(F.NAME, S.NAME, S.ID_NUMBER)],
            HireState.ID_NUMBER: [answer(F.ID_NUMBER, S.ID_NUMBER, S.FIRST_DAY)],
            HireState.FIRST_DAY: [answer(F.FIRST_DAY, S.FIRST_DAY, S.DEPARTMENT)],
            HireState.DEPARTMENT: [
                CallbackQueryHandler(
                    on_department_button, pattern=matching(HireDepartment, HireNewDepartment)
                ),
                answer(F.DEPARTMENT, S.DEPARTMENT, S.BASE),
            ],
            HireState.NEW_DEPARTMENT: [answer(F.DEPARTMENT, S.NEW_DEPARTMENT, S.BASE)],
            HireState.BASE: [answer(F.BASE, S.BASE, S.CITY)],
            HireState.CITY: [
                CallbackQueryHandler(on_city_default, pattern=matching(HireCityDefault)),
                answer(F.CITY, S.CITY, S.CONFIRM),
            ],
            HireState.CONFIRM: [
                CallbackQueryHandler(on_confirm, pattern=matching(HireConfirm)),
                CallbackQueryHandler(on_edit, pattern=matching(HireEdit)),
                CallbackQueryHandler(on_cancel_button, pattern=matching(HireCancel)),
            ],
            HireState.EDIT_CHOOSE: [
                CallbackQueryHandler(on_edit_field, pattern=matching(HireEditField)),
                CallbackQueryHandler(on_cancel_button, pattern=matching(HireCancel)),
            ],
        },
        fallbacks=[
            CommandHandler("cancel", cmd_cancel),
            CommandHandler("hire", cmd_hire),
            CallbackQueryHandler(on_unexpected, pattern=r"^hire:"),
            MessageHandler(~filters.COMMAND, on_unexpected),
        ],
        stale="该入职登记已结束，请发送 /hire 重新开始。",
        legacy_states=list(HireState),
    )
