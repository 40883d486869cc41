"""/todo with 已办理 / 已缴纳 buttons, /employees and /employee."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from html import escape

from telegram import Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.callbacks import EmployeesPage, TodoAbort, TodoMark, TodoPage, TodoToday, matching
from bot.context import AppServices, HRContext
from bot.parsing import InputError, echo, parse_day
from bot.render import macro, render
from bot.services import access, reminders, staff, todo
from bot.services.access import Member
from bot.services.errors import DateOutOfRange, DomainError
from handlers import dialog
from handlers.common import (
    current_member,
    member_for_button,
    member_today,
    pager_buttons,
    paginate,
    pressed,
    refuse_stale_confirm,
    reply,
    show_choice,
)
from handlers.dialog import Dialog, begin, checkpoint
from handlers.drafts import TodoMarkDraft
from handlers.refusals import refusal
from models.company import Role
from policies.library import PolicyLibrary


class DoneState(StrEnum):
    # The old conversation stored this step as 0 (legacy_states).
    DATE = "todo_mark.date"


CONVERSATION = "todo_mark"


def _todo_and_failed(
    services: AppServices, member: Member, page: int, today: date, library: PolicyLibrary
) -> tuple[todo.TodoPage, list[reminders.FailedReminder]]:
    """The page and the undelivered reminders, read in one trip to a worker thread."""
    engine = services.engine
    return (todo.todo_page(engine, member, page, today=today, library=library),
            reminders.failed_for_todo(engine, member))


async def _send_todo(update: Update, context: HRContext, member: Member, page: int) -> None:
    services = context.services
    view, failed = await context.db(
        _todo_and_failed,
        services,
        member,
        page,
        member_today(context, member),
        services.policies.library,
    )
    rows: list[list[tuple[str, str]]] = []
    for item in view.items:
        if item.kind == "task":
            what = macro("labels", "task_label", item.task_kind, item.task_title)
            label = f"✅ {item.employee_name} {what} 已办理"
            rows.append([(label, TodoMark("done", item.item_id).data)])
        else:
            assert item.month is not None
            label = f"💰 {item.employee_name} {item.month.month}月 已缴纳"
            rows.append([(label, TodoMark("paid", item.item_id).data)])
    rows.append(pager_buttons(lambda n: TodoPage(member.company_id, n), view.page, view.pages))
    text = render(
        "todo",
        items=view.items,
        total=view.total,
        page=view.page,
        pages=view.pages,
        offset=view.offset,
        company_name=member.company_name,
        failed=failed,
    )
    await reply(update, text, rows)


async def cmd_todo(update: Update, context: HRContext) -> None:
    member = await current_member(update, context, Role.HR)
    if member is not None:
        await _send_todo(update, context, member, 1)


async def on_todo_page(update: Update, context: HRContext) -> None:
    button = pressed(update, TodoPage)
    member = await member_for_button(update, context, button.company_id, Role.HR)
    if member is None:
        return
    assert update.callback_query is not None
    await update.callback_query.answer()
    await _send_todo(update, context, member, button.page)


async def on_mark_button(update: Update, context: HRContext) -> object:
    """已办理 / 已缴纳 pressed: ask for the date (default today), in the item's company."""
    await begin(update, context, CONVERSATION)
    button = pressed(update, TodoMark)
    action, item_id = button.action, button.item_id
    user = update.effective_user
    assert user is not None
    row_kind = "task" if action == "done" else "ledger"
    company_id = access.company_for_row(context.services.engine, user.id, row_kind, item_id)
    member = await current_member(update, context, Role.HR, company_id=company_id)
    if member is None:
        return ConversationHandler.END
    assert update.callback_query is not None
    subject = todo.mark_subject(context.services.engine, member, action, item_id)
    if subject is None:
        await update.callback_query.answer(
            "找不到该待办，请发送 /todo 查看最新待办。", show_alert=True
        )
        return ConversationHandler.END
    name, what = subject.employee_name, macro("labels", "subject_label", subject)
    dialog.save(context, TodoMarkDraft(action, item_id, what, name, member.company_id))
    await update.callback_query.answer()
    await checkpoint(update, context, DoneState.DATE)
    await reply(
        update,
        render(
            "todo_ask_done_date",
            name=name,
            what=what if action == "done" else f"{what}缴纳",
            today=member_today(context, member),
        ),
        [[("今天", TodoToday(action, item_id).data), ("取消", TodoAbort().data)]],
    )
    return DoneState.DATE


async def _complete(update: Update, context: HRContext, member: Member, on: date) -> int:
    pending = dialog.load(context, TodoMarkDraft)
    dialog.forget(context)
    if pending is None:
        await reply(update, "该操作已过期，请发送 /todo 重新选择。")
        return ConversationHandler.END
    today = member_today(context, member)
    if on > today:
        dialog.save(context, pending)
        await reply(update, "❌ 办理日期不能晚于今天，请重新输入（例如 今天、昨天、12月5日）。")
        return DoneState.DATE
    try:
        if pending.action == "done":
            engine = context.services.engine
            name = todo.complete_task(engine, member, pending.item_id, done_on=on, today=today)
            what = pending.what or "社保登记"
            await reply(update, f"✅ 已记录：<b>{name}</b> {what}已办理（{on.isoformat()}）。")
        else:
            paid = todo.mark_month_paid(
                context.services.engine, member, pending.item_id, paid_on=on, today=today
            )
            what = escape(f"{paid.employee_name} {macro('labels', 'subject_label', paid)}")
            await reply(update, f"✅ 已记录：<b>{what}</b> 已缴纳（{on.isoformat()}）。")
    except DateOutOfRange as window:
        dialog.save(context, pending)
        await reply(update, refusal(window))
        return DoneState.DATE
    except DomainError as error:
        await reply(update, refusal(error))
    return ConversationHandler.END


