"""HR send a back-payment case's 说明函 and 权益影响说明 to the employee it concerns.

The files (made at the edge by bot.documents, 身份证 masked) are kept on `sent_document` rows
with one outbox notice (documents_to_employee); the reminder tick delivers them as files to
the employee's private chat through the channel's send_file, then marks the rows delivered and
drops the bytes. /me lists what was sent.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Engine
from sqlmodel import Session

from bot.services.access import Member
from bot.services.errors import AccessDenied, CaseNotFound, EmployeeNotBound
from bot.services.notifications import Attachment, DocumentsForEmployeeFacts
from bot.services.reminder_planning import add_row
from models import audit
from models.backpay_case import case_by_id
from models.company import Role, employee_membership
from models.complaint import SentDocument, documents_of_notice
from models.db import unit_of_work
from models.employee import Employee
from models.reminder import Reminder
from policies.reminder_plan import PlannedReminder, ReminderKind
from policies.timezones import today_in


@dataclass(frozen=True)
class DocumentToSend:
    """One file for the employee: what it is ("letter", "impact"), its name and bytes."""

    kind: str
    filename: str
    content: bytes


@dataclass(frozen=True)
class DocumentsQueued:
    employee_name: str
    filenames: tuple[str, ...]


def documents_subject(first_document_id: int) -> str:
    return f"documents:{first_document_id}"


def send_case_documents(engine: Engine, member: Member, case_id: int,
                        files: Sequence[DocumentToSend], now: datetime) -> DocumentsQueued:
    """Queue `files` for the case's employee (EmployeeNotBound when no user is bound)."""
    if member.role != Role.HR:
        raise AccessDenied((Role.HR,))
    with unit_of_work(engine) as session:
        case = case_by_id(session, member.company_id, case_id)
        if case is None:
            raise CaseNotFound()
        employee = session.get(Employee, case.employee_id)
        assert employee is not None
        if employee_membership(session, member.company_id, case.employee_id) is None:
            raise EmployeeNotBound(employee.name)
        rows = [SentDocument(company_id=member.company_id, employee_id=case.employee_id,
                             case_id=case_id, kind=f.kind, filename=f.filename,
                             content=f.content, sent_by=member.user_id, sent_at=now)
                for f in files]
        session.add_all(rows)
        session.flush()
        assert rows and rows[0].id is not None
        today = today_in(member.timezone, now)
        notice = add_row(session, company_id=member.company_id,
                         subject=documents_subject(rows[0].id),
                         planned=PlannedReminder(ReminderKind.DOCUMENTS_TO_EMPLOYEE, today,
                                                 today, now),
                         owner_user_id=member.user_id)
        session.flush()
        for row in rows:
            row.reminder_id = notice.id
        audit.record(session, member.company_id, member.user_id, "case.documents_sent",
                     case_id=case_id, employee_id=case.employee_id,
                     documents=[r.id for r in rows])
        return DocumentsQueued(employee.name, tuple(f.filename for f in files))


def documents_facts(session: Session, row: Reminder,
                    ) -> tuple[DocumentsForEmployeeFacts, int] | None:
    """The files of a documents notice still to deliver, and the employee they are for."""
    assert row.id is not None
    documents = documents_of_notice(session, row.company_id, row.id)
    waiting = [d for d in documents if d.content is not None and d.delivered_at is None]
    if not waiting:
        return None
    employee = session.get(Employee, waiting[0].employee_id)
    case = case_by_id(session, row.company_id, waiting[0].case_id or 0)
    months: tuple[date, ...] = ()
    if case is not None:
        months = tuple(date.fromisoformat(m["month"]) for m in case.months)
    assert employee is not None
    facts = DocumentsForEmployeeFacts(
        employee_name=employee.name, months=months,
        attachments=tuple(Attachment(d.filename, d.content or b"") for d in waiting),
    )
    return facts, employee.id or 0


def mark_documents_delivered(session: Session, company_id: int, reminder_id: int,
                             now: datetime) -> None:
    """Delivered: stamp the rows and drop the bytes (the employee has the files now)."""
    for document in documents_of_notice(session, company_id, reminder_id):
        if document.delivered_at is None:
            document.delivered_at = now
            document.content = None
            session.add(document)
