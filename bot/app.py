"""Wiring: build the Application from settings. Never runs it (bot/cli.py does)."""

from __future__ import annotations

import asyncio
import html
import logging
import traceback

from sqlalchemy import Engine
from telegram import Update
from telegram.ext import (
    Application,
    ApplicationBuilder,
    ContextTypes,
    TypeHandler,
)

import handlers
import handlers.menu
from bot.bootstrap import register_channels, schedule_reminders
from bot.clock import Clock, SystemClock
from bot.context import AppServices, HRApplication, HRContext
from bot.persistence import DatabasePersistence
from bot.policy_store import load_policy_store
from bot.rate_limit import CommandRateLimiter
from bot.secret_box import settings_box
from bot.send_lanes import SendLanes
from bot.services import operations
from bot.settings import Settings
from bot.update_order import PerChatUpdateProcessor
from models.db import make_engine, upgrade_schema

log = logging.getLogger(__name__)

#: Placeholder used only when no token is configured and the bot talks to a local server.
LOCAL_TOKEN = "123456:LOCAL-TEST-TOKEN"


async def persist_now(update: object, context: HRContext) -> None:
    """Flush conversation state and user data after every update, so a crash loses nothing."""
    await context.application.update_persistence()


async def on_error(update: object, context: HRContext) -> None:
    """Log without personal data and tell the user something went wrong, not what."""
    error = context.error
    # Only the type and the frames: an exception's text may quote what the user typed.
    frames = "".join(traceback.format_tb(error.__traceback__)) if error else ""
    log.error(
        "unhandled %s while processing update %s\n%s",
        type(error).__name__,
        getattr(update, "update_id", "?"),
        frames,
    )
    if isinstance(update, Update) and update.effective_chat is not None:
        try:
            await update.effective_chat.send_message(
                html.escape(
                    "抱歉，处理您的请求时出错，未保存任何更改。"
                    "请稍后重试，或发送 /cancel 重新开始。"
                )
            )
        except Exception:
            log.warning("could not tell the user about the error")


async def _close_channels(application: Application) -> None:  # type: ignore[type-arg]
    """Close the robots' HTTP clients when the Application shuts down."""
    if isinstance(application, HRApplication):
        for channel in application.services.channels.values():
            close = getattr(channel, "aclose", None)
            if close is not None:
                await close()


async def _post_init(application: Application) -> None:  # type: ignore[type-arg]
    """Command menus: strangers' default one and every bound user's own where it changed
    (handlers/menu.py), in the background: post_init runs before PTB fetches updates."""
    handlers.menu.schedule_menu_catch_up(application)


def build_application(
    settings: Settings,
    *,
    engine: Engine | None = None,
    clock: Clock | None = None,
    base_url: str | None = None,
    base_file_url: str | None = None,
    token: str | None = None,
    migrate: bool = True,
    persistence_interval: float = 60,
    updates: bool = True,
    scheduler: bool = True,
) -> HRApplication:
    """Build a ready-to-run Application; the schema is upgraded first unless told otherwise.

    `updates=False` is a scheduler worker (`hrbot worker`): no updater, no handlers and no
    conversation persistence, so it never overwrites the update process's saved state.
    `scheduler=False` is an update process beside such workers (`hrbot run --no-scheduler`):
    no reminder tick and no roll-over jobs.
    """
    engine = engine or make_engine(settings.database.url, echo=settings.database.echo,
                                   secret_box=settings_box(settings))
    if migrate:
        upgrade_schema(engine)
    services = AppServices(
        settings=settings,
        engine=engine,
        clock=clock or SystemClock(),
        policies=load_policy_store(settings),
        command_limits=CommandRateLimiter(settings.limits.commands,
                                          settings.limits.per_seconds),
    )
    if token is None:
        secret = settings.telegram.token
        token = secret.get_secret_value() if secret else LOCAL_TOKEN
    builder = (
        ApplicationBuilder()
        .application_class(HRApplication, kwargs={"services": services})
        .token(token)
        .base_url(base_url or settings.telegram.base_url)
        .base_file_url(base_file_url or settings.telegram.base_file_url)
        .context_types(ContextTypes(context=HRContext))
        .concurrent_updates(PerChatUpdateProcessor(settings.telegram.concurrent_updates))
        # Telegram's limits, replies before reminders; RetryAfter propagates (bot/send_lanes.py).
        .rate_limiter(SendLanes(overall_max_rate=settings.telegram.send_rate))
    )
    if updates:
        builder = builder.persistence(
            DatabasePersistence(engine, update_interval=persistence_interval)
        ).post_init(_post_init)
    else:
        builder = builder.updater(None)
    builder = builder.post_shutdown(_close_channels)
    application: HRApplication = builder.build()  # type: ignore[assignment]
    register_channels(application)
    if updates:
        handlers.register_all(application)
        application.add_handler(TypeHandler(Update, persist_now), group=99)
    application.add_error_handler(on_error)
    if scheduler:
        schedule_jobs(application, mode="run" if updates else "worker")
    return application


def schedule_jobs(application: HRApplication, *, mode: str = "run") -> None:
    """Periodic ticks (reminders, ledger roll-over …); the database is their source of truth."""
    schedule_reminders(application)
    handlers.ledger.schedule_rollover(application)
    schedule_heartbeat(application, mode)


async def job_heartbeat(context: HRContext) -> None:
    """Record that this scheduler process is ticking, for `hrbot status` (off the event loop)."""
    job = context.job
    assert job is not None
    services = context.services
    worker, mode, started_at = job.data  # type: ignore[misc]
    try:
        await asyncio.to_thread(operations.record_tick, services.engine, worker, mode,
                                started_at, services.clock.now())
    except Exception:  # a missed heartbeat must not stop the scheduler
        log.warning("could not record the scheduler heartbeat")


def schedule_heartbeat(application: HRApplication, mode: str) -> None:
    if application.job_queue is None:
        return
    services = application.services
    data = (operations.worker_name(), mode, services.clock.now())
    interval = services.settings.reminders.tick_seconds
    never_skip = {"misfire_grace_time": None, "coalesce": True}
    application.job_queue.run_once(job_heartbeat, when=0, data=data,
                                   name="heartbeat_start", job_kwargs=never_skip)
    application.job_queue.run_repeating(job_heartbeat, interval=interval, first=interval,
                                        data=data, name="heartbeat", job_kwargs=never_skip)
