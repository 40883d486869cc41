"""What HR do with reminders: 已办理, 明天再提醒, 查看, /settings thresholds and /bindgroup.

Planning lives in reminder_planning, sending in reminder_delivery; each function here opens one
unit of work per decision and re-checks the company of every reminder it is handed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from bot.services.access import Member
from bot.services.errors import GroupBoundElsewhere, ReminderNotFound, ReminderObligationClosed
from bot.services.reminder_planning import (
    add_row,
    close_open_rows,
    company_reminder_settings,
    parse_declaration_subject,
    replan_company,
)
from bot.services.todo import complete_task
from bot.settings import ReminderConfig as ReminderDefaults
from models import audit
from models.db import reading, unit_of_work
from models.employee import Department, Employee
from models.ledger import LedgerMonth, LedgerState
from models.reminder import (
    OPEN_STATUSES,
    CompanySettings,
    Reminder,
    ReminderStatus,
    company_by_group,
    failed_reminders,
    reminder_by_id,
    reminders_for_subject,
)
from models.task import Task, TaskStatus
from policies import reminder_plan as plan
from policies.reminder_plan import PlannedReminder, ReminderKind
from policies.timezones import today_in

# ---------------------------------------------------------------------------------------------
# What HR press


def _member_reminder(session: Session, member: Member, reminder_id: int) -> Reminder:
    row = reminder_by_id(session, member.company_id, reminder_id)
    if row is None:
        raise ReminderNotFound()
    return row


@dataclass(frozen=True)
class ReminderDone:
    """What 已办理 closed: one employee's registration (`employee_name`), or a city's month
    declared for `count` employees."""

    employee_name: str | None = None
    city: str | None = None
    month: date | None = None
    count: int = 0


def mark_done(
    engine: Engine, member: Member, reminder_id: int, *, now: datetime
) -> ReminderDone:
    """已办理: close the obligation behind a reminder and cancel every later reminder of it."""
    today = today_in(member.timezone, now)
    with unit_of_work(engine) as session:
        row = _member_reminder(session, member, reminder_id)
        task_id, subject = row.task_id, row.subject
    if task_id is not None:
        done = ReminderDone(employee_name=complete_task(engine, member, task_id, done_on=today))
    else:
        done = _mark_declared(engine, member, subject, today)
    with unit_of_work(engine) as session:
        close_open_rows(
            reminders_for_subject(session, member.company_id, subject),
            ReminderStatus.CANCELLED,
            now,
        )
    return done


def _mark_declared(engine: Engine, member: Member, subject: str, today: date) -> ReminderDone:
    _, month, city = parse_declaration_subject(subject)
    with unit_of_work(engine) as session:
        rows = session.exec(
            select(LedgerMonth)
            .join(Employee, col(Employee.id) == LedgerMonth.employee_id)
            .where(
                LedgerMonth.company_id == member.company_id,
                LedgerMonth.month == month,
                LedgerMonth.state == LedgerState.PENDING,
                Employee.insured_city == city,
            )
        ).all()
        for ledger in rows:
            ledger.state = LedgerState.DECLARED
            ledger.declared_on = today
            ledger.marked_by = member.user_id
            session.add(ledger)
        audit.record(
            session,
            member.company_id,
            member.user_id,
            "ledger.declared",
            month=month.isoformat(),
            city=city,
            count=len(rows),
        )
    return ReminderDone(city=city, month=month, count=len(rows))


@dataclass(frozen=True)
class Snoozed:
    """When 明天再提醒 repeats the reminder; ``missed_deadline`` is the deadline it would pass
    (the next working day comes after a deadline still ahead, e.g. Friday before a Sunday)."""

    at: datetime
    missed_deadline: date | None = None


def _obligation_deadline(
    session: Session, row: Reminder, settings: plan.ReminderSettings
) -> date | None:
    """The deadline the reminder is about: the task's, or the month's declaration deadline."""
    if row.task_id is not None:
        task = session.get(Task, row.task_id)
        return task.due_date if task is not None else None
    if row.kind == ReminderKind.DECLARATION_DUE:
        return row.due_date
    if row.kind == ReminderKind.DECLARATION_UPCOMING:
        return row.due_date + timedelta(days=settings.declaration_days_before)
    return None


def snooze(
    engine: Engine, member: Member, reminder_id: int, *, now: datetime, defaults: ReminderDefaults
) -> Snoozed:
    """明天再提醒: the same reminder again on the next working day at the send hour.

    Idempotent per day: a second tap (or a tap on a reminder whose next alert is already due
    that day) records nothing more and answers with the same time.

    The next working day may come after a deadline that is still ahead (a Friday before a
    weekend deadline, the day before a holiday); the snooze still happens, but HR are told.
    """
    with unit_of_work(engine) as session:
        row = _member_reminder(session, member, reminder_id)
        if row.task_id is not None:
            task = session.get(Task, row.task_id)
            if task is None or task.status != TaskStatus.OPEN:
                raise ReminderObligationClosed()
        settings = company_reminder_settings(session, member.company_id, defaults)
        day, at = plan.snooze_until(now, settings)
        deadline = _obligation_deadline(session, row, settings)
        today = today_in(member.timezone, now)
        missed = deadline if deadline is not None and today <= deadline < day else None
        exists = session.exec(
            select(Reminder).where(
                Reminder.company_id == row.company_id,
                Reminder.subject == row.subject,
                Reminder.kind == row.kind,
                Reminder.due_date == day,
            )
        ).first()
        if exists is not None and exists.status in OPEN_STATUSES:
            # Already due again that day (tapped twice, or the next alert is planned anyway):
            # nothing more to record, and the answer is the same as the first time.
            return Snoozed(exists.send_at.astimezone(settings.zone), missed)
        if exists is None:
            add_row(
                session,
                company_id=row.company_id,
                subject=row.subject,
                planned=PlannedReminder(ReminderKind(row.kind), day, day, at),
                task_id=row.task_id,
                owner_user_id=member.user_id,
                is_snooze=True,
            )
        else:
            exists.status = ReminderStatus.PENDING
            exists.next_attempt_at = exists.send_at = at
            exists.updated_at = now
        audit.record(
            session, member.company_id, member.user_id, "reminder.snoozed", reminder_id=reminder_id
        )
        return Snoozed(at, missed)


@dataclass(frozen=True)
class ReminderDetails:
    """查看: what a reminder is about. The edge shows the 身份证 (masked) in private chats only."""

    row: Reminder
    task: Task | None
    employee: Employee | None
    department: str
    today: date


def view(engine: Engine, member: Member, reminder_id: int, *, now: datetime) -> ReminderDetails:
    """查看: the obligation behind a reminder of the member's company."""
    with unit_of_work(engine) as session:
        row = _member_reminder(session, member, reminder_id)
        task = session.get(Task, row.task_id) if row.task_id else None
        employee = session.get(Employee, task.employee_id) if task and task.employee_id else None
        department = (
            session.get(Department, employee.department_id)
            if employee and employee.department_id
            else None
        )
        return ReminderDetails(
            row=row,
            task=task,
            employee=employee,
            department=department.name if department else "",
            today=today_in(member.timezone, now),
        )