async def _pending_member(update: Update, context: HRContext) -> Member | None:
    """The member in the company of the item being marked (not necessarily the current one)."""
    pending = dialog.load(context, TodoMarkDraft)
    company_id = pending.company_id if pending is not None else None
    return await current_member(update, context, Role.HR, company_id=company_id)


async def on_today(update: Update, context: HRContext) -> object:
    member = await _pending_member(update, context)
    if member is None:
        return ConversationHandler.END
    button = pressed(update, TodoToday)
    pending = dialog.load(context, TodoMarkDraft)
    if pending is None or (pending.action, pending.item_id) != (button.action, button.item_id):
        what = escape(f"{pending.name} {pending.what}" if pending is not None else " ")
        await refuse_stale_confirm(update, f"{what}的办理日期（请在最新一条消息中选择或输入）")
        return DoneState.DATE
    today = member_today(context, member)
    await show_choice(update, f"办理日期：今天（{today.isoformat()}）")
    return await _complete(update, context, member, today)


async def on_date_text(update: Update, context: HRContext) -> object:
    member = await _pending_member(update, context)
    if member is None:
        return ConversationHandler.END
    assert update.message is not None and update.message.text is not None
    try:
        on = parse_day(update.message.text, today=member_today(context, member))
    except InputError as error:
        await reply(update, "❌ " + error.html)
        return DoneState.DATE
    return await _complete(update, context, member, on)


async def on_abort(update: Update, context: HRContext) -> int:
    dialog.forget(context)
    await show_choice(update, "已取消，未做任何修改。")
    return ConversationHandler.END


async def on_date_unexpected(update: Update, context: HRContext) -> int:
    await reply(
        update, "请输入办理日期（例如 今天、昨天、2026-12-05），或点击“今天”；发送 /cancel 取消。"
    )
    return DoneState.DATE


async def cmd_cancel(update: Update, context: HRContext) -> int:
    dialog.forget(context)
    await reply(update, "已取消，未做任何修改。")
    return ConversationHandler.END


async def on_stale(update: Update, context: HRContext) -> None:
    assert update.callback_query is not None
    await update.callback_query.answer("该操作已过期，请发送 /todo 重新选择。", show_alert=True)


async def _send_employees(update: Update, context: HRContext, member: Member, page: int) -> None:
    everyone = staff.employee_summaries(context.services.engine, member)
    shown, page, pages, offset = paginate(everyone, page)
    text = render(
        "employees", employees=shown, total=len(everyone), page=page, pages=pages, offset=offset
    )
    pager = pager_buttons(lambda n: EmployeesPage(member.company_id, n), page, pages)
    await reply(update, text, [pager])


async def cmd_employees(update: Update, context: HRContext) -> None:
    member = await current_member(update, context, Role.HR)
    if member is not None:
        await _send_employees(update, context, member, 1)


async def on_employees_page(update: Update, context: HRContext) -> None:
    button = pressed(update, EmployeesPage)
    member = await member_for_button(update, context, button.company_id, Role.HR)
    if member is None:
        return
    assert update.callback_query is not None
    await update.callback_query.answer()
    await _send_employees(update, context, member, button.page)


async def cmd_employee(update: Update, context: HRContext) -> None:
    member = await current_member(update, context, Role.HR)
    if member is None:
        return
    name = " ".join(context.args or []).strip()
    if not name:
        await reply(update, "请在命令后输入员工姓名，例如：<code>/employee 陈明远</code>")
        return
    found = staff.search_employees(context.services.engine, member, name)
    if not found.details:
        what = "身份证号码为" if found.by_id_number else "姓名包含"
        await reply(
            update,
            f"没有找到{what}“{escape(echo(found.shown_query))}”的员工。"
            "发送 /employees 查看全部员工。",
        )
        return
    await reply(update, render("employee", details=found.details, total=found.total))


def build_dialog() -> Dialog:
    return Dialog(
        CONVERSATION,
        entry_points=[CallbackQueryHandler(on_mark_button, pattern=matching(TodoMark))],
        states={
            DoneState.DATE: [
                CallbackQueryHandler(on_today, pattern=matching(TodoToday)),
                CallbackQueryHandler(on_abort, pattern=matching(TodoAbort)),
                MessageHandler(filters.TEXT & ~filters.COMMAND, on_date_text),
            ]
        },
        fallbacks=[
            CommandHandler("cancel", cmd_cancel),
            MessageHandler(~filters.COMMAND, on_date_unexpected),
        ],
        legacy_states=list(DoneState),
    )


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(CommandHandler("todo", cmd_todo))
    app.add_handler(CommandHandler("employees", cmd_employees))
    app.add_handler(CommandHandler("employee", cmd_employee))
    app.add_handler(CallbackQueryHandler(on_todo_page, pattern=matching(TodoPage)))
    app.add_handler(CallbackQueryHandler(on_employees_page, pattern=matching(EmployeesPage)))
    app.add_handler(CallbackQueryHandler(on_stale, pattern=r"^todo:"))
