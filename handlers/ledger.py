"""/ledger: one month of the 社保台账 with buttons to mark declared/paid; the roll-over tick."""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from dataclasses import dataclass, field
from datetime import date, datetime

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot.callbacks import (
    Button,
    CaseOpen,
    LedgerBulk,
    LedgerBulkConfirm,
    LedgerMark,
    LedgerPage,
    Mark,
    Month,
    digest,
)
from bot.context import AppServices, HRApplication, HRContext
from bot.parsing import InputError
from bot.render import render
from bot.services import access, ledger
from bot.services.access import Member
from bot.services.errors import DomainError
from handlers.common import (
    answer_stale,
    current_member,
    edit_pressed,
    member_for_button,
    member_today,
    pressed,
    reply,
)
from handlers.refusals import refusal
from models.company import Role
from policies.ledger_rules import LedgerState, format_month, month_of, parse_month
from policies.library import PolicyLibrary

log = logging.getLogger(__name__)

JOB_NAME = "ledger_rollover"
MARK_LABELS = {"decl": LedgerState.DECLARED, "paid": LedgerState.PAID}


def policy_library(services: AppServices) -> PolicyLibrary:
    """The policy library in force (loaded and validated when the application was built)."""
    return services.policies.library


def _view_buttons(view: ledger.MonthView, company_id: int) -> list[list[tuple[str, str]]]:
    month = Month(view.month.year, view.month.month, 1)
    rows: list[list[tuple[str, str]]] = [
        [
            (f"📝 {line.name} 已申报", LedgerMark("decl", line.row_id).data),
            ("💰 已缴纳", LedgerMark("paid", line.row_id).data),
            *([("🧾 办理补缴", CaseOpen(line.employee_id).data)] if line.gap else []),
        ]
        for line in view.undeclared
    ]
    pager = []
    if view.page > 1:
        pager.append(("◀ 上一页", LedgerPage(company_id, month, view.page - 1).data))
    if view.page < view.pages:
        pager.append(("下一页 ▶", LedgerPage(company_id, month, view.page + 1).data))
    rows.append(pager)
    bulk = []
    if view.undeclared_total:
        bulk.append(("📝 全部标记已申报", LedgerBulk(company_id, "decl", month).data))
    if view.payable_total:
        bulk.append(("💰 全部标记已缴纳", LedgerBulk(company_id, "paid", month).data))
    rows.append(bulk)
    return rows


def _bulk_confirm_buttons(
    company_id: int, mark: Mark, month: Month, row_ids: list[int]
) -> list[list[tuple[str, str]]]:
    """✅ names the exact set of rows it will move; ✖️ goes back to the month."""
    shown = digest(format_month(month), mark, *row_ids)
    return [
        [
            ("✅ 确认", LedgerBulkConfirm(company_id, mark, month, shown).data),
            ("✖️ 取消", LedgerPage(company_id, month, 1).data),
        ]
    ]


async def _render_view(
    context: HRContext, member: Member, month: date, page: int, notice: str = ""
) -> tuple[str, list[list[tuple[str, str]]]]:
    view = await context.db(
        ledger.month_view,
        context.services.engine,
        member,
        month,
        today=member_today(context, member),
        page=page,
        library=policy_library(context.services),
    )
    text = render("ledger_month", view=view, company_name=member.company_name, notice=notice)
    return text, _view_buttons(view, member.company_id)


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
    text, buttons = await _render_view(context, member, month, 1)
    await reply(update, text, buttons)


async def _edit(update: Update, text: str, buttons: list[list[tuple[str, str]]]) -> None:
    query = update.callback_query
    assert query is not None
    await edit_pressed(update, text, buttons)


