"""The events the KPIs count, queried by date, department and company.

Each query returns plain rows (policies.kpi event types), scoped to one company and limited to
a date range, so the scores are computed by the pure rules in policies/kpi.py. The department
is the employee's current one (departments are not versioned; a transfer moves the history).
Query functions never commit.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, or_
from sqlmodel import Session, col, select

from models.backpay_case import BackpayCase
from models.complaint import Complaint
from models.employee import Employee
from models.ledger import LedgerMonth
from models.task import Task, TaskKind, TaskStatus
from policies.deadlines import registration_deadline
from policies.kpi import DeadlineEvent, DeadlineKind, KpiCase
from policies.ledger_rules import LedgerState, iter_months, previous_month

#: (insured city, contribution month, first day of work) -> the day the month is due: the one
#: due rule (bot.services.ledger.obligation_due), bound to the policy library by the caller.
DueOf = Callable[[str, date, date | None], date]

#: The first-month rule can move a month's due date at most this far past the month's start
#: (a 30-day registration window and the next deadline after it), so a period's payments are
#: looked for in the months from this long before it — for recent hires only: a month's
#: ordinary deadline falls in the month itself (a holiday may push it a few days into the
#: next), so for everyone else the month before the period's first is enough.
_DUE_LAG = timedelta(days=92)

_PAID_STATES = (LedgerState.PAID, LedgerState.BACKPAID)


def registration_events(
    session: Session,
    company_id: int,
    start: date,
    end: date,
    department_ids: frozenset[int | None] | None = None,
) -> list[DeadlineEvent]:
    """Registration tasks (社保登记) due in [start, end]: done on time, late, or not yet."""
    statement = (
        select(Task.id, Task.employee_id, Employee.department_id, Task.due_date, Task.done_on)
        .join(Employee, col(Task.employee_id) == Employee.id)
        .where(
            Task.company_id == company_id,
            Task.kind == TaskKind.REGISTRATION,
            col(Task.status) != TaskStatus.CANCELLED,
            col(Task.due_date) >= start,
            col(Task.due_date) <= end,
        )
    )
    if department_ids is not None:
        statement = statement.where(_in_departments(department_ids))
    return [
        DeadlineEvent(DeadlineKind.REGISTRATION, ref, employee, dept, due, done)
        for ref, employee, dept, due, done in session.exec(statement)
        if ref is not None and employee is not None
    ]


def payment_events(
    session: Session,
    company_id: int,
    start: date,
    end: date,
    due_of: DueOf,
    department_ids: frozenset[int | None] | None = None,
) -> list[DeadlineEvent]:
    """Monthly contributions due in [start, end]: paid by their due date, late, or unpaid.

    Exempt months (不需缴纳) owe nothing and are left out. A month marked paid without a date
    counts as paid on its due date (rows from before paid_on was recorded).
    """
    statement = (
        select(
            LedgerMonth.id,
            LedgerMonth.employee_id,
            Employee.department_id,
            Employee.insured_city,
            Employee.first_day,
            LedgerMonth.month,
            LedgerMonth.state,
            LedgerMonth.paid_on,
        )
        .join(Employee, col(LedgerMonth.employee_id) == Employee.id)
        .where(
            LedgerMonth.company_id == company_id,
            col(LedgerMonth.state) != LedgerState.EXEMPT,
            col(LedgerMonth.month) >= (start - _DUE_LAG).replace(day=1),
            col(LedgerMonth.month) <= end,
            or_(
                col(Employee.first_day) >= start - _DUE_LAG,  # the first-month rule may apply
                *_ordinary_months_due(session, company_id, start, end, due_of),
            ),
        )
    )
    if department_ids is not None:
        statement = statement.where(_in_departments(department_ids))
    dues: dict[tuple[str, date, date | None], date] = {}
    events = []
    # Core rows, not ORM ones: a year's summary reads thousands of them
    for (
        ref,
        employee,
        dept,
        city,
        first_day,
        month,
        state,
        paid_on,
    ) in session.connection().execute(statement):
        # first_day matters only to months inside the registration window (first-month rule)
        key = (city, month, first_day if month <= registration_deadline(first_day) else None)
        due = dues.get(key)
        if due is None:
            due = dues[key] = due_of(city, month, first_day)
        if not start <= due <= end or ref is None:
            continue
        done = paid_on if paid_on is not None or state not in _PAID_STATES else due
        events.append(DeadlineEvent(DeadlineKind.PAYMENT, ref, employee, dept, due, done))
    return events


def _ordinary_months_due(
    session: Session, company_id: int, start: date, end: date, due_of: DueOf
) -> list[ColumnElement[bool]]:
    """(city, month) pairs whose ordinary deadline falls in [start, end], as SQL conditions:
    the rows a period needs are found by the index instead of read and thrown away."""
    cities = session.exec(
        select(Employee.insured_city).where(Employee.company_id == company_id).distinct()
    ).all()
    months = list(iter_months(previous_month(start.replace(day=1)), end))
    return [
        and_(col(Employee.insured_city) == city, col(LedgerMonth.month) == month)
        for city in cities
        for month in months
        if start <= due_of(city, month, None) <= end
    ]


def backpay_case_events(
    session: Session,
    company_id: int,
    start: date,
    end: date,
    timezone: str,
    department_ids: frozenset[int | None] | None = None,
) -> list[KpiCase]:
    """Back-payment cases (补缴) opened in [start, end] (company-local days), in any state: a
    case exists because a month was missed, whatever became of it."""
    zone = ZoneInfo(timezone)
    since = datetime.combine(start, time.min, zone)
    until = datetime.combine(end + timedelta(days=1), time.min, zone)
    statement = (
        select(
            BackpayCase.id, BackpayCase.employee_id, Employee.department_id, BackpayCase.opened_at
        )
        .join(Employee, col(BackpayCase.employee_id) == Employee.id)
        .where(
            BackpayCase.company_id == company_id,
            col(BackpayCase.opened_at) >= since,
            col(BackpayCase.opened_at) < until,
        )
    )
    if department_ids is not None:
        statement = statement.where(_in_departments(department_ids))
    return [
        KpiCase(ref, employee, dept, opened.astimezone(zone).date())
        for ref, employee, dept, opened in session.exec(statement)
        if ref is not None
    ]


def complaint_events(
    session: Session,
    company_id: int,
    start: date,
    end: date,
    department_ids: frozenset[int | None] | None = None,
) -> list[KpiCase]:
    """Complaints (员工社保投诉) filed in [start, end], counted in the department the employee
    was in when filing (kept on the complaint, models/complaint.py)."""
    statement = select(Complaint.id, Complaint.employee_id, Complaint.department_id,
                       Complaint.filed_on).where(
        Complaint.company_id == company_id,
        Complaint.filed_on >= start,
        Complaint.filed_on <= end,
    )
    if department_ids is not None:
        named = [d for d in department_ids if d is not None]
        clause = col(Complaint.department_id).in_(named)
        if None in department_ids:
            clause = clause | col(Complaint.department_id).is_(None)
        statement = statement.where(clause)
    return [
        KpiCase(ref, employee, dept, filed_on)
        for ref, employee, dept, filed_on in session.exec(
            statement.order_by(col(Complaint.filed_on), col(Complaint.id)))
        if ref is not None
    ]


def _in_departments(department_ids: frozenset[int | None]):  # type: ignore[no-untyped-def]
    """Employees of the given departments (None: employees without one)."""
    named = [d for d in department_ids if d is not None]
    clause = col(Employee.department_id).in_(named)
    if None in department_ids:
        clause = clause | col(Employee.department_id).is_(None)
    return clause


def hires_between(
    session: Session,
    company_id: int,
    start: date,
    end: date,
    department_ids: frozenset[int | None] | None = None,
) -> list[tuple[int, str, int | None, date]]:
    """(employee id, name, department id, first day) of employees who started in [start, end]."""
    statement = select(
        Employee.id, Employee.name, Employee.department_id, Employee.first_day
    ).where(
        Employee.company_id == company_id,
        col(Employee.first_day) >= start,
        col(Employee.first_day) <= end,
    )
    if department_ids is not None:
        statement = statement.where(_in_departments(department_ids))
    return [
        (i, name, dept, first)
        for i, name, dept, first in session.exec(statement.order_by(col(Employee.first_day)))
        if i is not None
    ]


def open_task_dues(
    session: Session,
    company_id: int,
    department_ids: frozenset[int | None] | None = None,
) -> list[date]:
    """Due dates of every open task (registration, leave) of the company or its departments."""
    statement = (
        select(Task.due_date)
        .join(Employee, col(Task.employee_id) == Employee.id)
        .where(Task.company_id == company_id, Task.status == TaskStatus.OPEN)
    )
    if department_ids is not None:
        statement = statement.where(_in_departments(department_ids))
    return list(session.exec(statement))


def staff_by_department(
    session: Session, company_id: int, start: date, end: date
) -> dict[int | None, tuple[int, int]]:
    """Per department: (employees employed at any time in [start, end], of them leavers whose
    last day falls in it) — the turnover /trend sets against timeliness."""
    rows = session.exec(
        select(Employee.department_id, Employee.last_day).where(
            Employee.company_id == company_id,
            col(Employee.first_day) <= end,
            (col(Employee.last_day).is_(None)) | (col(Employee.last_day) >= start),
        )
    )
    found: dict[int | None, tuple[int, int]] = {}
    for dept, last_day in rows:
        staff, leavers = found.get(dept, (0, 0))
        left = last_day is not None and start <= last_day <= end
        found[dept] = (staff + 1, leavers + int(left))
    return found


def case_lapses(session: Session, company_id: int) -> list[date]:
    """The first missed month of every back-payment case of the company."""
    lapses = []
    for months in session.exec(
        select(BackpayCase.months).where(BackpayCase.company_id == company_id)
    ):
        firsts = [date.fromisoformat(m["month"]) for m in months or () if "month" in m]
        if firsts:
            lapses.append(min(firsts))
    return lapses
