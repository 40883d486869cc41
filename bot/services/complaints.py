"""Employees' social-insurance complaints (投诉): filed by the employee, answered and closed by
HR, each step told to the other side through the outbox (kinds complaint_filed and
complaint_answered, delivered by the reminder tick like every notice).

A complaint is a dated event of a company, an employee and the department they were in, so
the KPI can count them by date, department and company (models/complaint.py has the queries,
`open_complaints_by_department` among them for /team).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Engine
from sqlmodel import Session

from bot.services.access import Member
from bot.services.errors import AccessDenied, ComplaintClosed, ComplaintNotFound
from bot.services.notifications import ComplaintAnsweredFacts, ComplaintFiledFacts
from bot.services.reminder_planning import parse_complaint_subject, plan_complaint_notice
from bot.services.self_service import bound_employee
from models import audit
from models.company import Role
from models.complaint import (
    Complaint,
    ComplaintStatus,
    company_complaints,
    complaint_by_id,
    employee_complaints,
)
from models.db import unit_of_work
from models.employee import Department, Employee
from models.reminder import Reminder
from policies.reminder_plan import ReminderKind
from policies.timezones import today_in

#: Longest complaint or reply kept (a Telegram message holds 4,096 characters).
TEXT_LIMIT = 1000


@dataclass(frozen=True)
class ComplaintView:
    """One complaint as HR (or the employee who filed it) see it."""

    id: int
    employee_name: str
    department: str | None
    text: str
    filed_on: date
    status: ComplaintStatus
    reply: str | None
    replies: int


def _view(session: Session, complaint: Complaint) -> ComplaintView:
    assert complaint.id is not None
    employee = session.get(Employee, complaint.employee_id)
    department = (session.get(Department, complaint.department_id)
                  if complaint.department_id is not None else None)
    return ComplaintView(
        id=complaint.id,
        employee_name=employee.name if employee is not None else "",
        department=department.name if department is not None else None,
        text=complaint.text,
        filed_on=complaint.filed_on,
        status=ComplaintStatus(complaint.status),
        reply=complaint.reply,
        replies=complaint.replies,
    )


def _require_hr(member: Member) -> None:
    if member.role != Role.HR:
        raise AccessDenied((Role.HR,))


def file_complaint(engine: Engine, member: Member, text: str, now: datetime) -> ComplaintView:
    """The bound employee files a complaint; every HR is told through the outbox."""
    if member.role != Role.EMPLOYEE:
        raise AccessDenied((Role.EMPLOYEE,))
    today = today_in(member.timezone, now)
    with unit_of_work(engine) as session:
        employee = bound_employee(session, member)
        assert employee.id is not None
        complaint = Complaint(
            company_id=member.company_id, employee_id=employee.id,
            department_id=employee.department_id, filed_by=member.user_id,
            text=text[:TEXT_LIMIT], filed_on=today, filed_at=now,
        )
        session.add(complaint)
        session.flush()
        assert complaint.id is not None
        plan_complaint_notice(session, member.company_id, complaint.id,
                              ReminderKind.COMPLAINT_FILED, now=now, today=today)
        audit.record(session, member.company_id, member.user_id, "complaint.filed",
                     complaint_id=complaint.id, employee_id=employee.id)
        return _view(session, complaint)


def my_complaints(engine: Engine, member: Member) -> list[ComplaintView]:
    """The employee's own complaints, newest first."""
    with unit_of_work(engine) as session:
        employee = bound_employee(session, member)
        assert employee.id is not None
        return [_view(session, c)
                for c in employee_complaints(session, member.company_id, employee.id)]


def list_complaints(engine: Engine, member: Member) -> list[ComplaintView]:
    """/complaints: the company's complaints, open ones first, newest first within."""
    _require_hr(member)
    with unit_of_work(engine) as session:
        found = company_complaints(session, member.company_id)
        views = [_view(session, c) for c in found]
    return sorted(views, key=lambda v: v.status == ComplaintStatus.CLOSED)


def complaint_view(engine: Engine, member: Member, complaint_id: int) -> ComplaintView:
    _require_hr(member)
    with unit_of_work(engine) as session:
        complaint = complaint_by_id(session, member.company_id, complaint_id)
        if complaint is None:
            raise ComplaintNotFound()
        audit.record(session, member.company_id, member.user_id, "complaint.viewed",
                     complaint_id=complaint_id)
        return _view(session, complaint)


def answer_complaint(engine: Engine, member: Member, complaint_id: int, reply: str,
                     now: datetime) -> ComplaintView:
    """HR's reply: kept on the complaint and sent to the employee through the outbox."""
    _require_hr(member)
    with unit_of_work(engine) as session:
        complaint = complaint_by_id(session, member.company_id, complaint_id)
        if complaint is None:
            raise ComplaintNotFound()
        if complaint.status == ComplaintStatus.CLOSED:
            raise ComplaintClosed()
        complaint.reply = reply[:TEXT_LIMIT]
        complaint.replies += 1
        complaint.replied_by = member.user_id
        complaint.replied_at = now
        complaint.status = ComplaintStatus.ANSWERED
        session.add(complaint)
        plan_complaint_notice(session, member.company_id, complaint_id,
                              ReminderKind.COMPLAINT_ANSWERED, now=now,
                              today=today_in(member.timezone, now), reply=complaint.replies,
                              owner_user_id=member.user_id)
        audit.record(session, member.company_id, member.user_id, "complaint.answered",
                     complaint_id=complaint_id)
        return _view(session, complaint)


def close_complaint(engine: Engine, member: Member, complaint_id: int,
                    now: datetime) -> ComplaintView:
    """Close it: it no longer counts as open (/team, KPI); closing twice changes nothing."""
    _require_hr(member)
    with unit_of_work(engine) as session:
        complaint = complaint_by_id(session, member.company_id, complaint_id)
        if complaint is None:
            raise ComplaintNotFound()
        if complaint.status != ComplaintStatus.CLOSED:
            complaint.status = ComplaintStatus.CLOSED
            complaint.closed_by = member.user_id
            complaint.closed_at = now
            session.add(complaint)
            audit.record(session, member.company_id, member.user_id, "complaint.closed",
                         complaint_id=complaint_id)
        return _view(session, complaint)


# ---------------------------------------------------------------- the outbox's facts


def complaint_facts(
    session: Session, row: Reminder
) -> tuple[ComplaintFiledFacts | ComplaintAnsweredFacts, int] | None:
    """What a complaint notice says, and the employee it concerns; None when the complaint
    is gone (nothing to send)."""
    complaint = complaint_by_id(session, row.company_id, parse_complaint_subject(row.subject))
    if complaint is None or complaint.id is None:
        return None
    view = _view(session, complaint)
    if row.kind == ReminderKind.COMPLAINT_FILED:
        return ComplaintFiledFacts(view.id, view.employee_name, view.department, view.text,
                                   view.filed_on), complaint.employee_id
    if view.reply is None:
        return None
    return ComplaintAnsweredFacts(view.id, view.text, view.filed_on,
                                  view.reply), complaint.employee_id
