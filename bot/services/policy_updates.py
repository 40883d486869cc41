"""Telling HR when a city's policy file changed (after `hrbot policies import`).

The import only records: one audit entry per affected company (holding the changes) and a
`policy_update` reminder row pointing at it, in one transaction. The running bot's reminder
tick delivers it like any reminder (lease, retries, RetryAfter, Forbidden, once per endpoint),
so a notice is never lost when the CLI has no token and never sent around that bookkeeping.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine
from sqlmodel import Session

from bot.services.notifications import PolicyChange, PolicyChangeFacts
from bot.services.reminder_planning import plan_policy_notice
from bot.settings import ReminderConfig as ReminderDefaults
from models import audit
from models.audit import AuditLog
from models.company import Company, companies_in_city
from models.db import unit_of_work
from policies.library import CITY_SUFFIX, FieldChange, RegionPolicy
from policies.schema import field_label

SUMMARY_LIMIT = 12
"""Changes listed in one chat message; the rest are counted (HR can ask /policy_version)."""

ACTION = "policy_update"
"""The audit action of a recorded policy change; its detail["notice"] holds the facts the
message is made from (entries before issue 10 hold the message itself in detail["text"])."""


def companies_in_region(session: Session, region: RegionPolicy) -> list[Company]:
    """Companies whose city is the region under any of its names (北京 / 北京市)."""
    found: dict[int, Company] = {}
    for name in {region.city, *region.aliases, region.city + CITY_SUFFIX}:
        for company in companies_in_city(session, name):
            assert company.id is not None
            found[company.id] = company
    return [found[key] for key in sorted(found)]


def change_facts(region: RegionPolicy, changes: list[FieldChange]) -> PolicyChangeFacts:
    """What HR are told about the changes of one region: the first `SUMMARY_LIMIT` changes
    as they read them (version labels, values as chat answers show them), the rest counted."""
    shown = tuple(
        PolicyChange(c.version_label or c.version, field_label(c.field),
                     c.old_text or c.old, c.new_text or c.new)
        for c in changes[:SUMMARY_LIMIT]
    )
    return PolicyChangeFacts(region.city, shown, max(0, len(changes) - SUMMARY_LIMIT))


def _stored(facts: PolicyChangeFacts) -> dict[str, object]:
    return {"city": facts.city, "more": facts.more,
            "changes": [[c.version, c.label, c.old, c.new] for c in facts.changes]}


def _loaded(stored: dict[str, object]) -> PolicyChangeFacts | None:
    city, more, changes = stored.get("city"), stored.get("more"), stored.get("changes")
    if not isinstance(city, str) or not isinstance(more, int) or not isinstance(changes, list):
        return None
    return PolicyChangeFacts(city, tuple(PolicyChange(*change) for change in changes), more)


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
    #: What the notices tell (bot/channels/present.py words it).
    facts: PolicyChangeFacts
    #: When the notices go out, per company (at once in working hours, else the next send time).
    send_at: dict[int, datetime]
    companies: tuple[AffectedCompany, ...] = ()


def record_policy_update(engine: Engine, region: RegionPolicy, changes: list[FieldChange],
                         *, file_name: str, now: datetime,
                         defaults: ReminderDefaults | None = None,
                         notice_html: str | None = None) -> PolicyUpdateRecord:
    """Record the change for every company in the region and plan a notice to its HR.

    One unit of work: the audit entries and the notice rows commit together, so a notice is
    either planned for every affected company or for none. The entry keeps the facts the
    notice is made from and, when the caller (the CLI) words it, the text as HR will read it.
    """
    facts = change_facts(region, changes)
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
                                 notice=_stored(facts),
                                 **({"text": notice_html} if notice_html is not None else {}))
            session.flush()
            assert entry.id is not None
            row = plan_policy_notice(session, company.id, entry.id, now=now, defaults=defaults)
            send_at[company.id] = row.send_at
    return PolicyUpdateRecord(sorted(send_at), facts, send_at, tuple(affected))


def notice_facts(session: Session, company_id: int, audit_id: int) -> PolicyChangeFacts | None:
    """The recorded change of a policy notice, or None when the entry is not this company's."""
    entry = session.get(AuditLog, audit_id)
    if entry is None or entry.company_id != company_id or entry.action != ACTION:
        return None
    stored = entry.detail.get("notice")
    if isinstance(stored, dict):
        return _loaded(stored)  # the text is made anew, the same way it was recorded
    text = entry.detail.get("text")  # recorded before issue 10: the message itself
    if isinstance(text, str) and text:
        region = entry.detail.get("region")
        return PolicyChangeFacts(str(region or ""), recorded_html=text)
    return None
