"""What every callback can reach: the services object on the Application, typed."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine
from telegram.ext import Application, CallbackContext, ExtBot

from bot.clock import Clock
from bot.policy_store import WatchedPolicyStore
from bot.settings import Settings


@dataclass
class AppServices:
    """Long-lived collaborators built once by build_application, never at import time."""

    settings: Settings
    engine: Engine
    clock: Clock
    #: The per-city policy library in force (reloaded when a newer file is installed).
    policies: WatchedPolicyStore
    #: Extension point for later capabilities (policy store, notifier …), keyed by name.
    extras: dict[str, Any] = field(default_factory=dict)


class HRApplication(Application):  # type: ignore[type-arg]
    """An Application that carries `services` instead of hiding them in bot_data."""

    def __init__(self, *, services: AppServices, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.services = services


class HRContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    @property
    def services(self) -> AppServices:
        application = self.application
        assert isinstance(application, HRApplication)
        return application.services
