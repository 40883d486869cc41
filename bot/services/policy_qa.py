"""The policy library in force for the bot, and policy questions asked in chat.

The library is loaded once at start (handlers.policy.register puts a PolicyStore into the
application's services) and reloaded when `hrbot policies import` has installed a newer file,
so a running bot answers with what is in force without a restart; a bad file is never loaded.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine
from sqlmodel import Session

from bot.settings import Settings

if TYPE_CHECKING:
    from bot.context import AppServices
from models.company import Company, active_membership
from policies.contributions import unconfirmed_figures
from policies.library import (
    DEFAULT_DIRECTORY,
    NoVersionInForce,
    PolicyFileError,
    PolicyLibrary,
    PolicyStore,
)
from policies.qa import Answer, NoAnswer, qa_for, render_item

log = logging.getLogger(__name__)

STORE_KEY = "policies"
"""Key of the PolicyStore in AppServices.extras."""


def policy_directory(settings: Settings) -> Path:
    """`[policies] directory`, or the files shipped in policies/data when empty."""
    configured = settings.policies.directory.strip()
    return Path(configured) if configured else DEFAULT_DIRECTORY


class WatchedPolicyStore(PolicyStore):
    """A PolicyStore that picks up files changed on disk (by `hrbot policies import`)."""

    def __init__(self, directory: Path) -> None:
        super().__init__(PolicyStore.load(directory).library, directory)
        self._stamp = self._fingerprint()

    def _fingerprint(self) -> tuple[tuple[str, int, int], ...]:
        assert self.directory is not None
        return tuple((p.name, p.stat().st_mtime_ns, p.stat().st_size)
                     for p in sorted(self.directory.glob("*.toml")))

    @property
    def library(self) -> PolicyLibrary:
        """The library in force, reloaded first if the directory changed and is valid."""
        return self.current()

    def current(self) -> PolicyLibrary:
        stamp = self._fingerprint()
        if stamp != self._stamp:
            self._stamp = stamp
            try:
                assert self.directory is not None
                self.replace_from(self.directory)
                log.info("policy library reloaded from %s", self.directory)
            except PolicyFileError as error:
                log.error("policy files changed but are invalid, keeping those in force: %s",
                          error)
        return self._library


def load_policy_store(settings: Settings) -> WatchedPolicyStore:
    return WatchedPolicyStore(policy_directory(settings))


def policy_store(services: AppServices) -> WatchedPolicyStore:
    """The store kept in the application's services (loaded at start by handlers.policy)."""
    store = services.extras.get(STORE_KEY)
    if not isinstance(store, WatchedPolicyStore):
        store = load_policy_store(services.settings)
        services.extras[STORE_KEY] = store
    return store


def local_today(now: datetime, timezone: str = "Asia/Shanghai") -> date:
    return now.astimezone(ZoneInfo(timezone)).date()


@dataclass(frozen=True)
class AskerContext:
    """What we know about the person asking: their company's city and time zone, if any."""

    city: str | None
    timezone: str


def asker_context(engine: Engine, telegram_user_id: int) -> AskerContext:
    """The asker's company city (default city for questions); anyone may ask without one."""
    with Session(engine) as session:
        membership = active_membership(session, telegram_user_id)
        if membership is None:
            return AskerContext(None, "Asia/Shanghai")
        company = session.get(Company, membership.company_id)
        if company is None:
            return AskerContext(None, "Asia/Shanghai")
        return AskerContext(company.city, company.timezone)


def ask(store: WatchedPolicyStore, engine: Engine, telegram_user_id: int, question: str,
        now: datetime) -> Answer | NoAnswer:
    """Answer a question in the asker's company city unless the question names another."""
    asker = asker_context(engine, telegram_user_id)
    library = store.current()
    return qa_for(library).answer(question, asker.city, today=local_today(now, asker.timezone))


def answer_topic(store: WatchedPolicyStore, engine: Engine, telegram_user_id: int, topic: str,
                 city: str | None, now: datetime) -> Answer:
    asker = asker_context(engine, telegram_user_id)
    library = store.current()
    return qa_for(library).answer_topic(topic, city or asker.city,
                                        today=local_today(now, asker.timezone))


def versions_in_force(library: PolicyLibrary, city: str | None, today: date) -> dict[str, Any]:
    """Template context for /policy_version: every region's version today, details for one."""
    rows = []
    for region in sorted(library.regions.values(), key=lambda r: (not r.is_national, r.key)):
        try:
            version = region.version_for(today)
        except NoVersionInForce:
            continue
        rows.append({
            "city": region.city,
            "label": version.label,
            "start": version.effective_from.isoformat(),
            "end": version.effective_to.isoformat() if version.effective_to else None,
            "unconfirmed": version.unconfirmed,
        })
    own = None
    region = library.region_or_national(city)
    try:
        version = region.version_for(today)
    except NoVersionInForce:
        version = None
    if version is not None:
        checked = max(f.source.checked for f in (version.base.floor, version.base.ceiling))
        own = {
            "city": region.city,
            "note": version.note,
            "floor": render_item("base.floor", version.base.floor),
            "ceiling": render_item("base.ceiling", version.base.ceiling),
            "deadline": region.declaration_deadline(today),
            "unconfirmed_figures": unconfirmed_figures(version),
            "checked": checked.isoformat(),
        }
    return {"rows": rows, "own": own}
