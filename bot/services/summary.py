"""The weekly summary (每周社保简报): last week's hires, deadlines, cases and KPI scores.

HR get the whole company; a manager gets only the departments of their membership scope
(`{"departments": [ids]}`, as the roles issue defines it). The summary is typed facts; the
message, the chart and the workbook are made at the edge from them, so the three always hold
the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import Engine
from sqlmodel import Session

from bot.services.access import Member
from bot.services.kpi import (
    department_names,
    due_rule,
    load_events,
    names_of,
    settings_in_session,
)
from models.company import Role
from models.kpi_events import DueOf, hires_between, open_task_dues
from policies.kpi import (
    DeadlineEvent,
    DeadlineKind,
    KpiSettings,
    Period,
    PeriodKind,
    department_score,
    hr_score,
    week_period,
)
from policies.library import PolicyLibrary


@dataclass(frozen=True)
class HireLine:
    name: str
    department: str | None
    first_day: date


@dataclass(frozen=True)
class LateLine:
    """A registration or payment that missed its deadline last week."""

    name: str
    department: str | None
    kind: DeadlineKind
    due: date
    done_on: date | None


@dataclass(frozen=True)
class ScoreChange:
    """A KPI score last week and the week before (`department` None and `is_hr`: HR's)."""

    is_hr: bool
    department: str | None
    score: Decimal
    weight: Decimal
    previous: Decimal

    @property
    def change(self) -> Decimal:
        return self.score - self.previous


@dataclass(frozen=True)
class WeeklySummary:
    company_name: str
    week: Period
    #: The departments a manager's summary is limited to; None: the whole company (HR).
    departments: tuple[str, ...] | None
    hires: tuple[HireLine, ...]
    registrations_on_time: int
    registrations_late: int
    open_tasks: int
    overdue_tasks: int
    backpay_cases: int
    complaints: int
    scores: tuple[ScoreChange, ...]
    late: tuple[LateLine, ...]


def scoped_department_ids(role: Role, scope: dict | None) -> frozenset[int | None] | None:
    """The departments a summary covers: None (all) for HR, the scope's for a manager."""
    if role != Role.MANAGER:
        return None
    return frozenset(int(d) for d in (scope or {}).get("departments", ()))


def scoped_departments(member: Member) -> frozenset[int | None] | None:
    """The member's summary scope (scoped_department_ids)."""
    return scoped_department_ids(member.role, member.scope)


def last_week(today: date) -> Period:
    """The Monday-to-Sunday week before the one holding `today`."""
    return week_period(today - timedelta(days=7))


def build_weekly_summary(
    session: Session,
    *,
    company_id: int,
    company_name: str,
    timezone: str,
    week: Period,
    today: date,
    settings: KpiSettings,
    due_of: DueOf,
    department_ids: frozenset[int | None] | None,
) -> WeeklySummary:
    """The summary of `week` for the company (department_ids None) or some departments."""
    previous = week_period(week.start - timedelta(days=7))
    both = load_events(
        session,
        company_id,
        Period(PeriodKind.WEEK, previous.start, week.end),
        timezone=timezone,
        due_of=due_of,
        department_ids=department_ids,
    )  # one read for the two weeks, split by day
    events, before = both.within(week), both.within(previous)
    as_of, as_of_before = week.as_of(today), previous.as_of(today)
    all_departments = department_names(session, company_id)
    names = {d: n for d, n in all_departments}
    shown = [(d, n) for d, n in all_departments if department_ids is None or d in department_ids]
    scores: list[ScoreChange] = []
    if department_ids is None:
        scores.append(
            ScoreChange(
                True,
                None,
                hr_score(settings, events, as_of).score,
                settings.hr_weight,
                hr_score(settings, before, as_of_before).score,
            )
        )
    for dept_id, name in shown:
        now = department_score(settings, events.for_department(dept_id), as_of)
        then = department_score(settings, before.for_department(dept_id), as_of_before)
        scores.append(ScoreChange(False, name, now.score, now.definition.weight, then.score))
    registrations = [
        e for e in events.deadlines if e.kind is DeadlineKind.REGISTRATION and e.is_due_by(as_of)
    ]
    late_events = sorted(
        (e for e in events.deadlines if e.is_due_by(as_of) and not e.is_on_time()),
        key=lambda e: (e.due, e.ref),
    )
    hires = hires_between(session, company_id, week.start, week.end, department_ids)
    employee_names = {i: n for i, n, _, _ in hires}
    employee_names.update(_names(session, company_id, late_events))
    dues = open_task_dues(session, company_id, department_ids)
    return WeeklySummary(
        company_name=company_name,
        week=week,
        departments=None
        if department_ids is None
        else tuple(n or "" for d, n in all_departments if d in department_ids),
        hires=tuple(HireLine(n, names.get(d), first) for _, n, d, first in hires),
        registrations_on_time=sum(1 for e in registrations if e.is_on_time()),
        registrations_late=sum(1 for e in registrations if not e.is_on_time()),
        open_tasks=len(dues),
        overdue_tasks=sum(1 for due in dues if due < today),
        backpay_cases=len(events.backpay_cases),
        complaints=len(events.complaints),
        scores=tuple(scores),
        late=tuple(
            LateLine(
                employee_names.get(e.employee_id, ""),
                names.get(e.department_id),
                e.kind,
                e.due,
                e.done_on,
            )
            for e in late_events
        ),
    )


def _names(session: Session, company_id: int, events: list[DeadlineEvent]) -> dict[int, str]:
    return names_of(session, company_id, (e.employee_id for e in events))


def summary_for(
    engine: Engine,
    member: Member,
    *,
    today: date,
    defaults: KpiSettings,
    library: PolicyLibrary | None,
) -> WeeklySummary:
    """/summary: last week for the member's company (HR) or their departments (manager)."""
    with Session(engine) as session:
        return build_weekly_summary(
            session,
            company_id=member.company_id,
            company_name=member.company_name,
            timezone=member.timezone,
            week=last_week(today),
            today=today,
            settings=settings_in_session(session, member.company_id, defaults),
            due_of=due_rule(library),
            department_ids=scoped_departments(member),
        )
