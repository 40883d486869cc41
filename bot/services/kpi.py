"""KPI settings and reports (社保绩效考核): load the events, let policies/kpi.py score them.

A company's settings are config.toml [kpi] with the company's own overrides on top; the
report of a period is the HR score and every department's, with the events behind each
metric named (employee names for late deadlines and cases). The user text is made at the edge.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from bot.services.access import Member
from bot.services.errors import KpiSettingOutOfRange, UnknownKpiSetting
from bot.services.ledger import obligation_due
from models import audit
from models.db import unit_of_work
from models.employee import Department, Employee
from models.kpi_events import (
    DueOf,
    backpay_case_events,
    complaint_events,
    payment_events,
    registration_events,
)
from models.reminder import CompanySettings
from policies.kpi import (
    InvalidKpiSettings,
    KpiEvents,
    KpiScore,
    KpiSettings,
    Period,
    department_score,
    hr_score,
)
from policies.library import PolicyLibrary

#: Settings a change may name, in the order /kpi_settings lists them.
SETTING_NAMES = KpiSettings.names()


def due_rule(library: PolicyLibrary | None) -> DueOf:
    """The one due rule of a month (bot.services.ledger.obligation_due), as the queries take it."""
    return lambda city, month, first_day: obligation_due(library, city, month, first_day).due


def settings_in_session(session: Session, company_id: int, defaults: KpiSettings) -> KpiSettings:
    """The company's KPI settings: its overrides on top of config.toml [kpi]."""
    own = session.get(CompanySettings, company_id)
    if own is None or not own.kpi_overrides:
        return defaults
    try:
        return defaults.with_overrides(dict(own.kpi_overrides))
    except (InvalidKpiSettings, InvalidOperation):
        return defaults  # a stored value the current bounds refuse: the defaults stand


def company_kpi_settings(engine: Engine, member: Member, defaults: KpiSettings) -> KpiSettings:
    with Session(engine) as session:
        return settings_in_session(session, member.company_id, defaults)


def change_kpi_setting(
    engine: Engine,
    member: Member,
    name: str,
    value: str,
    *,
    defaults: KpiSettings,
    now: datetime,
) -> KpiSettings:
    """Store one setting for the member's company and return the settings now in force.

    Raises UnknownKpiSetting or KpiSettingOutOfRange (nothing changed).
    """
    if name not in SETTING_NAMES:
        raise UnknownKpiSetting(name, SETTING_NAMES)
    try:
        number = Decimal(value.strip())
    except InvalidOperation:
        raise KpiSettingOutOfRange(name, value) from None
    with unit_of_work(engine) as session:
        current = settings_in_session(session, member.company_id, defaults)
        try:
            updated = current.with_overrides({name: number})
        except InvalidKpiSettings:
            raise KpiSettingOutOfRange(name, value) from None
        own = session.get(CompanySettings, member.company_id) or CompanySettings(
            company_id=member.company_id
        )
        overrides = dict(own.kpi_overrides or {})
        overrides[name] = str(getattr(updated, name))
        own.kpi_overrides = overrides
        own.updated_at = now
        session.add(own)
        audit.record(
            session,
            member.company_id,
            member.user_id,
            "settings.kpi",
            name=name,
            value=overrides[name],
        )
    return updated


# ------------------------------------------------------------------------------- reports


@dataclass(frozen=True)
class DepartmentKpi:
    """One department's score (department_id None: employees without a department)."""

    department_id: int | None
    name: str | None
    score: KpiScore


@dataclass(frozen=True)
class KpiReport:
    """The KPIs of one period: HR's and each department's, with the employees named."""

    period: Period
    as_of: date
    settings: KpiSettings
    hr: KpiScore
    departments: tuple[DepartmentKpi, ...]
    employee_names: dict[int, str]


def load_events(
    session: Session,
    company_id: int,
    period: Period,
    *,
    timezone: str,
    due_of: DueOf,
    department_ids: frozenset[int | None] | None = None,
) -> KpiEvents:
    """Every event the KPIs of `period` count, for the company or some of its departments."""
    start, end = period.start, period.end
    deadlines = registration_events(session, company_id, start, end, department_ids)
    deadlines += payment_events(session, company_id, start, end, due_of, department_ids)
    return KpiEvents(
        tuple(deadlines),
        tuple(backpay_case_events(session, company_id, start, end, timezone, department_ids)),
        tuple(complaint_events(session, company_id, start, end, department_ids)),
    )


def score_departments(
    settings: KpiSettings,
    events: KpiEvents,
    as_of: date,
    departments: Iterable[tuple[int | None, str | None]],
) -> tuple[DepartmentKpi, ...]:
    """Each department's score from the company's events."""
    return tuple(
        DepartmentKpi(
            dept_id, name, department_score(settings, events.for_department(dept_id), as_of)
        )
        for dept_id, name in departments
    )


def department_names(session: Session, company_id: int) -> list[tuple[int | None, str | None]]:
    """The company's departments by name, and (None, None) when someone has no department."""
    named = session.exec(
        select(Department.id, Department.name)
        .where(Department.company_id == company_id)
        .order_by(col(Department.name))
    ).all()
    rows: list[tuple[int | None, str | None]] = [(d, n) for d, n in named]
    orphan = session.exec(
        select(Employee.id).where(
            Employee.company_id == company_id, col(Employee.department_id).is_(None)
        )
    ).first()
    if orphan is not None:
        rows.append((None, None))
    return rows


def names_of(session: Session, company_id: int, ids: Iterable[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = session.exec(
        select(Employee.id, Employee.name).where(
            Employee.company_id == company_id, col(Employee.id).in_(wanted)
        )
    )
    return {i: n for i, n in rows if i is not None}


def mentioned_employees(scores: Iterable[KpiScore]) -> set[int | None]:
    """Employees behind the late deadlines and the cases of some scores."""
    found: set[int | None] = set()
    for score in scores:
        for metric in score.metrics:
            found.update(e.employee_id for e in metric.late)
            found.update(c.employee_id for c in metric.cases)
    return found


def kpi_report(
    engine: Engine,
    member: Member,
    period: Period,
    *,
    today: date,
    defaults: KpiSettings,
    library: PolicyLibrary | None,
) -> KpiReport:
    """HR's and every department's KPI for `period` (judged as of today when it is running)."""
    as_of = period.as_of(today)
    with Session(engine) as session:
        settings = settings_in_session(session, member.company_id, defaults)
        events = load_events(
            session, member.company_id, period, timezone=member.timezone, due_of=due_rule(library)
        )
        hr = hr_score(settings, events, as_of)
        departments = score_departments(
            settings, events, as_of, department_names(session, member.company_id)
        )
        names = names_of(
            session, member.company_id, mentioned_employees([hr, *(d.score for d in departments)])
        )
    return KpiReport(period, as_of, settings, hr, departments, names)
