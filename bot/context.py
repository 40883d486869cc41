"""What every callback can reach: the services object on the Application, typed."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

from sqlalchemy import Engine
from telegram.ext import Application, CallbackContext, ExtBot

from bot.channels.base import Channel, ChannelKind
from bot.clock import Clock
from bot.persistence import transaction_of
from bot.policy_store import WatchedPolicyStore
from bot.rate_limit import CommandRateLimiter
from bot.secret_box import SecretBox
from bot.settings import Settings

P = ParamSpec("P")
R = TypeVar("R")

if TYPE_CHECKING:
    from bot.services.reminder_delivery import ReminderScheduler


@dataclass
class AppServices:
    """Long-lived collaborators built once by build_application, never at import time."""

    settings: Settings
    engine: Engine
    clock: Clock
    #: The per-city policy library in force (reloaded when a newer file is installed).
    policies: WatchedPolicyStore
    #: The reminder scheduler, set when the tick is scheduled (bot/app.py schedule_jobs).
    reminders: ReminderScheduler | None = None
    #: Encrypts secrets at rest (robot webhook URLs); its key is read when first needed.
    secret_box: SecretBox | None = None
    #: The delivery channels by kind (bot/bootstrap.py register_channels fills it).
    channels: dict[ChannelKind, Channel] = field(default_factory=dict)
    #: Commands per user per window ([limits]); handlers/limits.py applies it to every update.
    command_limits: CommandRateLimiter = field(
        default_factory=lambda: CommandRateLimiter(0, 1))


class HRApplication(Application):  # type: ignore[type-arg]
    """An Application that carries `services` instead of hiding them in bot_data."""

    def __init__(self, *, services: AppServices, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.services = services

    async def update_persistence(self) -> None:
        """PTB's flush, with every row it writes committed in one transaction."""
        if self.persistence is None:
            return
        async with transaction_of(self.persistence):
            await super().update_persistence()


class HRContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    @property
    def services(self) -> AppServices:
        application = self.application
        assert isinstance(application, HRApplication)
        return application.services

    async def db(self, work: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
        """Run a service call (blocking database work) in a worker thread.

        This is the boundary between the event loop and the database: with concurrent
        updates, a slow query in one chat must not stall every other chat's replies.
        """
        return await asyncio.to_thread(work, *args, **kwargs)
