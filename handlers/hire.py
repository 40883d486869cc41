"""/hire: the 入职登记 conversation. Each answer is validated before the next question."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from enum import IntEnum
from html import escape
from typing import Any

from telegram import Update
from telegram.ext import (
    Application,
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
from bot.services.hiring import HireAnswer, HireDraft, HireField
from handlers.common import (
    TEXT_ANSWER,
    add_conversation,
    checkpoint,
    conversation,
    current_hr,
    draft_token,
    end_conversation,
    member_today,
    message_text,
    new_draft_nonce,
    pressed,
    refuse_stale_confirm,
    reply,
    show_choice,
    unexpected_answer,
)
from handlers.refusals import refusal
from policies.hiring import FirstDayRefused, check_first_day
from policies.idnumber import InvalidIdNumber, validate_id_number
from policies.library import PolicyLibrary


class HireState(IntEnum):
    NAME = 0
    ID_NUMBER = 1
    FIRST_DAY = 2
    DEPARTMENT = 3
    NEW_DEPARTMENT = 4
    BASE = 5
    CITY = 6
    CONFIRM = 7
    EDIT_CHOOSE = 8


CONVERSATION = "hire"
DRAFT_KEY = "hire_draft"
Callback = Callable[[Update, HRContext], Awaitable[int]]
EDITING_KEY = "hire_editing"

EDITABLE = [
    ("name", "姓名"),
    ("id_number", "身份证"),
    ("first_day", "用工之日"),
    ("department", "部门"),
    ("base", "缴费基数"),
    ("city", "参保地"),
]


def _draft(context: HRContext) -> HireDraft:
    assert context.user_data is not None
    return HireDraft.from_dict(context.user_data.get(DRAFT_KEY))


def _save(context: HRContext, draft: HireDraft) -> None:
    assert context.user_data is not None
    context.user_data[DRAFT_KEY] = draft.to_dict()


def _editing(context: HRContext) -> bool:
    assert context.user_data is not None
    return bool(context.user_data.get(EDITING_KEY))


def _clear(context: HRContext) -> None:
    assert context.user_data is not None
    context.user_data.pop(DRAFT_KEY, None)
    context.user_data.pop(EDITING_KEY, None)


async def cmd_hire(update: Update, context: HRContext) -> int:
    """Start (or restart) a registration."""
    member = await current_hr(update, context)
    if member is None:
        return ConversationHandler.END
    _clear(context)
    _save(context, HireDraft.start())
    new_draft_nonce(context, DRAFT_KEY)
    return await _ask(update, context, member, HireState.NAME)


async def _next_or_confirm(
    update: Update, context: HRContext, member: Member, state: HireState
) -> int:
    """After an edit go back to the summary; otherwise ask the next question."""
    if state == HireState.CONFIRM or (_editing(context) and state != HireState.NEW_DEPARTMENT):
        return await _show_confirm(update, context, member)
    return await _ask(update, context, member, state)


async def _ask(update: Update, context: HRContext, member: Member, state: HireState) -> int:
    draft = _draft(context)
    services = context.services
    if state == HireState.DEPARTMENT and not await context.db(
        hiring.company_departments, services.engine, member
    ):
        state = HireState.NEW_DEPARTMENT
        await checkpoint(update, context, CONVERSATION, state)
        await reply(update, render("hire_ask_department", has_departments=False, warning=None))
        return state
    await checkpoint(update, context, CONVERSATION, state)
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


async def _show_confirm(update: Update, context: HRContext, member: Member) -> int:
    services = context.services
    facts = await context.db(
        hiring.preview,
        services.engine,
        member,
        _draft(context),
        today=member_today(context, member),
        library=services.policies.library,
    )
    assert context.user_data is not None
    context.user_data[EDITING_KEY] = False
    await checkpoint(update, context, CONVERSATION, HireState.CONFIRM)
    await reply(
        update,
        render("hire_confirm", p=facts),
        [
            [
                ("✅ 确认", HireConfirm(draft_token(context, DRAFT_KEY)).data),
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

    async def callback(update: Update, context: HRContext) -> int:
        member = await current_hr(update, context)
        if member is None:
            return ConversationHandler.END
        draft = _draft(context)
        library = context.services.policies.library
        try:
            value, warning = read_answer(
                field, message_text(update), today=member_today(context, member), library=library
            )
            former = await context.db(
                hiring.apply_answer, context.services.engine, member, draft, field, value
            )
        except (InputError, DomainError) as error:
            await reply(update, refusal(error))
            return state
        _save(context, draft)
        if former is not None:
            await reply(update, render("hire_former_employee", former=former))
        if warning:
            await reply(update, warning)
        return await _next_or_confirm(update, context, member, next_state)

    callback.__name__ = f"on_{field}"
    return callback


async def on_department_button(update: Update, context: HRContext) -> int:
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
    draft = _draft(context)
    draft.department_id = departments[choice].id
    draft.new_department = None
    _save(context, draft)
    await show_choice(update, f"所属部门：<b>{departments[choice].name}</b>")
    return await _next_or_confirm(update, context, member, HireState.BASE)


async def on_city_default(update: Update, context: HRContext) -> int:
    member = await current_hr(update, context)
    if member is None:
        return ConversationHandler.END
    draft = _draft(context)
    draft.insured_city = member.city
    _save(context, draft)
    await show_choice(update, f"参保地：<b>{member.city}</b>")
    return await _show_confirm(update, context, member)


async def on_confirm(update: Update, context: HRContext) -> int:
    member = await current_hr(update, context)
    if member is None:
        return ConversationHandler.END
    if pressed(update, HireConfirm).draft != draft_token(context, DRAFT_KEY):
        await refuse_stale_confirm(update, f"{escape(_draft(context).name or '')} 的入职登记")
        return HireState.CONFIRM
    services = context.services
    today = member_today(context, member)
    try:
        result = await context.db(
            hiring.register_hire,
            services.engine,
            member,
            _draft(context),
            today=today,
            library=services.policies.library,
            reminder_defaults=services.settings.reminders,
        )
    except DomainError as error:
        await show_choice(update, refusal(error))
        _clear(context)
        return ConversationHandler.END
    _clear(context)
    await checkpoint(update, context, CONVERSATION, None)
    await show_choice(update, "入职信息：✅ 已确认")
    days_left = (result.deadline - today).days
    await reply(update, render("hire_done", r=result, days_left=days_left, today=today))
    return ConversationHandler.END


async def on_edit(update: Update, context: HRContext) -> int:
    if await current_hr(update, context) is None:
        return ConversationHandler.END
    await checkpoint(update, context, CONVERSATION, HireState.EDIT_CHOOSE)
    await show_choice(update, "入职信息：✏️ 修改")
    buttons = [(label, HireEditField(key).data) for key, label in EDITABLE]
    await reply(update, render("hire_edit_choose"), [buttons[:3], buttons[3:]])
    return HireState.EDIT_CHOOSE


async def on_edit_field(update: Update, context: HRContext) -> int:
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
    assert context.user_data is not None
    context.user_data[EDITING_KEY] = True
    label = dict(EDITABLE)[field]
    await show_choice(update, f"修改：<b>{label}</b>")
    return await _ask(update, context, member, states[field])


async def on_cancel_button(update: Update, context: HRContext) -> int:
    _clear(context)
    await checkpoint(update, context, CONVERSATION, None)
    await show_choice(update, "入职信息：✖️ 已取消")
    await reply(update, render("hire_cancelled"))
    return ConversationHandler.END


async def cmd_cancel(update: Update, context: HRContext) -> int:
    return await end_conversation(
        update, context, CONVERSATION, render("hire_cancelled"), DRAFT_KEY, EDITING_KEY
    )


# Anything that is not the expected kind of answer: say what is expected, keep the state.
on_unexpected = unexpected_answer(
    button="该按钮已失效，请按最新消息操作。",
    text="请按提示输入文字，或点击上一条消息中的按钮；发送 /cancel 取消入职登记。",
)


def answer(field: HireField, state: HireState, next_state: HireState) -> MessageHandler[Any, Any]:
    return MessageHandler(TEXT_ANSWER, on_answer(field, state, next_state))


F, S = HireField, HireState


def build_conversation() -> ConversationHandler[Any]:
    return conversation(
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
    )


def register(app: Application) -> None:  # type: ignore[type-arg]
    add_conversation(app, build_conversation(), stale="该入职登记已结束，请发送 /hire 重新开始。")
