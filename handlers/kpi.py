"""/kpi (社保绩效考核 of a month, quarter or year) and /kpi_settings (view or change the
weights, targets and deductions); HR admins only (issue 13; docs/roles.md), in private chats
(the report names employees). /trend shares the check."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CommandHandler

from bot.context import HRContext
from bot.render import render
from bot.services import kpi
from bot.services.access import Member, is_hr_admin
from bot.services.errors import DomainError, NotHrAdmin
from handlers.common import current_member, member_today, reply
from handlers.refusals import refusal
from models.company import Role
from policies.kpi import current_month, parse_period

#: Departments a /kpi reply lists in full; Telegram refuses messages over 4,096 characters.
DEPARTMENTS_SHOWN = 12


async def kpi_member(update: Update, context: HRContext) -> Member | None:
    """The one check for the KPI commands: an HR admin of the current company, in a private
    chat — scores judge HR's own work, so plain HR read them through their admin."""
    member = await current_member(update, context, Role.HR)
    if member is None:
        return None
    if not is_hr_admin(member):
        await reply(update, refusal(NotHrAdmin()))
        return None
    return member


async def cmd_kpi(update: Update, context: HRContext) -> None:
    """/kpi [2026-11 | 2026Q4 | 2026]: HR's and each department's score with the events."""
    member = await kpi_member(update, context)
    if member is None:
        return
    text = " ".join(context.args or [])
    period = parse_period(text) if text else current_month(member_today(context, member))
    if period is None:
        await reply(update, render("kpi_usage", text=text))
        return
    services = context.services
    report = kpi.kpi_report(
        services.engine,
        member,
        period,
        today=member_today(context, member),
        defaults=services.settings.kpi.policy(),
        library=services.policies.library,
    )
    await reply(update, render("kpi_report", r=report, limit=DEPARTMENTS_SHOWN))


async def cmd_kpi_settings(update: Update, context: HRContext) -> None:
    """/kpi_settings shows the KPI settings; /kpi_settings <项目> <数值> changes one."""
    member = await kpi_member(update, context)
    if member is None:
        return
    services = context.services
    defaults = services.settings.kpi.policy()
    args = context.args or []
    if not args:
        current = kpi.company_kpi_settings(services.engine, member, defaults)
        await reply(update, render("kpi_settings", s=current, names=kpi.SETTING_NAMES))
        return
    name, value = args[0], " ".join(args[1:])
    try:
        updated = kpi.change_kpi_setting(
            services.engine, member, name, value, defaults=defaults, now=services.clock.now()
        )
    except DomainError as refused:
        await reply(update, refusal(refused))
        return
    await reply(update, render("kpi_settings_changed", name=name, value=getattr(updated, name)))


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(CommandHandler("kpi", cmd_kpi))
    app.add_handler(CommandHandler("kpi_settings", cmd_kpi_settings))
