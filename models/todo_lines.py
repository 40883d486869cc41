"""The to-do list's rows, read set-based: counts by group, and only the rows of the page shown.

A month's deadline depends only on its insured city, so unpaid months are counted per
(city, month) and the page's rows are fetched for the few groups that reach into the page.
"""

from __future__ import annotations

from datetime import date
from typing import NamedTuple

from sqlalchemy import and_, func, tuple_
from sqlmodel import Session, col, select

from models.employee import Employee
from models.ledger import UNPAID, LedgerMonth
from models.task import Task, TaskStatus


class TaskLine(NamedTuple):
    task_id: int
    kind: str
    title: str
    due_date: date
    #: None when the task names no employee (or one of another company).
    employee_name: str | None


class MonthLine(NamedTuple):
    ledger_id: int
    month: date
    state: str
    employee_name: str
    insured_city: str
    #: The employee's (latest) first day of work: a new hire's months follow the first-month
    #: rule (policies.obligations).
    first_day: date


def _task_rows(company_id: int):  # type: ignore[no-untyped-def]
    return (
        select(Task.id, Task.kind, Task.title, Task.due_date, Employee.name)
        .outerjoin(
            Employee,
            and_(
                col(Employee.id) == col(Task.employee_id),
                col(Employee.company_id) == company_id,
            ),
        )
        .where(Task.company_id == company_id, Task.status == TaskStatus.OPEN)
    )


def open_task_count(session: Session, company_id: int) -> int:
    statement = select(func.count()).where(
        Task.company_id == company_id, Task.status == TaskStatus.OPEN
    )
    return session.exec(statement).one()


def first_open_tasks(session: Session, company_id: int, limit: int) -> list[TaskLine]:
    """The `limit` open tasks due first (ties by id), with their employee's name; the join
    is scoped to the company too."""
    statement = _task_rows(company_id).order_by(col(Task.due_date), col(Task.id)).limit(limit)
    return [TaskLine(*row) for row in session.exec(statement)]


def _unpaid_of(company_id: int, started_before: date | None = None):  # type: ignore[no-untyped-def]
    """Unpaid months joined to their employee of the same company (who started before
    ``started_before``, when given: later starters are read row by row)."""
    return and_(
        LedgerMonth.company_id == company_id,
        col(LedgerMonth.state).in_(UNPAID),
        col(Employee.id) == col(LedgerMonth.employee_id),
        col(Employee.company_id) == company_id,
        *([col(Employee.first_day) < started_before] if started_before else []),
    )


def unpaid_month_groups(
    session: Session, company_id: int, started_before: date | None = None
) -> list[tuple[str, date, int]]:
    """(insured city, month, how many unpaid) — one GROUP BY over the company's months."""
    statement = (
        select(Employee.insured_city, LedgerMonth.month, func.count())
        .where(_unpaid_of(company_id, started_before))
        .group_by(col(Employee.insured_city), col(LedgerMonth.month))
    )
    return [(city, month, count) for city, month, count in session.exec(statement)]


def first_unpaid_months(
    session: Session,
    company_id: int,
    groups: list[tuple[str, date]],
    limit: int,
    started_before: date | None = None,
) -> list[MonthLine]:
    """The `limit` unpaid months of the given (city, month) groups with the lowest ids."""
    if not groups:
        return []
    statement = (
        select(
            LedgerMonth.id,
            LedgerMonth.month,
            LedgerMonth.state,
            Employee.name,
            Employee.insured_city,
            Employee.first_day,
        )
        .where(
            _unpaid_of(company_id, started_before),
            tuple_(col(Employee.insured_city), col(LedgerMonth.month)).in_(groups),
        )
        .order_by(col(LedgerMonth.id))
        .limit(limit)
    )
    return [MonthLine(*row) for row in session.exec(statement)]


#: At most this many recent hires' unpaid months are read for one /todo page.
RECENT_ROWS_MAX = 5000


def recent_hires_unpaid_months(
    session: Session, company_id: int, started_since: date
) -> list[MonthLine]:
    """The unpaid months of employees who started on or after ``started_since`` (at most
    ``RECENT_ROWS_MAX``): their months may follow the first-month rule (a due date of their
    own), and they are few."""
    statement = (
        select(
            LedgerMonth.id,
            LedgerMonth.month,
            LedgerMonth.state,
            Employee.name,
            Employee.insured_city,
            Employee.first_day,
        )
        .where(
            LedgerMonth.company_id == company_id,
            col(LedgerMonth.state).in_(UNPAID),
            col(Employee.id) == col(LedgerMonth.employee_id),
            col(Employee.company_id) == company_id,
            col(Employee.first_day) >= started_since,
        )
        .order_by(col(LedgerMonth.id))
        .limit(RECENT_ROWS_MAX)
    )
    return [MonthLine(*row) for row in session.exec(statement)]
