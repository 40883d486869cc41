"""The to-do list's rows, read set-based: counts by group, and only the rows of the page shown.

A month's deadline depends only on its insured city, so unpaid months are counted per
(city, month) and the page's rows are fetched for the few groups that reach into the page.
"""

from __future__ import annotations

from datetime import date
from typing import NamedTuple

from sqlalchemy import and_, bindparam, func, tuple_
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


# Every /todo runs these: each statement is built once with bound parameters and run on the
# session's connection, since building an ORM select (and its cache key) for every call cost
# more than the query.

_COMPANY = bindparam("company_id")
#: The columns of a MonthLine, in its order.
_MONTH_LINE = (
    LedgerMonth.id,
    LedgerMonth.month,
    LedgerMonth.state,
    Employee.name,
    Employee.insured_city,
    Employee.first_day,
)
_LIMIT = bindparam("limit")


def _task_rows():  # type: ignore[no-untyped-def]
    return (
        select(Task.id, Task.kind, Task.title, Task.due_date, Employee.name)
        .outerjoin(
            Employee,
            and_(
                col(Employee.id) == col(Task.employee_id),
                col(Employee.company_id) == _COMPANY,
            ),
        )
        .where(col(Task.company_id) == _COMPANY, col(Task.status) == TaskStatus.OPEN)
    )


_OPEN_TASK_COUNT = select(func.count()).where(
    col(Task.company_id) == _COMPANY, col(Task.status) == TaskStatus.OPEN
)
_FIRST_OPEN_TASKS = _task_rows().order_by(col(Task.due_date), col(Task.id)).limit(_LIMIT)


def open_task_count(session: Session, company_id: int) -> int:
    return session.connection().execute(_OPEN_TASK_COUNT, {"company_id": company_id}).scalar_one()


def first_open_tasks(session: Session, company_id: int, limit: int) -> list[TaskLine]:
    """The `limit` open tasks due first (ties by id), with their employee's name; the join
    is scoped to the company too."""
    rows = session.connection().execute(
        _FIRST_OPEN_TASKS, {"company_id": company_id, "limit": limit}
    )
    return [TaskLine(*row) for row in rows]


def _unpaid_of(started_before: bool):  # type: ignore[no-untyped-def]
    """Unpaid months joined to their employee of the same company (who started before the
    bound ``started_before``, when asked: later starters are read row by row)."""
    return and_(
        col(LedgerMonth.company_id) == _COMPANY,
        col(LedgerMonth.state).in_(UNPAID),
        col(Employee.id) == col(LedgerMonth.employee_id),
        col(Employee.company_id) == _COMPANY,
        *([col(Employee.first_day) < bindparam("started_before")] if started_before else []),
    )


def _month_groups(started_before: bool):  # type: ignore[no-untyped-def]
    return (
        select(Employee.insured_city, LedgerMonth.month, func.count())
        .where(_unpaid_of(started_before))
        .group_by(col(Employee.insured_city), col(LedgerMonth.month))
    )


#: Keyed by whether ``started_before`` is given.
_MONTH_GROUPS = {True: _month_groups(True), False: _month_groups(False)}


def _params(company_id: int, started_before: date | None) -> dict[str, object]:
    params: dict[str, object] = {"company_id": company_id}
    if started_before:
        params["started_before"] = started_before
    return params


def unpaid_month_groups(
    session: Session, company_id: int, started_before: date | None = None
) -> list[tuple[str, date, int]]:
    """(insured city, month, how many unpaid) — one GROUP BY over the company's months."""
    rows = session.connection().execute(
        _MONTH_GROUPS[bool(started_before)], _params(company_id, started_before)
    )
    return [(city, month, count) for city, month, count in rows]


def _first_unpaid(started_before: bool):  # type: ignore[no-untyped-def]
    return (
        select(*_MONTH_LINE)
        .where(
            _unpaid_of(started_before),
            tuple_(col(Employee.insured_city), col(LedgerMonth.month)).in_(
                bindparam("groups", expanding=True)
            ),
        )
        .order_by(col(LedgerMonth.id))
        .limit(_LIMIT)
    )


#: Keyed by whether ``started_before`` is given.
_FIRST_UNPAID = {True: _first_unpaid(True), False: _first_unpaid(False)}


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
    params = {**_params(company_id, started_before), "groups": groups, "limit": limit}
    rows = session.connection().execute(_FIRST_UNPAID[bool(started_before)], params)
    return [MonthLine(*row) for row in rows]


_RECENT_STARTERS = and_(
    col(LedgerMonth.company_id) == _COMPANY,
    col(LedgerMonth.state).in_(UNPAID),
    col(Employee.id) == col(LedgerMonth.employee_id),
    col(Employee.company_id) == _COMPANY,
    col(Employee.first_day) >= bindparam("started_since"),
)
_RECENT_BUCKETS = (
    select(Employee.insured_city, LedgerMonth.month, Employee.first_day, func.count())
    .where(_RECENT_STARTERS)
    .group_by(col(Employee.insured_city), col(LedgerMonth.month), col(Employee.first_day))
)
_FIRST_RECENT_UNPAID = (
    select(*_MONTH_LINE)
    .where(
        _RECENT_STARTERS,
        tuple_(
            col(Employee.insured_city), col(LedgerMonth.month), col(Employee.first_day)
        ).in_(bindparam("buckets", expanding=True)),
    )
    .order_by(col(LedgerMonth.id))
    .limit(_LIMIT)
)


def recent_hires_unpaid_buckets(
    session: Session, company_id: int, started_since: date
) -> list[tuple[str, date, date, int]]:
    """(insured city, month, first day, how many unpaid) for employees who started on or after
    ``started_since``: a month's due date depends on those three only (first-month rule), so
    recent hires are counted like the others and only the page's rows are read."""
    rows = session.connection().execute(
        _RECENT_BUCKETS, {"company_id": company_id, "started_since": started_since}
    )
    return [(city, month, first, count) for city, month, first, count in rows]


def first_recent_unpaid_months(
    session: Session,
    company_id: int,
    buckets: list[tuple[str, date, date]],
    limit: int,
    started_since: date,
) -> list[MonthLine]:
    """The `limit` unpaid months of the given (city, month, first day) buckets of recent
    hires with the lowest ids."""
    if not buckets:
        return []
    params = {"company_id": company_id, "started_since": started_since, "buckets": buckets,
              "limit": limit}
    rows = session.connection().execute(_FIRST_RECENT_UNPAID, params)
    return [MonthLine(*row) for row in rows]
