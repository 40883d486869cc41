"""Telling HR when a city's policy file changed (after `hrbot policies import`).

The change is recorded in each affected company's audit log first, so it is known even when
no message can go out; then a summary goes to each company's HR through the notify interface.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine
from sqlmodel import Session

from bot.render import render
from bot.services.notify import Channel, DeliveryError, Notification, notify_hr
from models import audit
from models.company import Company, companies_in_city
from models.db import unit_of_work
from policies.library import FieldChange, RegionPolicy
from policies.schema import field_label

SUMMARY_LIMIT = 12
"""Changes listed in one chat message; the rest are counted (HR can ask /policy_version)."""


def companies_in_region(session: Session, region: RegionPolicy) -> list[Company]:
    """Companies whose city is the region under any of its names (北京 / 北京市)."""
    found: dict[int, Company] = {}
    for name in {region.city, *region.aliases, f"{region.city}市"}:
        for company in companies_in_city(session, name):
            assert company.id is not None
            found[company.id] = company
    return [found[key] for key in sorted(found)]


def summary(region: RegionPolicy, changes: list[FieldChange]) -> str:
    """The chat message (HTML) summarising the changes of one region."""
    shown = [{"version": c.version, "label": field_label(c.field), "old": c.old, "new": c.new}
             for c in changes[:SUMMARY_LIMIT]]
    return render("policy_update", region=region, changes=shown,
                  more=max(0, len(changes) - SUMMARY_LIMIT))


@dataclass(frozen=True)
class PolicyUpdateRecord:
    company_ids: list[int]
    text: str


def record_policy_update(engine: Engine, region: RegionPolicy, changes: list[FieldChange],
                         *, file_name: str) -> PolicyUpdateRecord:
    """Write one audit entry per company in the region; returns them and the message text."""
    with unit_of_work(engine) as session:
        companies = companies_in_region(session, region)
        for company in companies:
            assert company.id is not None
            audit.record(session, company.id, None, "policy_update", region=region.key,
                         file=file_name, changes=len(changes),
                         fields=[f"{c.version}:{c.field}" for c in changes[:50]])
        ids = [c.id for c in companies if c.id is not None]
    return PolicyUpdateRecord(ids, summary(region, changes))


async def notify_policy_update(channel: Channel, engine: Engine,
                               record: PolicyUpdateRecord) -> dict[int, int]:
    """Send the summary to every HR of the affected companies; returns messages per company.

    A company whose HR cannot be reached gets 0 and the others still receive theirs.
    """
    sent: dict[int, int] = {}
    for company_id in record.company_ids:
        try:
            ids = await notify_hr(channel, engine, company_id, Notification(record.text))
        except DeliveryError:
            ids = []
        sent[company_id] = len(ids)
    return sent
