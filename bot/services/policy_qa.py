"""Policy questions asked in chat, answered from the library in force (bot/policy_store.py)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine
from sqlmodel import Session

from bot.policy_store import WatchedPolicyStore, load_policy_store, policy_directory

if TYPE_CHECKING:
    from bot.context import AppServices
from models.company import Company, active_membership
from policies.contributions import unconfirmed_figures
from policies.library import (
    NoVersionInForce,
    PolicyLibrary,
)
from policies.qa import Answer, Comparison, NoAnswer, qa_for, render_item
from policies.timezones import DEFAULT_TIMEZONE, today_in
from policies.workdays import calendar_caveat

log = logging.getLogger(__name__)

__all__ = ["WatchedPolicyStore", "load_policy_store", "policy_directory", "policy_store"]


def policy_store(services: AppServices) -> WatchedPolicyStore:
    """The store built with the application (kept for callers written before it was a field)."""
    return services.policies

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
            return AskerContext(None, DEFAULT_TIMEZONE)
        company = session.get(Company, membership.company_id)
        if company is None:
            return AskerContext(None, DEFAULT_TIMEZONE)
        return AskerContext(company.city, company.timezone)


def ask(store: WatchedPolicyStore, engine: Engine, telegram_user_id: int, question: str,
        now: datetime) -> Answer | NoAnswer | Comparison:
    """Answer a question in the asker's company city unless the question names another."""
    asker = asker_context(engine, telegram_user_id)
    library = store.current()
    return qa_for(library).answer(question, asker.city, today=today_in(asker.timezone, now))


def answer_topic(store: WatchedPolicyStore, engine: Engine, telegram_user_id: int, topic: str,
                 city: str | None, now: datetime) -> Answer:
    asker = asker_context(engine, telegram_user_id)
    library = store.current()
    return qa_for(library).answer_topic(topic, city or asker.city,
                                        today=today_in(asker.timezone, now))


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
        source_dates = sorted({f.source.dated for f in (version.base.floor, version.base.ceiling)})
        deadline = region.declaration_deadline(today)
        next_deadline = None
        if deadline < today:  # this month's has passed: HR act on the next one
            next_month = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
            try:
                next_deadline = region.declaration_deadline(next_month)
            except NoVersionInForce:
                next_deadline = None
        own = {
            "city": region.city,
            "note": version.note,
            "floor": render_item("base.floor", version.base.floor),
            "ceiling": render_item("base.ceiling", version.base.ceiling),
            "deadline": deadline,
            "deadline_passed": deadline < today,
            "deadline_unconfirmed": (version.deadline.unconfirmed
                                     or version.deadline.on_holiday.unconfirmed),
            "deadline_caveat": calendar_caveat(deadline),
            "next_deadline": next_deadline,
            "uncovered": city if city and region.is_national and city not in (
                region.city, *region.aliases) else None,
            "unconfirmed_figures": unconfirmed_figures(version),
            "source_dates": source_dates,
        }
    return {"rows": rows, "own": own}
