"""Read-only views of a company's employees for /employees and /employee."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import Engine
from sqlmodel import Session

from bot.services.access import Member
from models.employee import Department, find_employees_by_name, list_employees
from models.ledger import LEDGER_STATE_LABELS, LedgerState, employee_ledger
from models.task import employee_tasks
from policies.idnumber import mask_id_number


@dataclass(frozen=True)
class EmployeeSummary:
    employee_id: int
    name: str
    masked_id: str
    department: str
    first_day: date
    status: str


@dataclass(frozen=True)
class EmployeeDetail:
    summary: EmployeeSummary
    base: Decimal
    insured_city: str
    last_day: date | None
    tasks: list[tuple[str, date, str]]
    months: list[tuple[date, str]]


def _summary(employee, department: Department | None) -> EmployeeSummary:  # type: ignore[no-untyped-def]
    return EmployeeSummary(
        employee_id=employee.id,
        name=employee.name,
        masked_id=mask_id_number(employee.id_number),
        department=department.name if department else "—",
        first_day=employee.first_day,
        status="在职" if employee.status == "active" else "已离职",
    )


def employee_summaries(engine: Engine, member: Member) -> list[EmployeeSummary]:
    with Session(engine) as session:
        return [_summary(e, d) for e, d in list_employees(session, member.company_id)]


def find_employee(engine: Engine, member: Member, name: str) -> list[EmployeeDetail]:
    with Session(engine) as session:
        found = find_employees_by_name(session, member.company_id, name.strip())
        details = []
        for employee in found[:5]:
            assert employee.id is not None
            department = (
                session.get(Department, employee.department_id) if employee.department_id else None
            )
            tasks = [
                (t.title, t.due_date, "已办结" if t.status == "done" else "待办理")
                for t in employee_tasks(session, member.company_id, employee.id)
            ]
            months = [
                (row.month, LEDGER_STATE_LABELS[LedgerState(row.state)])
                for row in employee_ledger(session, member.company_id, employee.id)
            ]
            details.append(
                EmployeeDetail(
                    summary=_summary(employee, department),
                    base=employee.base,
                    insured_city=employee.insured_city,
                    last_day=employee.last_day,
                    tasks=tasks,
                    months=months[-12:],
                )
            )
        return details
