"""/team: a manager's departments (HR: any department) with each person's social-insurance
status — registered or pending, unpaid months, overdue registrations. No 身份证, no wages,
no amounts: TeamMember carries none of them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from bot.services.access import Member
from bot.services.errors import AccessDenied, DepartmentUnknown
from models.company import Role
from models.complaint import OPEN_COMPLAINT_STATUSES, Complaint
from models.employee import Department, Employee, EmployeeStatus, departments
from models.ledger import UNPAID, LedgerMonth
from models.task import Task, TaskKind, TaskStatus


@dataclass(frozen=True)
class TeamMember:
    name: str
    registered: bool
    #: The open registration's deadline, when there is one.
    registration_due: date | None
    overdue: bool
    unpaid_months: int


@dataclass(frozen=True)
class TeamDepartment:
    name: str
    people: tuple[TeamMember, ...]
    #: Open complaints filed from the department.
    open_complaints: int = 0


@dataclass(frozen=True)
class TeamView:
    departments: tuple[TeamDepartment, ...]
    #: Every department of the company, for HR's `/team 部门` hint.
    known: tuple[str, ...]


def open_complaints(session: Session, company_id: int, department_id: int) -> int:
    """Open complaints filed from the department (the department at filing), counted once."""
    return len(
        session.exec(
            select(Complaint.id).where(
                Complaint.company_id == company_id,
                Complaint.department_id == department_id,
                col(Complaint.status).in_(OPEN_COMPLAINT_STATUSES),
            )
        ).all()
    )


def team(engine: Engine, actor: Member, *, today: date, department: str = "") -> TeamView:
    """The departments `actor` may see (a manager: theirs; HR: all, or the one named)."""
    if actor.role not in (Role.HR, Role.MANAGER):
        raise AccessDenied((Role.HR, Role.MANAGER))
    with Session(engine) as session:
        every = departments(session, actor.company_id)
        if actor.role == Role.MANAGER:
            allowed = set(actor.department_ids)
            shown = [d for d in every if d.id in allowed]
        else:
            shown = every
        if department:
            chosen = [d for d in shown if d.name == department.strip()]
            if not chosen:
                raise DepartmentUnknown(department.strip()[:30], tuple(d.name for d in shown))
            shown = chosen
        return TeamView(
            departments=tuple(_department(session, actor.company_id, d, today) for d in shown),
            known=tuple(d.name for d in shown),
        )


def _department(
    session: Session, company_id: int, department: Department, today: date
) -> TeamDepartment:
    assert department.id is not None
    people = list(
        session.exec(
            select(Employee)
            .where(
                Employee.company_id == company_id,
                Employee.department_id == department.id,
                Employee.status == EmployeeStatus.ACTIVE,
            )
            .order_by(col(Employee.name), col(Employee.id))
        )
    )
    ids = [p.id for p in people]
    open_registrations = {
        t.employee_id: t.due_date
        for t in session.exec(
            select(Task).where(
                Task.company_id == company_id,
                col(Task.employee_id).in_(ids),
                Task.kind == TaskKind.REGISTRATION,
                Task.status == TaskStatus.OPEN,
            )
        )
    }
    this_month = today.replace(day=1)
    unpaid: dict[int, int] = {}
    for row in session.exec(
        select(LedgerMonth).where(
            LedgerMonth.company_id == company_id,
            col(LedgerMonth.employee_id).in_(ids),
            col(LedgerMonth.state).in_(UNPAID),
            LedgerMonth.month <= this_month,
        )
    ):
        unpaid[row.employee_id] = unpaid.get(row.employee_id, 0) + 1
    members = []
    for person in people:
        assert person.id is not None
        due = open_registrations.get(person.id)
        members.append(
            TeamMember(
                name=person.name,
                registered=due is None,
                registration_due=due,
                overdue=due is not None and due < today,
                unpaid_months=unpaid.get(person.id, 0),
            )
        )
    members.sort(key=lambda m: (not m.overdue, m.registered, m.name))
    return TeamDepartment(
        department.name, tuple(members), open_complaints(session, company_id, department.id)
    )