@dataclass(frozen=True)
class FailedReminder:
    """A reminder given up after every attempt: its kind and what it was about (a task's
    stored title, or a declaration's city and month); labels.j2 words it for /todo."""

    kind: ReminderKind
    due_date: date
    task_title: str | None = None
    city: str | None = None
    month: date | None = None


def failed_for_todo(engine: Engine, member: Member) -> list[FailedReminder]:
    """Reminders given up after max attempts whose obligation is still open: /todo shows them.
    Read on an autocommit connection on PostgreSQL (models.db.reading): /todo asks each time."""
    with reading(engine) as connection, Session(bind=connection) as session:
        shown = []
        for row in failed_reminders(session, member.company_id):
            kind = ReminderKind(row.kind)
            if row.task_id is not None:
                task = session.get(Task, row.task_id)
                if task is None or task.status != TaskStatus.OPEN:
                    continue
                shown.append(FailedReminder(kind, row.due_date, task_title=task.title))
            elif kind in (ReminderKind.DECLARATION_UPCOMING, ReminderKind.DECLARATION_DUE):
                _, month, city = parse_declaration_subject(row.subject)
                shown.append(FailedReminder(kind, row.due_date, city=city, month=month))
            else:  # a policy notice, or the note that a chat or robot is gone
                shown.append(FailedReminder(kind, row.due_date))
        return shown


