"""What an employee may ask about themselves: /me and the personal answer to "what does my
gap (断缴) mean for me" (/impact and free questions).

An employee sees their own record only: the employee row comes from their membership's
binding (`membership.employee_id`, set when they joined with an `/invite employee` code), never
from anything they type or press. Results are typed; the wording is in the templates.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from bot.services.access import Member
from bot.services.errors import ImpactUnavailable, NotBoundToEmployee
from bot.services.ledger import month_due_from
from models import audit
from models.backpay_case import open_cases
from models.company import Membership, Role
from models.complaint import documents_sent_to
from models.db import unit_of_work
from models.employee import Employee, department_by_id, employee_by_id
from models.ledger import employee_ledger
from models.task import TaskKind, TaskStatus, employee_tasks
from policies.backpay_case import CaseState
from policies.impact import GapImpact, ImpactError, gap_impact
from policies.ledger_rules import LedgerState, gap_months
from policies.library import NoVersionInForce, PolicyLibrary


def bound_employee_id(session: Session, member: Member) -> int | None:
    """The employee record an employee-role member is bound to (None: not bound).

    The one seam to the roles feature's binding (`membership.employee_id`).
    """
    if member.role != Role.EMPLOYEE:
        return None
    return session.exec(
        select(Membership.employee_id).where(
            Membership.company_id == member.company_id,
            Membership.telegram_user_id == member.user_id,
            col(Membership.active),
        )
    ).first()


def bound_employee(session: Session, member: Member) -> Employee:
    """The member's own employee row; NotBoundToEmployee when there is none."""
    employee_id = bound_employee_id(session, member)
    employee = (employee_by_id(session, member.company_id, employee_id)
                if employee_id is not None else None)
    if employee is None or employee.id is None:
        raise NotBoundToEmployee()
    return employee


@dataclass(frozen=True)
class MyCase:
    """The employee's open back-payment case (补缴案例): its state and months."""

    state: CaseState
    months: tuple[date, ...]
    planned_pay_date: date


@dataclass(frozen=True)
class MyDocument:
    kind: str
    filename: str
    sent_at_day: date
    delivered: bool


@dataclass(frozen=True)
class MyStatus:
    """/me: registration, paid and unpaid months, the open case, documents HR sent."""

    name: str
    department: str | None
    insured_city: str
    first_day: date
    last_day: date | None
    #: 社保登记 done (no open registration task).
    registered: bool
    registration_deadline: date | None
    paid: tuple[date, ...]
    #: Unpaid months whose due date has passed (断缴).
    gaps: tuple[date, ...]
    #: Unpaid months not due yet.
    upcoming: tuple[date, ...]
    case: MyCase | None
    documents: tuple[MyDocument, ...]


_PAID = (LedgerState.PAID, LedgerState.BACKPAID)


def my_status(engine: Engine, library: PolicyLibrary | None, member: Member,
              today: date) -> MyStatus:
    """The bound employee's own social-insurance status; the view is audited."""
    due = month_due_from(library)
    with unit_of_work(engine) as session:
        employee = bound_employee(session, member)
        assert employee.id is not None
        department = (department_by_id(session, member.company_id, employee.department_id)
                      if employee.department_id is not None else None)
        tasks = [t for t in employee_tasks(session, member.company_id, employee.id)
                 if t.kind == TaskKind.REGISTRATION]
        pending = [t for t in tasks if t.status == TaskStatus.OPEN]
        rows = employee_ledger(session, member.company_id, employee.id)
        city = employee.insured_city
        gaps = gap_months([(r.month, r.state) for r in rows], lambda m: due(city, m), today)
        paid = tuple(r.month for r in rows if r.state in _PAID)
        upcoming = tuple(r.month for r in rows
                         if r.month not in gaps and r.state not in _PAID
                         and r.state != LedgerState.EXEMPT)
        case = next((c for c in open_cases(session, member.company_id)
                     if c.employee_id == employee.id), None)
        documents = tuple(
            MyDocument(d.kind, d.filename, d.sent_at.date(), d.delivered_at is not None)
            for d in documents_sent_to(session, member.company_id, employee.id)
        )
        audit.record(session, member.company_id, member.user_id, "employee.viewed_own",
                     employee_id=employee.id)
        return MyStatus(
            name=employee.name,
            department=department.name if department is not None else None,
            insured_city=city,
            first_day=employee.first_day,
            last_day=employee.last_day,
            registered=not pending,
            registration_deadline=pending[0].due_date if pending else None,
            paid=paid,
            gaps=tuple(gaps),
            upcoming=upcoming,
            case=MyCase(CaseState(case.state),
                        tuple(date.fromisoformat(m["month"]) for m in case.months),
                        case.planned_pay_date) if case is not None else None,
            documents=documents,
        )


@dataclass(frozen=True)
class PersonalImpact:
    """What the employee's gap months mean for them (policies.impact over their ledger)."""

    name: str
    city: str
    impact: GapImpact
    #: The month the question named (one of the gap months), if any.
    asked_month: date | None
    #: Every gap month (the answer may cover only the asked one).
    all_gaps: tuple[date, ...]
    case: MyCase | None
    policy_label: str


@dataclass(frozen=True)
class NoGap:
    """The employee has no gap month: nothing is affected."""

    name: str
    paid: tuple[date, ...]


@dataclass(frozen=True)
class MonthNotAGap:
    """The question named a month that is not a gap: paid, not due yet, or not employed."""

    name: str
    month: date
    #: The month's ledger state (None: no such month in the employment).
    state: LedgerState | None
    gaps: tuple[date, ...]


def my_impact(engine: Engine, library: PolicyLibrary, member: Member, today: date,
              asked_month: date | None = None) -> PersonalImpact | NoGap | MonthNotAGap:
    """The personal answer: the employee's gap months (or the one asked about) through
    policies.impact with their city's rules in force today."""
    due = month_due_from(library)
    with unit_of_work(engine) as session:
        employee = bound_employee(session, member)
        assert employee.id is not None
        rows = employee_ledger(session, member.company_id, employee.id)
        city = employee.insured_city
        gaps = tuple(gap_months([(r.month, r.state) for r in rows],
                                lambda m: due(city, m), today))
        case = next((c for c in open_cases(session, member.company_id)
                     if c.employee_id == employee.id), None)
        audit.record(session, member.company_id, member.user_id, "employee.asked_impact",
                     employee_id=employee.id)
        name = employee.name
        bases = {r.month: r.base for r in rows if r.month in gaps}
    if asked_month is not None and asked_month not in gaps:
        state = next((LedgerState(r.state) for r in rows if r.month == asked_month), None)
        return MonthNotAGap(name, asked_month, state, gaps)
    if not gaps:
        return NoGap(name, tuple(r.month for r in rows if r.state in _PAID))
    if asked_month is not None:
        bases = {asked_month: bases[asked_month]}
    region = library.region_or_national(city)
    try:
        version = region.version_for(today)
        national = library.national.version_for(today)
        impact = gap_impact(city, bases, version, national)
    except (NoVersionInForce, ImpactError) as error:
        raise ImpactUnavailable(city) from error
    my_case = (MyCase(CaseState(case.state),
                      tuple(date.fromisoformat(m["month"]) for m in case.months),
                      case.planned_pay_date) if case is not None else None)
    return PersonalImpact(name, city, impact, asked_month, gaps, my_case, version.label)
