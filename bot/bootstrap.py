"""The composition root of the outbox: channels, the presenter and the reminder scheduler.

The one place that builds them and schedules the tick (PTB JobQueue): services get their
collaborators passed in, handlers only do Telegram I/O. bot/app.py calls `register_channels`
for every Application and `schedule_reminders` when it runs a scheduler.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from bot.channels.base import Channel, ChannelKind
from bot.channels.present import present
from bot.channels.robot_channels import build_robot_channels
from bot.channels.telegram import TelegramChannel
from bot.context import AppServices, HRApplication, HRContext
from bot.documents.summary_files import notification_files
from bot.services.ledger import deadline_holiday_gap, declaration_deadline, obligation_due
from bot.services.reminder_delivery import ReminderScheduler, SummaryInputs, late_fee_estimator
from bot.services.robots import DatabaseRobotTargets
from models.sealed import secret_box_of

log = logging.getLogger(__name__)

JOB_NAME = "reminder_tick"
#: Reminders the tick has in flight at once (PTB's rate limiter paces the sends).
SENDING_IN_PARALLEL = 8


def register_channels(application: HRApplication) -> None:
    """One adapter per channel kind in `services.channels`: Telegram, and the WeCom / Feishu /
    DingTalk robots with the secret box that decrypts their URLs (deep links name this bot).
    A kind left out is skipped by the tick with a log line."""
    services = application.services
    settings = services.settings
    # One key per installation: the engine's, which seals 身份证 too (models/sealed.py).
    box = secret_box_of(services.engine)
    services.secret_box = box
    services.channels[ChannelKind.TELEGRAM] = TelegramChannel(application.bot)
    services.channels.update(build_robot_channels(
        DatabaseRobotTargets(services.engine, box),
        bot_username=lambda: application.bot.username,
        allow_local=settings.robots.allow_local_webhooks,
        timeout=settings.robots.timeout_seconds,
    ))


def build_scheduler(
    services: AppServices, channels: Mapping[ChannelKind, Channel]
) -> ReminderScheduler:
    """The reminder scheduler with the policy library in force for deadlines and late fees."""
    return ReminderScheduler(
        services.engine,
        services.clock,
        channels,
        services.settings.reminders,
        present=present,
        # The city's deadline and late fee from the policy library in force (asked at each
        # call, so a library reloaded by `hrbot policies import` is used).
        month_due=lambda city, month: declaration_deadline(services.policies.library, city, month),
        late_fee=late_fee_estimator(lambda: services.policies.library),
        holiday_gap=lambda city, month: deadline_holiday_gap(services.policies.library, city,
                                                             month),
        # The weekly summary: config.toml [kpi] and the one due rule (first-month rule too),
        # and its chart and workbook sent after the text to private chats.
        summary=SummaryInputs(
            services.settings.kpi.policy(),
            lambda city, month, first_day: obligation_due(
                services.policies.library, city, month, first_day
            ).due,
        )
        if services.settings.kpi.weekly_summary
        else None,
        attachments=notification_files,
        # A few in flight so PTB's rate limiter (30 msg/s), not round trips, paces delivery.
        parallel=SENDING_IN_PARALLEL,
    )


async def job_reminder_tick(context: HRContext) -> None:
    """Claim and send due reminders; the database, not this job, remembers what is due."""
    scheduler = context.services.reminders
    if scheduler is None:
        return
    try:
        report = await scheduler.tick()
    except Exception:  # a failed tick must not stop the next one
        log.exception("reminder tick failed")
        return
    if report.claimed:
        log.info("reminder tick: claimed %s, %s", report.claimed, report.results)


def schedule_reminders(application: HRApplication) -> ReminderScheduler:
    """Build the scheduler and run its tick at start and every `reminders.tick_seconds`."""
    services = application.services
    if ChannelKind.TELEGRAM not in services.channels:
        register_channels(application)
    scheduler = build_scheduler(services, services.channels)
    services.reminders = scheduler
    if application.job_queue is not None:
        # Jobs are added before the Application starts, so `first=0` would already be in the
        # past when APScheduler starts and the interval trigger would skip it; the start-up run
        # (the catch-up after downtime) is therefore its own one-off job that may run late.
        never_skip = {"misfire_grace_time": None, "coalesce": True}
        application.job_queue.run_once(
            job_reminder_tick, when=0, name=f"{JOB_NAME}_start", job_kwargs=never_skip
        )
        application.job_queue.run_repeating(
            job_reminder_tick,
            interval=services.settings.reminders.tick_seconds,
            first=services.settings.reminders.tick_seconds,
            name=JOB_NAME,
            job_kwargs=never_skip,
        )
    return scheduler
