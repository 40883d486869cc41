"""Telegram I/O only. `register_all` is the single place the wiring imports handlers from."""

from __future__ import annotations

from telegram.ext import Application

from handlers import (
    backpay,
    base,
    cases,
    company,
    hire,
    leave,
    ledger,
    policy,
    reminders,
    robot,
    start,
    todo,
    transfer,
)
from handlers.common import refuse_control_text, refuse_unparseable


def register_all(app: Application) -> None:  # type: ignore[type-arg]
    """Register every feature's handlers; conversations first so they see their answers.

    Before them all, one guard answers every press whose callback_data does not parse, and
    one refuses messages carrying control characters (a NUL breaks PostgreSQL).
    """
    refuse_unparseable(app)
    refuse_control_text(app)
    features = (start, company, hire, todo, reminders, robot, ledger, leave, base, transfer,
                backpay, cases)
    for feature in (*features, policy):
        feature.register(app)
