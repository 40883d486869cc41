"""Reminder planning: which `reminder` rows an obligation needs, written idempotently.

One row per (subject, kind, due date). The hiring service plans its task in the same
transaction; the scheduler's first tick each day plans unplanned tasks (imports) and the
declaration reminders; /settings re-plans every open task; `hrbot policies import` plans one
policy notice per affected company. See docs/reminders.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import ColumnElement, and_
from sqlmodel import Session, col, select

from bot.services.ledger import MonthDue, month_end_due
from bot.settings import ReminderConfig as ReminderDefaults
from models.company import Company, Membership, Role
from models.employee import Employee
from models.ledger import LedgerMonth, LedgerState
from models.reminder import (
    OPEN_STATUSES,
    CompanySettings,
    Reminder,
    ReminderStatus,
    reminders_for_subject,
)
from models.task import Task, TaskKind, TaskStatus
from models.types import utcnow
from policies import reminder_plan as plan
from policies.reminder_plan import PlannedReminder, ReminderKind
from policies.timezones import DEFAULT_TIMEZONE, today_in

# ---------------------------------------------------------------------------------------------
# Settings


def company_reminder_settings(
    session: Session, company_id: int, defaults: ReminderDefaults | None = None
) -> plan.ReminderSettings:
    """The company's thresholds: its own where set, config.toml defaults otherwise."""
    defaults = defaults or ReminderDefaults()
    own = session.get(CompanySettings, company_id)
    overrides = {
        name: getattr(own, name)
        for name in _COMPANY_OVERRIDABLE
        if own is not None and getattr(own, name) is not None
    }
    return company_reminder_settings_from(
        defaults.model_copy(update=overrides),
        company_timezone(session, company_id),
    )


#: config.toml [reminders] keys a company may override (columns of `company_settings`).
_COMPANY_OVERRIDABLE = (
    "normal_day",
    "urgent_day",
    "declaration_days_before",
    "backpay_stall_working_days",
    "send_hour",
)


def company_reminder_settings_from(
    defaults: ReminderDefaults, timezone: str = DEFAULT_TIMEZONE
) -> plan.ReminderSettings:
    """[reminders] values as validated policy settings (raises when out of bounds)."""
    return plan.ReminderSettings(
        **{name: getattr(defaults, name) for name in _COMPANY_OVERRIDABLE}, timezone=timezone
    )


def company_timezone(session: Session, company_id: int) -> str:
    """The company's zone, whose calendar day every "today" of its reminders is."""
    company = session.get(Company, company_id)
    return company.timezone if company is not None else DEFAULT_TIMEZONE


# ---------------------------------------------------------------------------------------------
# Planning


def task_subject(task_id: int) -> str:
    return f"task:{task_id}"


def declaration_subject(company_id: int, month: date, city: str) -> str:
    """A month's declaration in one insured city, for one company.

    The company is part of the subject: two companies in one city owe the same month on the
    same day, and `reminder` is unique on (subject, kind, due date).
    """
    return f"declaration:{company_id}:{month:%Y-%m}:{city}"


def parse_declaration_subject(subject: str) -> tuple[int, date, str]:
    """(company id, first day of the month, insured city) of a declaration subject."""
    _, company_id, month_text, city = subject.split(":", 3)
    return int(company_id), date.fromisoformat(f"{month_text}-01"), city


def policy_update_subject(audit_id: int) -> str:
    """A policy notice's subject names the `audit_log` entry holding its text."""
    return f"policy_update:{audit_id}"


def plan_policy_notice(
    session: Session,
    company_id: int,
    audit_id: int,
    *,
    now: datetime,
    defaults: ReminderDefaults | None = None,
) -> Reminder:
    """One notice row telling the company's HR about a policy change; the tick delivers it.

    Sent at once in the company's working hours, else at its next send time on a working day
    (`plan.notice_send_time`); the caller commits.
    """
    settings = company_reminder_settings(session, company_id, defaults)
    return add_row(
        session,
        company_id=company_id,
        subject=policy_update_subject(audit_id),
        planned=plan.notice_send_time(now, settings),
    )


class GoneWhat(StrEnum):
    """What stopped accepting messages: an HR's private chat, the HR group, a group robot."""

    MEMBERSHIP = "membership"
    GROUP = "group"
    ROBOT = "robot"


