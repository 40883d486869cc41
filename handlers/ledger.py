"""/ledger: one month of the 社保台账 with buttons to mark declared/paid; the roll-over tick."""

from __future__ import annotations

import asyncio
import logging
from datetime import date

from telegram import Update
from telegram.constants import ParseMode
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot.context import AppServices, HRApplication, HRContext
from bot.parsing import InputError
from bot.render import render
from bot.services import ledger
from bot.services.access import Member
from handlers.common import callback_parts, current_member, keyboard, member_today, reply
from models.company import Role
from policies.ledger_rules import LedgerState, format_month, month_of, parse_month
from policies.library import PolicyLibrary

log = logging.getLogger(__name__)

JOB_NAME = "ledger_rollover"
MARK_LABELS = {"decl": LedgerState.DECLARED, "paid": LedgerState.PAID}


def policy_library(services: AppServices) -> PolicyLibrary:
    """The policy library in force (loaded and validated when the application was built)."""
    return services.policies.library


def _view_buttons(view: ledger.MonthView) -> list[list[tuple[str, str]]]:
    key = view.month_key
    rows: list[list[tuple[str, str]]] = [
        [
            (f"📝 {line.name} 已申报", f"ledger:decl:{line.row_id}"),
            ("💰 已缴纳", f"ledger:paid:{line.row_id}"),
        ]
        for line in view.undeclared
    ]
    pager = []
    if view.page > 1:
        pager.append(("◀ 上一页", f"ledger:page:{key}:{view.page - 1}"))
    if view.page < view.pages:
        pager.append(("下一页 ▶", f"ledger:page:{key}:{view.page + 1}"))
    rows.append(pager)
    bulk = []
    if view.undeclared_total:
        bulk.append(("📝 全部标记已申报", f"ledger:bulk:decl:{key}"))
    if view.payable_total:
        bulk.append(("💰 全部标记已缴纳", f"ledger:bulk:paid:{key}"))
    rows.append(bulk)
    return rows


def _render_view(
    context: HRContext, member: Member, month: date, page: int, notice: str = ""
) -> tuple[str, list[list[tuple[str, str]]]]:
    view = ledger.month_view(
        context.services.engine,
        member,
        month,
        today=member_today(context, member),
        page=page,
        library=policy_library(context.services),
    )
    text = render("ledger_month", view=view, company_name=member.company_name, notice=notice)
    return text, _view_buttons(view)


async def cmd_ledger(update: Update, context: HRContext) -> None:
    """`/ledger [2026-12]`: the month's counts and who is not declared yet."""
    member = await current_member(update, context, Role.HR)
    if member is None:
        return
    arg = " ".join(context.args or []).strip()
    today = member_today(context, member)
    month = parse_month(arg, today=today) if arg else month_of(today)
    if month is None:
        await reply(update, render("ledger_usage", text=arg))
        return
    text, buttons = _render_view(context, member, month, 1)
    await reply(update, text, buttons)


async def _edit(update: Update, text: str, buttons: list[list[tuple[str, str]]]) -> None:
    query = update.callback_query
    assert query is not None
    await query.edit_message_text(text, parse_mode=ParseMode.HTML, reply_markup=keyboard(buttons))


async def on_ledger_button(update: Update, context: HRContext) -> None:
    """Every `ledger:` button; company and role are re-checked on each press."""
    member = await current_member(update, context, Role.HR)
    if member is None:
        return
    query = update.callback_query
    assert query is not None
    parts = callback_parts(update)
    action = parts[1]
    today = member_today(context, member)
    engine = context.services.engine
    try:
        if action == "page":
            month = parse_month(parts[2])
            assert month is not None
            await query.answer()
            await _edit(update, *_render_view(context, member, month, int(parts[3])))
        elif action in MARK_LABELS:
            target = MARK_LABELS[action]
            row_id = int(parts[2])
            month = ledger.row_month(engine, member, row_id)
            if month is None:
                raise InputError("❌ 未找到该台账记录，请重新发送 /ledger 查看。")
            result = ledger.mark_month(
                engine, member, month, target, today=today, row_ids=[row_id]
            )
            await query.answer()
            notice = (
                f"✅ {result.name} {month.year}年{month.month}月 已标记为{target.label}。"
                if result.changed
                else f"该员工当前状态不能标记为{target.label}，未改动。"
            )
            await _edit(update, *_render_view(context, member, month, 1, notice))
        elif action == "bulk":
            target = MARK_LABELS[parts[2]]
            month = parse_month(parts[3])
            assert month is not None
            view = ledger.month_view(engine, member, month, today=today)
            movable = {
                LedgerState.DECLARED: view.undeclared_total,
                LedgerState.PAID: view.payable_total,
            }[target]
            await query.answer()
            await _edit(
                update,
                render("ledger_bulk_confirm", month=month, count=movable, label=target.label),
                [
                    [
                        ("✅ 确认", f"ledger:bulkok:{parts[2]}:{parts[3]}"),
                        ("✖️ 取消", f"ledger:page:{parts[3]}:1"),
                    ]
                ],
            )
        elif action == "bulkok":
            target = MARK_LABELS[parts[2]]
            month = parse_month(parts[3])
            assert month is not None
            result = ledger.mark_month(engine, member, month, target, today=today)
            await query.answer()
            await _edit(
                update,
                render(
                    "ledger_bulk_done",
                    result=result,
                    label=target.label,
                    month_key=format_month(month),
                ),
                [[("📒 查看台账", f"ledger:page:{parts[3]}:1")]],
            )
        else:
            await query.answer()
    except InputError as error:
        await query.answer()
        await reply(update, error.html)


async def job_ledger_rollover(context: HRContext) -> None:
    """Create the new month's rows; idempotent, so a missed 1st is caught up on the next run."""
    services = context.services
    now = services.clock.now()
    state = context.job.data if context.job is not None else None
    if isinstance(state, dict):
        last = state.get("last")
        if (
            last is not None
            and (now - last).total_seconds() < 3600
            and ((now.year, now.month) == (last.year, last.month))
        ):
            return
    lock = state["lock"] if isinstance(state, dict) else asyncio.Lock()
    try:
        async with lock:
            result = await asyncio.to_thread(
                ledger.roll_over, services.engine, now=now, library=policy_library(services)
            )
    except Exception:  # a failed tick must not stop the next one
        log.exception("ledger roll-over failed")
        return
    if isinstance(state, dict):
        state["last"] = now
    if result.created:
        log.info("ledger roll-over: %s rows for %s companies", result.created, result.companies)


def schedule_rollover(app: HRApplication) -> None:
    """Run the roll-over at start and on every reminder tick interval (PTB JobQueue)."""
    if app.job_queue is not None:
        data = {"last": None, "lock": asyncio.Lock()}
        # `first=0` on a job added before start is in the past when APScheduler starts and is
        # skipped; the start-up catch-up is its own one-off job that may run late.
        app.job_queue.run_once(
            job_ledger_rollover,
            when=0,
            data=data,
            name=f"{JOB_NAME}_start",
            job_kwargs={"misfire_grace_time": None, "coalesce": True},
        )
        app.job_queue.run_repeating(
            job_ledger_rollover,
            interval=app.services.settings.reminders.tick_seconds,
            first=app.services.settings.reminders.tick_seconds,
            data=data,
            name=JOB_NAME,
        )


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(CommandHandler("ledger", cmd_ledger))
    app.add_handler(CallbackQueryHandler(on_ledger_button, pattern=r"^ledger:"))
