"""Obligations with a deadline: registration now; 减员 and back-payment cases later."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Index
from sqlmodel import Field, Session, SQLModel, col, select

from models.types import UTCDateTime, utcnow


class TaskKind(StrEnum):
    REGISTRATION = "registration"  # 社保登记（增员）
    LEAVE = "leave"  # 减员


def task_title(kind: TaskKind, name: str, *, rehire: bool = False) -> str:
    """The title a task is stored with (`陈明远 社保登记`): the record names what it was when
    made, and views show it for a kind they have no wording of their own for."""
    if kind is TaskKind.LEAVE:
        return f"{name} 减员（社保停保）"
    return f"{name} 社保登记（再次入职）" if rehire else f"{name} 社保登记"


class TaskStatus(StrEnum):
    OPEN = "open"
    DONE = "done"
    CANCELLED = "cancelled"


class Task(SQLModel, table=True):
    __table_args__ = (Index("ix_task_company_status_due", "company_id", "status", "due_date"),)

    id: int | None = Field(default=None, primary_key=True)
    company_id: int = Field(foreign_key="company.id", index=True)
    employee_id: int | None = Field(default=None, foreign_key="employee.id", index=True)
    kind: str = Field(max_length=20)
    title: str = Field(max_length=200)
    due_date: date
    status: str = Field(default=TaskStatus.OPEN, max_length=10)
    done_on: date | None = None
    done_by: int | None = Field(default=None, sa_type=BigInteger)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


def open_tasks(session: Session, company_id: int) -> list[Task]:
    statement = select(Task).where(Task.company_id == company_id, Task.status == TaskStatus.OPEN)
    return list(session.exec(statement.order_by(col(Task.due_date), col(Task.id))))


def task_by_id(session: Session, company_id: int, task_id: int) -> Task | None:
    statement = select(Task).where(Task.company_id == company_id, Task.id == task_id)
    return session.exec(statement).first()


def employee_tasks(session: Session, company_id: int, employee_id: int) -> list[Task]:
    statement = select(Task).where(
        Task.company_id == company_id, Task.employee_id == employee_id
    )
    return list(session.exec(statement.order_by(col(Task.due_date))))