def gone_subject(what: GoneWhat, key: int) -> str:
    """A recipient-gone notice names what is gone: ``gone:membership:<id>``,
    ``gone:group:<chat id>`` or ``gone:robot:<id>``."""
    return f"gone:{what}:{key}"


def parse_gone_subject(subject: str) -> tuple[GoneWhat, int]:
    _, what, key = subject.split(":", 2)
    return GoneWhat(what), int(key)


def plan_gone_notice(
    session: Session, company_id: int, what: GoneWhat, key: int, *, now: datetime
) -> Reminder | None:
    """Tell the company's other HR that a chat or robot is gone, through the outbox: due at
    once, in the caller's transaction (the one that records the block), at most once a
    company-local day per gone endpoint. None when today's notice exists already."""
    subject = gone_subject(what, key)
    today = today_in(company_timezone(session, company_id), now)
    exists = session.exec(
        select(Reminder.id).where(
            Reminder.company_id == company_id,
            Reminder.subject == subject,
            Reminder.kind == ReminderKind.RECIPIENT_GONE,
            Reminder.due_date == today,
        )
    ).first()
    if exists is not None:
        return None
    planned = PlannedReminder(ReminderKind.RECIPIENT_GONE, today, today, now)
    return add_row(session, company_id=company_id, subject=subject, planned=planned)


def add_row(
    session: Session,
    *,
    company_id: int,
    subject: str,
    planned: PlannedReminder,
    task_id: int | None = None,
    owner_user_id: int | None = None,
    is_snooze: bool = False,
) -> Reminder:
    send_at = planned.send_at
    row = Reminder(
        company_id=company_id,
        subject=subject,
        task_id=task_id,
        kind=planned.kind,
        due_date=planned.due_date,
        send_at=send_at,
        next_attempt_at=send_at,
        owner_user_id=owner_user_id,
        is_snooze=is_snooze,
    )
    session.add(row)
    return row


def plan_task_reminders(
    session: Session,
    task: Task,
    *,
    today: date,
    defaults: ReminderDefaults | None = None,
    owner_user_id: int | None = None,
) -> int:
    """Bring a task's reminder rows in line with its deadline and the company's thresholds.

    Called when a task is created or changed (``today`` in the company's zone) and when
    thresholds change; the caller commits. Planned reminders whose day has already passed are
    not created (the hire's reply or the settings reply already shows the state), except the
    overdue alert, which is due on the next working day while the task is open. Returns the
    number of rows created.
    """
    assert task.id is not None
    now = utcnow()  # bookkeeping only; every decision uses ``today``
    subject = task_subject(task.id)
    existing = reminders_for_subject(session, task.company_id, subject)
    if task.status != TaskStatus.OPEN or task.kind != TaskKind.REGISTRATION:
        close_open_rows(existing, ReminderStatus.CANCELLED, now)
        return 0
    employee = session.get(Employee, task.employee_id) if task.employee_id else None
    if employee is None:
        return 0
    settings = company_reminder_settings(session, task.company_id, defaults)
    if owner_user_id is None:
        owner_user_id = next((r.owner_user_id for r in existing if r.owner_user_id), None)

    wanted = plan.registration_reminders(employee.first_day, task.due_date, settings)
    wanted_keys = {(p.kind, p.due_date) for p in wanted}
    fixed_kinds = {ReminderKind.REGISTRATION_NORMAL, ReminderKind.REGISTRATION_URGENT}
    for row in existing:
        stale_fixed = row.kind in fixed_kinds and (row.kind, row.due_date) not in wanted_keys
        stale_overdue = (
            row.kind == ReminderKind.REGISTRATION_OVERDUE and row.due_date <= task.due_date
        )
        if row.status in OPEN_STATUSES and not row.is_snooze and (stale_fixed or stale_overdue):
            close_row(row, ReminderStatus.CANCELLED, now)
    have = {(r.kind, r.due_date) for r in existing}
    created = 0
    for planned in wanted:
        if (planned.kind, planned.due_date) not in have and planned.send_on >= today:
            add_row(
                session,
                company_id=task.company_id,
                subject=subject,
                planned=planned,
                task_id=task.id,
                owner_user_id=owner_user_id,
            )
            created += 1
    has_overdue = any(
        r.kind == ReminderKind.REGISTRATION_OVERDUE
        and r.due_date > task.due_date
        and r.status != ReminderStatus.CANCELLED
        for r in existing
    )
    if not has_overdue:
        overdue = plan.next_overdue_reminder(task.due_date, today, settings)
        add_row(
            session,
            company_id=task.company_id,
            subject=subject,
            planned=overdue,
            task_id=task.id,
            owner_user_id=owner_user_id,
        )
        created += 1
    session.flush()
    return created