async def on_ledger_button(update: Update, context: HRContext) -> None:
    """Every `ledger:` button; company and role are re-checked on each press.

    Every button acts in the company it was made for, not the presser's current one: a row's
    in the row's company (if the presser is HR there), a month's or bulk one in the company
    it names."""
    button = pressed(update, Button)
    if isinstance(button, LedgerMark):
        user = update.effective_user
        assert user is not None
        company_id = access.company_for_row(
            context.services.engine, user.id, "ledger", button.row_id
        )
        member = await current_member(update, context, Role.HR, company_id=company_id)
    elif isinstance(button, LedgerPage | LedgerBulk | LedgerBulkConfirm):
        member = await member_for_button(update, context, button.company_id, Role.HR)
    else:
        await answer_stale(update)
        return
    if member is None:
        return
    query = update.callback_query
    assert query is not None
    today = member_today(context, member)
    engine = context.services.engine
    try:
        if isinstance(button, LedgerPage):
            await query.answer()
            await _edit(update, *await _render_view(context, member, button.month, button.page))
        elif isinstance(button, LedgerMark):
            target = MARK_LABELS[button.mark]
            month = ledger.row_month(engine, member, button.row_id)
            if month is None:
                raise InputError("❌ 未找到该台账记录，请重新发送 /ledger 查看。")
            result = ledger.mark_month(
                engine, member, month, target, today=today, row_ids=[button.row_id]
            )
            await query.answer()
            notice = (
                f"✅ {result.name} {month.year}年{month.month}月 已标记为{target.label}。"
                if result.changed
                else f"该员工当前状态不能标记为{target.label}，未改动。"
            )
            await _edit(update, *await _render_view(context, member, month, 1, notice))
        elif isinstance(button, LedgerBulk):
            target = MARK_LABELS[button.mark]
            row_ids = ledger.movable_rows(engine, member, button.month, target)
            await query.answer()
            skipped, skipped_total = (
                ledger.registration_open(engine, member, button.month)
                if target is LedgerState.PAID
                else ([], 0)
            )
            await _edit(
                update,
                render(
                    "ledger_bulk_confirm",
                    month=button.month,
                    count=len(row_ids),
                    label=target.label,
                    skipped=skipped,
                    skipped_total=skipped_total,
                ),
                _bulk_confirm_buttons(member.company_id, button.mark, button.month, row_ids),
            )
        elif isinstance(button, LedgerBulkConfirm):
            await _bulk_confirm(update, context, member, button)
        else:
            await answer_stale(update)
    except (InputError, DomainError) as error:
        await query.answer()
        await reply(update, refusal(error))


async def _bulk_confirm(
    update: Update, context: HRContext, member: Member, button: LedgerBulkConfirm
) -> None:
    """Mark exactly the rows the confirmation counted; if the month changed since, say so and
    ask again with the new count instead of marking rows HR never saw."""
    query = update.callback_query
    assert query is not None
    engine = context.services.engine
    target = MARK_LABELS[button.mark]
    row_ids = ledger.movable_rows(engine, member, button.month, target)
    if digest(format_month(button.month), button.mark, *row_ids) != button.shown:
        await query.answer()
        await _edit(
            update,
            render(
                "ledger_bulk_changed", month=button.month, count=len(row_ids), label=target.label
            ),
            _bulk_confirm_buttons(member.company_id, button.mark, button.month, row_ids),
        )
        return
    result = ledger.mark_month(
        engine,
        member,
        button.month,
        target,
        today=member_today(context, member),
        row_ids=row_ids,
    )
    skipped, skipped_total = (
        ledger.registration_open(engine, member, button.month)
        if target is LedgerState.PAID
        else ([], 0)
    )
    await query.answer()
    await _edit(
        update,
        render(
            "ledger_bulk_done",
            result=result,
            skipped=skipped,
            skipped_total=skipped_total,
            label=target.label,
            month_key=format_month(button.month),
        ),
        [[("📒 查看台账", LedgerPage(member.company_id, button.month, 1).data)]],
    )


@dataclass(frozen=True)
class RolloverJobState:
    """What the start-up roll-over and the repeating one share through PTB's ``job.data``.

    Typed, so a job reads named fields instead of string keys. The fields never change: one
    lock, so the two jobs never run the roll-over at once, and a one-slot record of when the
    last run finished, which the next run reads to skip a pass within the hour (and month).
    """

    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    finished: deque[datetime] = field(default_factory=lambda: deque(maxlen=1))

    @property
    def last_finished(self) -> datetime | None:
        return self.finished[-1] if self.finished else None

    def ran_recently(self, now: datetime) -> bool:
        """A run finished less than an hour ago in the same month: nothing new to create."""
        last = self.last_finished
        return (
            last is not None
            and (now - last).total_seconds() < 3600
            and (now.year, now.month) == (last.year, last.month)
        )


async def job_ledger_rollover(context: HRContext) -> None:
    """Create the new month's rows; idempotent, so a missed 1st is caught up on the next run."""
    services = context.services
    now = services.clock.now()
    data = context.job.data if context.job is not None else None
    state = data if isinstance(data, RolloverJobState) else RolloverJobState()
    if state.ran_recently(now):
        return
    # The first run after start catches up on everything (downtime, older records); later
    # runs only need last month and this one, since every writer completes its own months.
    full = state.last_finished is None
    try:
        async with state.lock:
            result = await asyncio.to_thread(
                ledger.roll_over,
                services.engine,
                now=now,
                library=policy_library(services),
                full=full,
            )
    except Exception:  # a failed tick must not stop the next one
        log.exception("ledger roll-over failed")
        return
    state.finished.append(now)
    if result.created:
        log.info("ledger roll-over: %s rows for %s companies", result.created, result.companies)


def schedule_rollover(app: HRApplication) -> None:
    """Run the roll-over at start and on every reminder tick interval (PTB JobQueue)."""
    if app.job_queue is not None:
        data = RolloverJobState()
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
