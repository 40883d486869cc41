"""Read-only views of a company's employees for /employees and /employee."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import Engine
from sqlmodel import Session

from bot.services.access import Member
from bot.services.audit import Viewed, record_view
from models.employee import (
    Department,
    Employee,
    employee_by_id_number,
    find_employees_by_name,
    list_employees,
)
from models.ledger import LedgerState, employee_ledger
from models.task import employee_tasks
from policies.idnumber import mask_id_number, normalise

#: At most this many employees are shown in full for one /employee search.
MAX_SHOWN = 5
_ID_NUMBER = re.compile(r"\d{17}[\dX]")
_SPACE_BETWEEN_HAN = re.compile(r"(?<=[\u4e00-\u9fff]) +(?=[\u4e00-\u9fff])")


@dataclass(frozen=True)
class EmployeeSummary:
    employee_id: int
    name: str
    masked_id: str
    department: str | None
    first_day: date
    active: bool


@dataclass(frozen=True)
class TaskLine:
    title: str
    due: date
    done: bool


@dataclass(frozen=True)
class EmployeeDetail:
    summary: EmployeeSummary
    base: Decimal
    insured_city: str
    last_day: date | None
    tasks: list[TaskLine]
    months: list[tuple[date, LedgerState]]
    #: The base the latest ledger month bills (after the city's floor/ceiling), if any.
    billed_base: Decimal | None = None
    billed_month: date | None = None


def _summary(employee, department: Department | None) -> EmployeeSummary:  # type: ignore[no-untyped-def]
    return EmployeeSummary(
        employee_id=employee.id,
        name=employee.name,
        masked_id=mask_id_number(employee.id_number),
        department=department.name if department else None,
        first_day=employee.first_day,
        active=employee.status == "active",
    )


def employee_summaries(engine: Engine, member: Member) -> list[EmployeeSummary]:
    with Session(engine) as session:
        return [_summary(e, d) for e, d in list_employees(session, member.company_id)]


@dataclass(frozen=True)
class EmployeeSearch:
    """What /employee found: the first MAX_SHOWN in full, and how many matched in all."""

    details: list[EmployeeDetail]
    total: int
    by_id_number: bool
    shown_query: str


def search_employees(engine: Engine, member: Member, query: str) -> EmployeeSearch:
    """By a full 身份证 (pasted with blanks or full-width digits) or by part of the name; the
    cards shown are recorded as a view of personal data (bot/services/audit.py).

    The query is echoed back masked when it is a 身份证, so the number never sits in the chat.
    """
    id_number = normalise(query)
    by_id = bool(_ID_NUMBER.fullmatch(id_number))
    with Session(engine, expire_on_commit=False) as session:  # read on after the view's commit
        if by_id:
            person = employee_by_id_number(session, member.company_id, id_number)
            found = [person] if person else []
            shown = mask_id_number(id_number)
        else:
            shown = _SPACE_BETWEEN_HAN.sub("", " ".join(query.split()))
            found = find_employees_by_name(session, member.company_id, shown)
        details = _details(session, member, found[:MAX_SHOWN])
        if details:
            record_view(session, member, Viewed.EMPLOYEE_CARD,
                        (d.summary.employee_id for d in details))
            session.commit()
    return EmployeeSearch(details, len(found), by_id, shown)


def _details(session: Session, member: Member, found: list[Employee]) -> list[EmployeeDetail]:
    details = []
    for employee in found:
        assert employee.id is not None
        department = (
            session.get(Department, employee.department_id) if employee.department_id else None
        )
        tasks = [
            TaskLine(t.title, t.due_date, t.status == "done")
            for t in employee_tasks(session, member.company_id, employee.id)
        ]
        rows = employee_ledger(session, member.company_id, employee.id)
        months = [(row.month, LedgerState(row.state)) for row in rows]
        details.append(
            EmployeeDetail(
                summary=_summary(employee, department),
                base=employee.base,
                insured_city=employee.insured_city,
                last_day=employee.last_day,
                tasks=tasks,
                months=months[-12:],
                billed_base=rows[-1].base if rows else None,
                billed_month=rows[-1].month if rows else None,
            )
        )
    return details
