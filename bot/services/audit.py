"""The audit of personal data: views recorded beside the writes, and `/audit` to read them.

Every write already leaves an `audit_log` row; here the *views* do too (`record_view`, called
by the services that show personal data, inside their own unit of work), and HR read the log
back a page at a time, for one day or for the people whose name matches. Who may read it is
one function, `can_read_audit`, so the HR-admin role (issue 12, roles part) tightens it in one
place.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from bot.services.access import Member
from bot.services.errors import AccessDenied
from models import audit
from models.company import Role
from models.employee import Employee, find_employees_by_name

#: Lines per page of /audit (UX.md: 10 a page).
PAGE_SIZE = 10
#: A name search looks through this many of the newest entries.
NAME_SEARCH_DEPTH = 5000


class Viewed(StrEnum):
    """What personal data a view showed."""

    EMPLOYEE_CARD = "employee_card"
    EXPORT = "export"
    CASE_DOCUMENTS = "case_documents"


def record_view(session: Session, member: Member, what: Viewed,
                employee_ids: Iterable[int | None], **detail: object) -> None:
    """One `personal.viewed` row: who (the member), when (now), what, and whose data."""
    audit.record(session, member.company_id, member.user_id, audit.PERSONAL_VIEWED,
                 what=what.value, employee_ids=sorted({i for i in employee_ids if i}),
                 **detail)


def can_read_audit(member: Member) -> bool:
    """Who may read the audit log: HR today; the HR-admin role will narrow it here."""
    return member.role == Role.HR


@dataclass(frozen=True)
class AuditQuery:
    """One day (in the company's zone), or a part of a name, or neither (everything)."""

    day: date | None = None
    name: str | None = None


@dataclass(frozen=True)
class AuditLine:
    at: datetime  #: in the company's time zone
    actor_user_id: int | None
    action: str
    what: str | None
    employees: tuple[str, ...]
    #: How many people a view showed (an export or a list page shows many).
    employee_count: int


@dataclass(frozen=True)
class AuditPage:
    lines: list[AuditLine]
    page: int
    pages: int
    total: int
    query: AuditQuery
    #: The people a name query matched (empty when none did).
    matched: tuple[str, ...] = ()


def _employee_ids(entry: audit.AuditLog) -> list[int]:
    detail = entry.detail or {}
    ids = list(detail.get("employee_ids") or [])
    if isinstance(detail.get("employee_id"), int):
        ids.append(detail["employee_id"])
    return [i for i in ids if isinstance(i, int)]


def audit_page(engine: Engine, member: Member, query: AuditQuery, page: int) -> AuditPage:
    """Page `page` (from 1, clamped) of the company's audit log matching `query`, newest
    first. Raises AccessDenied unless `can_read_audit`."""
    if not can_read_audit(member):
        raise AccessDenied((Role.HR,))
    zone = ZoneInfo(member.timezone)
    with Session(engine) as session:
        matched: list[Employee] = []
        if query.name is not None:
            matched = find_employees_by_name(session, member.company_id, query.name)
            wanted = {e.id for e in matched}
            entries = [e for e in audit.company_entries(session, member.company_id,
                                                        limit=NAME_SEARCH_DEPTH)
                       if wanted & set(_employee_ids(e))]
            total = len(entries)
            pages = max(1, math.ceil(total / PAGE_SIZE))
            page = min(max(page, 1), pages)
            shown = entries[(page - 1) * PAGE_SIZE: page * PAGE_SIZE]
        else:
            since = until = None
            if query.day is not None:
                since = datetime.combine(query.day, time(), zone)
                until = since + timedelta(days=1)
            total = audit.count_company_entries(session, member.company_id, since=since,
                                                until=until)
            pages = max(1, math.ceil(total / PAGE_SIZE))
            page = min(max(page, 1), pages)
            shown = audit.company_entries(session, member.company_id, since=since, until=until,
                                          limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
        ids = {i for entry in shown for i in _employee_ids(entry)}
        names = {e.id: e.name for e in session.exec(
            select(Employee).where(Employee.company_id == member.company_id,
                                   col(Employee.id).in_(ids)))} if ids else {}
    lines = []
    for entry in shown:
        people = _employee_ids(entry)
        lines.append(AuditLine(
            at=entry.at.astimezone(zone), actor_user_id=entry.actor_user_id,
            action=entry.action, what=(entry.detail or {}).get("what"),
            employees=tuple(names[i] for i in people[:3] if i in names),
            employee_count=len(people),
        ))
    return AuditPage(lines, page, pages, total, query, tuple(e.name for e in matched[:5]))
