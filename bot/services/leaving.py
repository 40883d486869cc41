"""Leaving (离职 / 减员) and re-hiring the same 身份证 with a new employment period."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import Engine, delete
from sqlmodel import Session, col, select

from bot.services.access import Member
from bot.services.errors import (
    CannotRehire,
    EmployeeNotFound,
    LastDayBeforeFirstDay,
    LastDayTooFarAhead,
    Operation,
)
from bot.services.ledger import (
    declaration_deadline,
    record_current_period,
)
from models import audit
from models.db import unit_of_work
from models.employee import Department, Employee, EmployeeStatus, employee_by_id
from models.ledger import LedgerMonth
from models.ledger_history import EmploymentPeriod, employee_periods
from models.task import Task, TaskKind, task_title
from policies.deadlines import registration_deadline
from policies.idnumber import mask_id_number, normalise
from policies.ledger_rules import LedgerState, leave_task_deadline, month_of
from policies.library import PolicyLibrary

MAX_DAYS_AHEAD = 60


@dataclass(frozen=True)
class StaffChoice:
    employee_id: int
    name: str
    department: str | None
    masked_id: str
    first_day: date | None = None
    id_number: str = ""
    """For matching a typed 身份证 only; never shown (``masked_id`` is)."""

    def matches(self, typed: str) -> bool:
        """A typed 身份证 (exact) or part of the name, as /employee accepts them."""
        number = normalise(typed)
        if _ID_NUMBER.fullmatch(number):
            return number == self.id_number
        name = "".join(typed.split())
        return bool(name) and name in self.name


_ID_NUMBER = re.compile(r"\d{17}[\dX]")


def active_staff(engine: Engine, member: Member) -> list[StaffChoice]:
    """Employees who can leave: active ones of the member's company, by name."""
    with Session(engine) as session:
        statement = (
            select(Employee, Department)
            .join(Department, col(Department.id) == Employee.department_id, isouter=True)
            .where(
                Employee.company_id == member.company_id,
                Employee.status == EmployeeStatus.ACTIVE,
            )
            .order_by(col(Employee.name), col(Employee.id))
        )
        return [
            StaffChoice(e.id, e.name, d.name if d else None, mask_id_number(e.id_number),
                        e.first_day, e.id_number)
            for e, d in session.exec(statement)
            if e.id is not None
        ]


def check_last_day(
    engine: Engine, member: Member, employee_id: int, last_day: date, *, today: date
) -> None:
    """Refuse a last working day before the first day or too far ahead, saying what to type."""
    with Session(engine) as session:
        employee = employee_by_id(session, member.company_id, employee_id)
    if employee is None or employee.status != EmployeeStatus.ACTIVE:
        raise EmployeeNotFound(Operation.LEAVE)
    if last_day < employee.first_day:
        raise LastDayBeforeFirstDay(employee.first_day)
    if last_day > today + timedelta(days=MAX_DAYS_AHEAD):
        raise LastDayTooFarAhead(MAX_DAYS_AHEAD)


@dataclass(frozen=True)
class LeaveResult:
    name: str
    last_day: date
    reason: str
    task_id: int
    task_due: date
    removed_months: int
    last_month: date


def record_leave(
    engine: Engine,
    member: Member,
    employee_id: int,
    last_day: date,
    reason: str,
    *,
    today: date,
    library: PolicyLibrary | None = None,
) -> LeaveResult:
    """Close the employment period, open a 减员 task, and drop unpaid months after leaving."""
    check_last_day(engine, member, employee_id, last_day, today=today)
    with unit_of_work(engine) as session:
        employee = employee_by_id(session, member.company_id, employee_id)
        assert employee is not None and employee.id is not None
        period = _current_period(session, member.company_id, employee)
        due = leave_task_deadline(
            last_day, lambda m: declaration_deadline(library, employee.insured_city, m)
        )
        task = Task(
            company_id=member.company_id,
            employee_id=employee.id,
            kind=TaskKind.LEAVE,
            title=task_title(TaskKind.LEAVE, employee.name),
            due_date=due,
        )
        session.add(task)
        session.flush()
        employee.last_day = last_day
        employee.status = EmployeeStatus.LEFT
        period.last_day = last_day
        period.leave_reason = reason
        period.leave_task_id = task.id
        last_month = month_of(last_day)
        removed = session.execute(
            delete(LedgerMonth).where(
                col(LedgerMonth.employee_id) == employee.id,
                col(LedgerMonth.month) > last_month,
                col(LedgerMonth.state) == LedgerState.PENDING.value,
            )
        ).rowcount
        audit.record(
            session,
            member.company_id,
            member.user_id,
            "employee.left",
            employee_id=employee.id,
            last_day=last_day.isoformat(),
            reason=reason,
            task_due=due.isoformat(),
        )
        assert task.id is not None
        return LeaveResult(
            employee.name, last_day, reason, task.id, due, int(removed or 0), last_month
        )


def _current_period(session: Session, company_id: int, employee: Employee) -> EmploymentPeriod:
    assert employee.id is not None
    for period in employee_periods(session, company_id, employee.id):
        if period.first_day == employee.first_day:
            return period
    return record_current_period(session, company_id, employee)


def rehire(
    session: Session,
    member: Member,
    employee: Employee,
    *,
    first_day: date,
    base: Decimal,
    insured_city: str,
    department_id: int | None,
    tracked_from: date | None = None,
) -> Task:
    """Reactivate a former employee with a new period; earlier periods and months stay as they
    were. Runs inside the caller's unit of work (hire or import).

    The one re-hire path. It writes no audit row: the caller records the re-hire once, with
    what only it knows (/hire its draft key and ledger row, the import its file), so a re-hire
    is one `employee.rehired` entry, not one here and another in the caller.
    """
    assert employee.id is not None
    if employee.status != EmployeeStatus.LEFT or (
        employee.last_day is not None and first_day <= employee.last_day
    ):
        raise CannotRehire(employee.name, mask_id_number(employee.id_number))
    _current_period(session, member.company_id, employee)
    employee.first_day = first_day
    employee.last_day = None
    employee.status = EmployeeStatus.ACTIVE
    employee.base = base
    employee.insured_city = insured_city
    employee.department_id = department_id
    session.add(
        EmploymentPeriod(
            company_id=member.company_id,
            employee_id=employee.id,
            first_day=first_day,
            tracked_from=tracked_from or month_of(first_day),
        )
    )
    task = Task(
        company_id=member.company_id,
        employee_id=employee.id,
        kind=TaskKind.REGISTRATION,
        title=task_title(TaskKind.REGISTRATION, employee.name, rehire=True),
        due_date=registration_deadline(first_day),
    )
    session.add(task)
    session.flush()
    return task