def _is_unplanned_registration() -> ColumnElement[bool]:
    """An open registration task that has no reminder row yet (bulk import, older rows)."""
    has_rows = select(Reminder.id).where(Reminder.task_id == Task.id).exists()
    return and_(Task.status == TaskStatus.OPEN, Task.kind == TaskKind.REGISTRATION, ~has_rows)


def companies_to_plan(session: Session, *, with_summaries: bool = False) -> list[int]:
    """Companies the daily planning may add rows for: an unplanned open registration task or
    a month still 待申报. The scheduler plans each in its own transaction, so one company's
    failure cannot stop the others."""
    unplanned = select(Task.company_id).where(_is_unplanned_registration())
    pending = select(LedgerMonth.company_id).where(LedgerMonth.state == LedgerState.PENDING)
    found = set(session.exec(unplanned.distinct())) | set(session.exec(pending.distinct()))
    if with_summaries:  # every company with a summary reader (a no-op after Wednesday)
        readers = select(Membership.company_id).where(*_summary_reader())
        found |= set(session.exec(readers.distinct()))
    return sorted(found)


def _summary_reader() -> tuple[ColumnElement[bool], ...]:
    """Memberships that get the weekly summary: active HR and managers with a private chat."""
    return (
        col(Membership.active).is_(True),
        col(Membership.role).in_([Role.HR, Role.MANAGER]),
        col(Membership.chat_id).is_not(None),
    )


def summary_subject(membership_id: int) -> str:
    """One reader's weekly summary (每周社保简报): the row of a (reader, Monday) is unique, so
    it goes out once per week per recipient, whatever restarts or second schedulers do."""
    return f"summary:{membership_id}"


def parse_summary_subject(subject: str) -> int:
    return int(subject.split(":", 1)[1])


def plan_weekly_summaries(
    session: Session, company_id: int, *, now: datetime, defaults: ReminderDefaults | None = None
) -> int:
    """This week's summary row for each of the company's HR and managers (Monday to
    Wednesday; the Monday row goes out at the send hour, a later one at once as 补发)."""
    settings = company_reminder_settings(session, company_id, defaults)
    planned = plan.weekly_summary_time(today_in(settings.timezone, now), settings)
    if planned is None:
        return 0
    readers = session.exec(
        select(Membership).where(Membership.company_id == company_id, *_summary_reader())
    ).all()
    created = 0
    for reader in readers:
        assert reader.id is not None
        subject = summary_subject(reader.id)
        have = {(r.kind, r.due_date) for r in reminders_for_subject(session, company_id, subject)}
        if (planned.kind, planned.due_date) in have:
            continue
        add_row(
            session,
            company_id=company_id,
            subject=subject,
            planned=planned,
            owner_user_id=reader.telegram_user_id,
        )
        created += 1
    session.flush()
    return created


def plan_unplanned_tasks(
    session: Session, company_id: int, *, now: datetime, defaults: ReminderDefaults | None = None
) -> int:
    """Plan the company's open registration tasks that have no reminder row yet.

    The hiring service plans its task in the same transaction; this sweep makes sure any
    other way of creating a task is reminded too. Returns the number of tasks planned.
    """
    today = today_in(company_timezone(session, company_id), now)
    tasks = list(
        session.exec(
            select(Task).where(Task.company_id == company_id, _is_unplanned_registration())
        )
    )
    for task in tasks:
        plan_task_reminders(session, task, today=today, defaults=defaults)
    return len(tasks)


def replan_company(
    session: Session, company_id: int, *, today: date, defaults: ReminderDefaults
) -> int:
    """Re-plan every open task of a company (after its thresholds changed)."""
    tasks = list(
        session.exec(
            select(Task).where(Task.company_id == company_id, Task.status == TaskStatus.OPEN)
        )
    )
    for task in tasks:
        plan_task_reminders(session, task, today=today, defaults=defaults)
    return len(tasks)