# ---------------------------------------------------------------------------------------------
# /settings and /bindgroup


def current_settings(
    engine: Engine, member: Member, defaults: ReminderDefaults
) -> plan.ReminderSettings:
    with Session(engine) as session:
        return company_reminder_settings(session, member.company_id, defaults)


def change_thresholds(
    engine: Engine,
    member: Member,
    *,
    normal_day: int,
    urgent_day: int,
    now: datetime,
    defaults: ReminderDefaults,
) -> tuple[plan.ReminderSettings, int]:
    """Validate and store new thresholds, then re-plan every open task of the company.

    Raises `plan.InvalidReminderSettings` (nothing changed) when outside the bounds.
    """
    with unit_of_work(engine) as session:
        current = company_reminder_settings(session, member.company_id, defaults)
        updated = plan.ReminderSettings(
            normal_day=normal_day,
            urgent_day=urgent_day,
            declaration_days_before=current.declaration_days_before,
            backpay_stall_working_days=current.backpay_stall_working_days,
            send_hour=current.send_hour,
            timezone=current.timezone,
        )
        own = session.get(CompanySettings, member.company_id) or CompanySettings(
            company_id=member.company_id
        )
        own.normal_day = normal_day
        own.urgent_day = urgent_day
        own.updated_at = now
        session.add(own)
        session.flush()
        count = replan_company(
            session, member.company_id, today=today_in(current.timezone, now), defaults=defaults
        )
        audit.record(
            session,
            member.company_id,
            member.user_id,
            "settings.reminders",
            normal_day=normal_day,
            urgent_day=urgent_day,
        )
    return updated, count


def move_group_binding(session: Session, old_chat_id: int, new_chat_id: int, *,
                       now: datetime) -> int:
    """A bound group became a supergroup, which has a new chat id (Telegram answers the old one
    with ChatMigrated and sends a migrate_to_chat_id service message): every company bound to
    the old id is bound to the new one, with an audit row each. Returns how many moved; moving
    again is a no-op, so the tick and the service message may both see it."""
    moved = session.exec(
        select(CompanySettings).where(CompanySettings.group_chat_id == old_chat_id)
    ).all()
    for own in moved:
        own.group_chat_id = new_chat_id
        own.updated_at = now
        session.add(own)
        audit.record(session, own.company_id, None, "group.migrated",
                     old_chat_id=old_chat_id, new_chat_id=new_chat_id)
    return len(moved)


def group_migrated(engine: Engine, old_chat_id: int, new_chat_id: int, *, now: datetime) -> int:
    """`move_group_binding` in its own transaction (the handler of the service message)."""
    with unit_of_work(engine) as session:
        return move_group_binding(session, old_chat_id, new_chat_id, now=now)


def bind_group(engine: Engine, member: Member, chat_id: int, title: str, *, now: datetime) -> None:
    """Bind a group chat as the company's HR group (escalated reminders go there too)."""
    with unit_of_work(engine) as session:
        taken = company_by_group(session, chat_id)
        if taken is not None and taken.company_id != member.company_id:
            raise GroupBoundElsewhere()
        own = session.get(CompanySettings, member.company_id) or CompanySettings(
            company_id=member.company_id
        )
        own.group_chat_id = chat_id
        own.group_title = title[:200]
        own.updated_at = now
        session.add(own)
        audit.record(session, member.company_id, member.user_id, "group.bound", chat_id=chat_id)
