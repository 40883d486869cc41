"""/leave: the 离职 (减员) conversation — employee, last working day, reason, confirm."""

from __future__ import annotations

import warnings
from datetime import date
from enum import IntEnum
from typing import Any

from telegram import Update
from telegram.constants import ParseMode
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from bot.context import HRContext
from bot.parsing import InputError, parse_day
from bot.render import render
from bot.services import leaving
from bot.services.leaving import LEAVE_REASONS, StaffChoice
from handlers.common import (
    callback_parts,
    current_member,
    keyboard,
    member_today,
    pager_buttons,
    paginate,
    reply,
    show_choice,
)
from handlers.ledger import policy_library
from models.company import Role


class LeaveState(IntEnum):
    EMPLOYEE = 0
    LAST_DAY = 1
    REASON = 2
    CONFIRM = 3


DRAFT_KEY = "leave_draft"


def staff_buttons(
    prefix: str, staff: list[StaffChoice], page: int
) -> tuple[list[list[tuple[str, str]]], int, int]:
    """One button per employee, 10 a page with ◀ ▶; shared by /leave and /base."""
    shown, page, pages, _ = paginate(staff, page)
    rows = [
        [
            (
                f"{s.name}（{s.department}）" if s.department else s.name,
                f"{prefix}:emp:{s.employee_id}",
            )
        ]
        for s in shown
    ]
    rows.append(pager_buttons(prefix, page, pages))
    rows.append([("✖️ 取消", f"{prefix}:cancel")])
    return rows, page, pages


def _draft(context: HRContext) -> dict[str, Any]:
    assert context.user_data is not None
    return context.user_data.setdefault(DRAFT_KEY, {})


async def cmd_leave(update: Update, context: HRContext) -> int:
    member = await current_member(update, context, Role.HR)
    if member is None:
        return ConversationHandler.END
    staff = leaving.active_staff(context.services.engine, member)
    if not staff:
        await reply(update, "当前没有在职员工，无需办理离职。")
        return ConversationHandler.END
    assert context.user_data is not None
    context.user_data[DRAFT_KEY] = {}
    rows, page, pages = staff_buttons("leave", staff, 1)
    await reply(update, render("leave_ask_employee", page=page, pages=pages), rows)
    return LeaveState.EMPLOYEE


async def on_page(update: Update, context: HRContext) -> int:
    member = await current_member(update, context, Role.HR)
    if member is None:
        return ConversationHandler.END
    staff = leaving.active_staff(context.services.engine, member)
    rows, page, pages = staff_buttons("leave", staff, int(callback_parts(update)[2]))
    query = update.callback_query
    assert query is not None
    await query.answer()
    await query.edit_message_text(
        render("leave_ask_employee", page=page, pages=pages),
        parse_mode=ParseMode.HTML,
        reply_markup=keyboard(rows),
    )
    return LeaveState.EMPLOYEE


async def on_employee(update: Update, context: HRContext) -> int:
    member = await current_member(update, context, Role.HR)
    if member is None:
        return ConversationHandler.END
    employee_id = int(callback_parts(update)[2])
    chosen = next(
        (
            s
            for s in leaving.active_staff(context.services.engine, member)
            if s.employee_id == employee_id
        ),
        None,
    )
    if chosen is None:
        await show_choice(update, "❌ 该员工不在职或不存在，请发送 /leave 重新选择。")
        return ConversationHandler.END
    draft = _draft(context)
    draft.update(employee_id=employee_id, name=chosen.name)
    await show_choice(update, f"离职员工：<b>{chosen.name}</b>（{chosen.masked_id}）")
    await reply(update, render("leave_ask_last_day", name=chosen.name))
    return LeaveState.LAST_DAY


async def on_last_day(update: Update, context: HRContext) -> int:
    member = await current_member(update, context, Role.HR)
    if member is None:
        return ConversationHandler.END
    assert update.message is not None and update.message.text is not None
    draft = _draft(context)
    today = member_today(context, member)
    try:
        last_day = parse_day(update.message.text, today=today)
        leaving.check_last_day(
            context.services.engine, member, draft["employee_id"], last_day, today=today
        )
    except InputError as error:
        message = error.message if error.message.startswith("❌") else "❌ " + error.message
        await reply(update, message)
        return LeaveState.LAST_DAY
    draft["last_day"] = last_day.isoformat()
    buttons = [
        [(r, f"leave:reason:{i}") for i, r in enumerate(LEAVE_REASONS[:3])],
        [(r, f"leave:reason:{i + 3}") for i, r in enumerate(LEAVE_REASONS[3:])],
    ]
    await reply(update, "请选择离职原因：", buttons)
    return LeaveState.REASON


