"""Telegram I/O only. `register_all` is the single place the wiring imports handlers from."""

from __future__ import annotations

from telegram.ext import Application

from handlers import (
    audit,
    backpay,
    base,
    cases,
    company,
    complaints,
    employees,
    hire,
    kpi,
    leave,
    ledger,
    limits,
    members,
    policy,
    reminders,
    robot,
    start,
    summary,
    todo,
    transfer,
    trend,
)
from handlers.common import refuse_control_text, refuse_unparseable
from handlers.dialog import add_dialogs, add_stale_alerts


def register_all(app: Application) -> None:  # type: ignore[type-arg]
    """Register every feature's handlers; the dialogs first so they see their answers.

    Before them all, the per-user command rate limit (group -3); then one guard answers
    every press whose callback_data does not parse, and one refuses messages carrying control
    characters (a NUL breaks PostgreSQL). The dialogs (/company's switch among them, which ends
    the one left open) share one ConversationHandler (handlers/dialog.py).
    """
    limits.register(app)
    refuse_unparseable(app)
    refuse_control_text(app)
    start.register(app)
    dialogs = [
        company.build_dialog(),
        hire.build_dialog(),
        todo.build_dialog(),
        leave.build_dialog(),
        base.build_dialog(),
        backpay.build_dialog(),
        cases.build_dialog(),
        employees.build_dialog(),
        complaints.build_dialog(),
    ]
    add_dialogs(app, dialogs)
    for feature in (todo, reminders, robot, ledger, transfer, cases, kpi, summary, trend,
                    employees, complaints, audit, members, policy):
        feature.register(app)
    add_stale_alerts(app, dialogs)
