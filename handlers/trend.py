"""/trend (HR, private chat): timeliness vs turnover per department and back-payment cases per
quarter before and after the bot — the numbers with their n, no fitted lines."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CommandHandler

from bot.context import HRContext
from bot.render import render
from bot.services import trend
from handlers.common import member_today, reply
from handlers.kpi import kpi_member


async def cmd_trend(update: Update, context: HRContext) -> None:
    """/trend: the last 12 months' statistics."""
    member = await kpi_member(update, context)
    if member is None:
        return
    report = trend.trend_report(
        context.services.engine,
        member,
        today=member_today(context, member),
        library=context.services.policies.library,
    )
    await reply(update, render("trend", t=report))


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(CommandHandler("trend", cmd_trend))
