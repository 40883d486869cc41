"""Employees' social-insurance complaints (投诉) and the documents HR sent them.

A complaint is a dated event of one company, one employee and the department the employee was
in when filing (kept on the row, so a later transfer does not move old complaints): the KPI
issue counts them by date, department and company. HR reply and close it; the employee gets
the reply through the outbox. `sent_document` records every file HR sent an employee (a
case's 说明函 and 权益影响说明), so /me can list them.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Index, LargeBinary, Text, func
from sqlmodel import Field, Session, SQLModel, col, select

from models.types import UTCDateTime, utcnow


class ComplaintStatus(StrEnum):
    OPEN = "open"
    ANSWERED = "answered"
    CLOSED = "closed"


#: Statuses that still count as open for /team and the KPI (answered but not closed yet).
OPEN_COMPLAINT_STATUSES = (ComplaintStatus.OPEN.value, ComplaintStatus.ANSWERED.value)


class Complaint(SQLModel, table=True):
    __table_args__ = (
        Index("ix_complaint_company_filed", "company_id", "filed_on"),
        Index("ix_complaint_company_status", "company_id", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    company_id: int = Field(foreign_key="company.id")
    employee_id: int = Field(foreign_key="employee.id", index=True)
    #: The employee's department when the complaint was filed (None: no department).
    department_id: int | None = Field(default=None, foreign_key="department.id")
    #: The Telegram user who filed it (the bound employee).
    filed_by: int = Field(sa_type=BigInteger)
    text: str = Field(sa_type=Text)
    #: The day it was filed in the company's time zone: what the KPI counts by.
    filed_on: date
    filed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    status: str = Field(default=ComplaintStatus.OPEN, max_length=10)
    #: HR's latest reply, and how many were sent (each one is a notice to the employee).
    reply: str | None = Field(default=None, sa_type=Text)
    replies: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    replied_by: int | None = Field(default=None, sa_type=BigInteger)
    replied_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    closed_by: int | None = Field(default=None, sa_type=BigInteger)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class SentDocument(SQLModel, table=True):
    """One file HR sent to an employee's private chat (through the outbox)."""

    __tablename__ = "sent_document"

    id: int | None = Field(default=None, primary_key=True)
    company_id: int = Field(foreign_key="company.id", index=True)
    employee_id: int = Field(foreign_key="employee.id", index=True)
    case_id: int | None = Field(default=None, foreign_key="backpay_case.id")
    #: What the file is: "letter" (说明函) or "impact" (权益影响说明).
    kind: str = Field(max_length=20)
    filename: str = Field(max_length=200)
    sent_by: int = Field(sa_type=BigInteger)
    sent_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    #: The outbox row that delivers it.
    reminder_id: int | None = Field(default=None, foreign_key="reminder.id", index=True)
    #: The file (身份证 masked) until the outbox delivered it; cleared then.
    content: bytes | None = Field(default=None, sa_type=LargeBinary)
    #: When the outbox delivered it (None: still on its way).
    delivered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


def complaint_by_id(session: Session, company_id: int, complaint_id: int) -> Complaint | None:
    return session.exec(
        select(Complaint).where(Complaint.company_id == company_id, Complaint.id == complaint_id)
    ).first()


def company_complaints(
    session: Session, company_id: int, *, open_only: bool = False
) -> list[Complaint]:
    """The company's complaints, newest first."""
    statement = select(Complaint).where(Complaint.company_id == company_id)
    if open_only:
        statement = statement.where(col(Complaint.status).in_(OPEN_COMPLAINT_STATUSES))
    return list(session.exec(statement.order_by(col(Complaint.filed_at).desc(),
                                                col(Complaint.id).desc())))


def employee_complaints(session: Session, company_id: int, employee_id: int) -> list[Complaint]:
    statement = select(Complaint).where(
        Complaint.company_id == company_id, Complaint.employee_id == employee_id
    )
    return list(session.exec(statement.order_by(col(Complaint.filed_at).desc())))


def complaints_filed_between(
    session: Session, company_id: int, start: date, end: date,
    department_id: int | None = None,
) -> list[Complaint]:
    """Complaints filed from `start` to `end` (inclusive), optionally of one department: what
    the KPI counts."""
    statement = select(Complaint).where(
        Complaint.company_id == company_id,
        Complaint.filed_on >= start,
        Complaint.filed_on <= end,
    )
    if department_id is not None:
        statement = statement.where(Complaint.department_id == department_id)
    return list(session.exec(statement.order_by(col(Complaint.filed_on), col(Complaint.id))))


def open_complaints_by_department(session: Session, company_id: int) -> dict[int | None, int]:
    """Open (or answered, not yet closed) complaints per department id (None: no department),
    for /team; departments without any are left out."""
    statement = (
        select(Complaint.department_id, func.count())
        .where(Complaint.company_id == company_id,
               col(Complaint.status).in_(OPEN_COMPLAINT_STATUSES))
        .group_by(col(Complaint.department_id))
    )
    return {department_id: count for department_id, count in session.exec(statement)}


def documents_of_notice(session: Session, company_id: int,
                        reminder_id: int) -> list[SentDocument]:
    statement = select(SentDocument).where(
        SentDocument.company_id == company_id, SentDocument.reminder_id == reminder_id
    )
    return list(session.exec(statement.order_by(col(SentDocument.id))))


def documents_sent_to(session: Session, company_id: int, employee_id: int) -> list[SentDocument]:
    statement = select(SentDocument).where(
        SentDocument.company_id == company_id, SentDocument.employee_id == employee_id
    )
    return list(session.exec(statement.order_by(col(SentDocument.sent_at).desc(),
                                                col(SentDocument.id).desc())))