async def on_reason(update: Update, context: HRContext) -> int:
    member = await current_member(update, context, Role.HR)
    if member is None:
        return ConversationHandler.END
    index = int(callback_parts(update)[2])
    draft = _draft(context)
    draft["reason"] = LEAVE_REASONS[index]
    await show_choice(update, f"离职原因：{draft['reason']}")
    await reply(
        update,
        render(
            "leave_confirm",
            name=draft["name"],
            last_day=date.fromisoformat(draft["last_day"]),
            reason=draft["reason"],
        ),
        [[("✅ 确认", "leave:confirm"), ("✖️ 取消", "leave:cancel")]],
    )
    return LeaveState.CONFIRM


async def on_confirm(update: Update, context: HRContext) -> int:
    member = await current_member(update, context, Role.HR)
    if member is None:
        return ConversationHandler.END
    assert context.user_data is not None
    draft = context.user_data.pop(DRAFT_KEY, {})
    today = member_today(context, member)
    try:
        result = leaving.record_leave(
            context.services.engine,
            member,
            draft["employee_id"],
            date.fromisoformat(draft["last_day"]),
            draft["reason"],
            today=today,
            library=policy_library(context.services),
        )
    except InputError as error:
        await show_choice(update, error.message)
        return ConversationHandler.END
    await show_choice(update, f"已确认：{result.name} 离职。")
    await reply(update, render("leave_done", r=result, days_left=(result.task_due - today).days))
    return ConversationHandler.END


async def on_cancel(update: Update, context: HRContext) -> int:
    assert context.user_data is not None
    context.user_data.pop(DRAFT_KEY, None)
    if update.callback_query is not None:
        await show_choice(update, "已取消离职登记，未做任何更改。")
    else:
        await reply(update, "已取消离职登记，未做任何更改。")
    return ConversationHandler.END


async def on_unexpected(update: Update, context: HRContext) -> int | None:
    if update.callback_query is not None:
        await update.callback_query.answer("请按当前步骤操作，或发送 /cancel 取消。")
        return None
    await reply(update, "请按提示操作：选择员工或输入日期；发送 /cancel 取消离职登记。")
    return None


def build_conversation() -> ConversationHandler[Any]:
    text = filters.TEXT & ~filters.COMMAND
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*per_message.*", category=PTBUserWarning)
        return ConversationHandler(
            entry_points=[CommandHandler("leave", cmd_leave)],
            states={
                LeaveState.EMPLOYEE: [
                    CallbackQueryHandler(on_employee, pattern=r"^leave:emp:"),
                    CallbackQueryHandler(on_page, pattern=r"^leave:page:"),
                ],
                LeaveState.LAST_DAY: [MessageHandler(text, on_last_day)],
                LeaveState.REASON: [CallbackQueryHandler(on_reason, pattern=r"^leave:reason:")],
                LeaveState.CONFIRM: [CallbackQueryHandler(on_confirm, pattern=r"^leave:confirm$")],
            },
            fallbacks=[
                CommandHandler("cancel", on_cancel),
                CallbackQueryHandler(on_cancel, pattern=r"^leave:cancel$"),
                CommandHandler("leave", cmd_leave),
                CallbackQueryHandler(on_unexpected, pattern=r"^leave:"),
                MessageHandler(text, on_unexpected),
            ],
            name="leave",
            persistent=True,
            allow_reentry=True,
        )


async def on_stale_button(update: Update, context: HRContext) -> None:
    assert update.callback_query is not None
    await update.callback_query.answer(
        "该离职登记已结束，请发送 /leave 重新开始。", show_alert=True
    )


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(build_conversation())
    app.add_handler(CallbackQueryHandler(on_stale_button, pattern=r"^leave:"))
