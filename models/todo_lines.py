"""The to-do list's rows, read set-based: one joined query per kind, only the shown columns."""

from __future__ import annotations

from datetime import date
from typing import NamedTuple

from sqlalchemy import and_
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


def open_task_lines(session: Session, company_id: int) -> list[TaskLine]:
    """Open tasks with their employee's name; the join is scoped to the company too."""
    statement = (
        select(Task.id, Task.kind, Task.title, Task.due_date, Employee.name)
        .outerjoin(
            Employee,
            and_(
                col(Employee.id) == col(Task.employee_id),
                col(Employee.company_id) == company_id,
            ),
        )
        .where(Task.company_id == company_id, Task.status == TaskStatus.OPEN)
        .order_by(col(Task.due_date), col(Task.id))
    )
    return [TaskLine(*row) for row in session.exec(statement)]


def unpaid_month_lines(session: Session, company_id: int) -> list[MonthLine]:
    """Unpaid ledger months of the company's own employees, with name and insured city."""
    statement = (
        select(
            LedgerMonth.id,
            LedgerMonth.month,
            LedgerMonth.state,
            Employee.name,
            Employee.insured_city,
        )
        .join(
            Employee,
            and_(
                col(Employee.id) == col(LedgerMonth.employee_id),
                col(Employee.company_id) == company_id,
            ),
        )
        .where(LedgerMonth.company_id == company_id, col(LedgerMonth.state).in_(UNPAID))
        .order_by(col(LedgerMonth.month), col(LedgerMonth.id))
    )
    return [MonthLine(*row) for row in session.exec(statement)]