def plan_declarations(
    session: Session,
    company_id: int,
    *,
    now: datetime,
    defaults: ReminderDefaults,
    month_due: MonthDue = month_end_due,
) -> int:
    """Create the company's declaration reminders for every (insured city, month) still 待申报."""
    pending = session.exec(
        select(Employee.insured_city, LedgerMonth.month)
        .join(Employee, col(Employee.id) == LedgerMonth.employee_id)
        .where(LedgerMonth.company_id == company_id, LedgerMonth.state == LedgerState.PENDING)
        .distinct()
    ).all()
    if not pending:
        return 0
    settings = company_reminder_settings(session, company_id, defaults)
    today = today_in(settings.timezone, now)
    created = 0
    for city, month in pending:
        subject = declaration_subject(company_id, month, city)
        have = {(r.kind, r.due_date) for r in reminders_for_subject(session, company_id, subject)}
        for planned in plan.declaration_reminders(month_due(city, month), settings):
            if (planned.kind, planned.due_date) in have or planned.send_on < today:
                continue
            add_row(session, company_id=company_id, subject=subject, planned=planned)
            created += 1
    session.flush()
    return created


def case_subject(case_id: int) -> str:
    """A back-payment case's subject (补缴案例): its stall reminder."""
    return f"backpay_case:{case_id}"


def parse_case_subject(subject: str) -> int:
    return int(subject.split(":", 1)[1])


def plan_case_stall(
    session: Session,
    company_id: int,
    case_id: int,
    *,
    last_change_on: date | None,
    owner_user_id: int | None = None,
    defaults: ReminderDefaults | None = None,
) -> Reminder | None:
    """ONE 补缴进度提醒 for a case idle `backpay_stall_working_days` working days after
    `last_change_on` (None: the case is closed). Every change of the case calls this in its
    own transaction: the open row of the previous idle spell is cancelled and the new one
    planned, so a case is reminded once per idle spell; the caller commits."""
    now = utcnow()
    rows = reminders_for_subject(session, company_id, case_subject(case_id))
    wanted = None
    if last_change_on is not None:
        settings = company_reminder_settings(session, company_id, defaults)
        wanted = plan.backpay_stalled_reminder(last_change_on, settings)
    kept = None
    for row in rows:
        if wanted is not None and row.due_date == wanted.due_date:
            if row.status in (ReminderStatus.CANCELLED, *OPEN_STATUSES):
                row.status = ReminderStatus.PENDING
                row.send_at = row.next_attempt_at = wanted.send_at
                row.updated_at = now
            kept = row
        elif row.status in OPEN_STATUSES:
            close_row(row, ReminderStatus.CANCELLED, now)
    if wanted is not None and kept is None:
        kept = add_row(session, company_id=company_id, subject=case_subject(case_id),
                       planned=wanted, owner_user_id=owner_user_id)
    session.flush()
    return kept


def close_row(row: Reminder, status: ReminderStatus, now: datetime) -> None:
    row.status = status
    row.claimed_by = None
    row.claimed_until = None
    row.updated_at = now


def close_open_rows(rows: Sequence[Reminder], status: ReminderStatus, now: datetime) -> None:
    for row in rows:
        if row.status in OPEN_STATUSES:
            close_row(row, status, now)



def complaint_subject(complaint_id: int, reply: int = 0) -> str:
    """An employee complaint's notices: ``complaint:<id>`` tells HR it was filed,
    ``complaint:<id>:<n>`` tells the employee HR's n-th reply."""
    return f"complaint:{complaint_id}" + (f":{reply}" if reply else "")


def parse_complaint_subject(subject: str) -> int:
    return int(subject.split(":")[1])


def plan_complaint_notice(
    session: Session, company_id: int, complaint_id: int, kind: ReminderKind, *,
    now: datetime, today: date, reply: int = 0, owner_user_id: int | None = None,
) -> Reminder:
    """A complaint notice due at once: not held to working hours, the employee is waiting
    and HR read it when they open the chat. The caller commits."""
    planned = PlannedReminder(kind, today, today, now)
    return add_row(session, company_id=company_id,
                   subject=complaint_subject(complaint_id, reply),
                   planned=planned, owner_user_id=owner_user_id)
