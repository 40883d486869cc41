"""Telling HR when a city's policy file changed (after `hrbot policies import`).

The import only records: one audit entry per affected company (holding the summary text) and a
`policy_update` reminder row pointing at it, in one transaction. The running bot's reminder
tick delivers it like any reminder (lease, retries, RetryAfter, Forbidden, once per chat), so a
notice is never lost when the CLI has no token and never sent around that bookkeeping.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine
from sqlmodel import Session

from bot.render import render
from bot.services.reminder_planning import plan_policy_notice
from bot.settings import ReminderConfig as ReminderDefaults
from models import audit
from models.audit import AuditLog
from models.company import Company, companies_in_city
from models.db import unit_of_work
from policies.library import FieldChange, RegionPolicy
from policies.schema import field_label

SUMMARY_LIMIT = 12
"""Changes listed in one chat message; the rest are counted (HR can ask /policy_version)."""

ACTION = "policy_update"
"""The audit action of a recorded policy change; its detail["text"] is the chat message."""


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
    shown = [{"version": c.version_label or c.version, "label": field_label(c.field),
              "old": c.old_text or c.old, "new": c.new_text or c.new}
             for c in changes[:SUMMARY_LIMIT]]
    return render("policy_update", region=region, changes=shown,
                  more=max(0, len(changes) - SUMMARY_LIMIT))


@dataclass(frozen=True)
class AffectedCompany:
    """A company whose HR hear about a region's change (the import lists them by name)."""

    id: int
    name: str
    city: str


def affected_companies(engine: Engine, region: RegionPolicy) -> list[AffectedCompany]:
    """The companies an import of ``region`` would notify (read only; for ``--dry-run``)."""
    with Session(engine) as session:
        return [AffectedCompany(c.id, c.name, c.city) for c in companies_in_region(session, region)
                if c.id is not None]


@dataclass(frozen=True)
class PolicyUpdateRecord:
    company_ids: list[int]
    text: str
    #: When the notices go out, per company (at once in working hours, else the next send time).
    send_at: dict[int, datetime]
    companies: tuple[AffectedCompany, ...] = ()


def record_policy_update(engine: Engine, region: RegionPolicy, changes: list[FieldChange],
                         *, file_name: str, now: datetime,
                         defaults: ReminderDefaults | None = None) -> PolicyUpdateRecord:
    """Record the change for every company in the region and plan a notice to its HR.

    One unit of work: the audit entries and the notice rows commit together, so a notice is
    either planned for every affected company or for none.
    """
    text = summary(region, changes)
    send_at: dict[int, datetime] = {}
    affected: list[AffectedCompany] = []
    with unit_of_work(engine) as session:
        companies = companies_in_region(session, region)
        for company in companies:
            assert company.id is not None
            affected.append(AffectedCompany(company.id, company.name, company.city))
            entry = audit.record(session, company.id, None, ACTION, region=region.key,
                                 file=file_name, changes=len(changes),
                                 fields=[f"{c.version}:{c.field}" for c in changes[:50]],
                                 text=text)
            session.flush()
            assert entry.id is not None
            row = plan_policy_notice(session, company.id, entry.id, now=now, defaults=defaults)
            send_at[company.id] = row.send_at
    return PolicyUpdateRecord(sorted(send_at), text, send_at, tuple(affected))


def notice_text(session: Session, company_id: int, audit_id: int) -> str | None:
    """The recorded summary of a policy notice, or None when the entry is not this company's."""
    entry = session.get(AuditLog, audit_id)
    if entry is None or entry.company_id != company_id or entry.action != ACTION:
        return None
    text = entry.detail.get("text")
    return text if isinstance(text, str) and text else None
