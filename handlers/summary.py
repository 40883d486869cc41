"""/summary: last week's 每周社保简报 — the message, a chart and an .xlsx of the details
(HR: the company; managers: their departments), in private chats only."""

from __future__ import annotations

import asyncio

from telegram import Update
from telegram.ext import Application, CommandHandler

from bot.context import HRContext
from bot.documents.summary_files import summary_files
from bot.render import render
from bot.services import summary
from handlers.common import current_member, member_today, reply
from models.company import Role


async def cmd_summary(update: Update, context: HRContext) -> None:
    """/summary: last week's summary with its chart and workbook."""
    member = await current_member(update, context, Role.HR, Role.MANAGER)
    if member is None or update.effective_message is None:
        return
    services = context.services
    facts = summary.summary_for(
        services.engine,
        member,
        today=member_today(context, member),
        defaults=services.settings.kpi.policy(),
        library=services.policies.library,
    )
    await reply(update, render("summary", s=facts))
    (chart_name, chart), (book_name, workbook) = await asyncio.to_thread(summary_files, facts)
    await update.effective_message.reply_photo(chart, filename=chart_name)
    await update.effective_message.reply_document(workbook, filename=book_name)


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(CommandHandler("summary", cmd_summary))
