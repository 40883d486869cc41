"""The outbox tick: claim due rows with a lease, deliver each notification once per endpoint.

A `reminder` row is one notification: a deadline reminder, a policy change notice, or the
note that a chat or robot is gone. The tick composes it into a typed `Notification` (what,
to whom), has the edge render it per addressee (the `present` callable the composition root
passes in) and hands it to the channel adapter of each endpoint (Telegram, group robots).
Claims use `FOR UPDATE SKIP LOCKED` on PostgreSQL (SQLite has one writer); each send is fenced
by a conditional lease renewal and recorded per endpoint right after its channel accepts it, so
a crash re-sends at most the message in flight. RetryLater postpones, network errors and 5xx
back off, a gone endpoint is switched off and the other HR are told through the outbox. A
failing endpoint never holds back the others; after `max_attempts` the row is `failed` and shows
in /todo — unless an HR chat has it: the row is then `sent` and each endpoint that kept failing
gets a `failed` delivery row (a robot also keeps its error). See docs/reminders.md.
"""

from __future__ import annotations

import asyncio
import logging
import traceback
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Protocol

from sqlalchemy import Engine, and_, func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from bot.channels.base import (
    Channel,
    ChannelKind,
    Delivered,
    DeliveryFailed,
    Endpoint,
    EndpointGone,
    EndpointMoved,
    Rendered,
    RetryLater,
)
from bot.clock import Clock
from bot.services.complaints import complaint_facts
from bot.services.employee_documents import documents_facts, mark_documents_delivered
from bot.services.kpi import settings_in_session
from bot.services.ledger import HolidayGap, MonthDue, month_end_due
from bot.services.notifications import (
    Addressee,
    BackpayStalledFacts,
    DeclarationReminderFacts,
    DocumentsForEmployeeFacts,
    EndpointGoneFacts,
    Facts,
    Notification,
    PendingDeclarant,
    RegistrationReminderFacts,
    WeeklySummaryFacts,
)
from bot.services.policy_updates import notice_facts
from bot.services.reminder_planning import (
    GoneWhat,
    add_row,
    close_row,
    companies_to_plan,
    company_reminder_settings,
    company_reminder_settings_from,
    parse_case_subject,
    parse_declaration_subject,
    parse_gone_subject,
    parse_summary_subject,
    plan_declarations,
    plan_gone_notice,
    plan_unplanned_tasks,
    plan_weekly_summaries,
)
from bot.services.reminders import move_group_binding
from bot.services.summary import build_weekly_summary, last_week, scoped_department_ids
from bot.settings import ReminderConfig as ReminderDefaults
from models import audit
from models.backpay_case import case_by_id
from models.company import (
    Company,
    Membership,
    Role,
    active_memberships,
    company_members,
    employee_membership,
)
from models.db import unit_of_work
from models.employee import Department, Employee
from models.kpi_events import DueOf
from models.ledger import LedgerMonth, LedgerState
from models.reminder import (
    DELIVERY_FAILED,
    DELIVERY_SENT,
    OPEN_STATUSES,
    CompanySettings,
    Reminder,
    ReminderDelivery,
    ReminderStatus,
    delivered_endpoints,
    is_open,
    reminders_for_subject,
    robot_kinds,
)
from models.robot import RobotEndpoint, active_robots
from models.task import Task, TaskStatus
from policies import reminder_plan as plan
from policies.backpay import back_payment
from policies.backpay_case import CaseState
from policies.deadlines import registration_deadline
from policies.kpi import KpiSettings
from policies.library import PolicyLibrary
from policies.obligations import is_paid_with_registration
from policies.reminder_plan import ReminderKind
from policies.timezones import today_in

#: Renders one notification for one addressee (bot/channels/present.py, passed in by the
#: composition root: services never word a message).
Present = Callable[[Notification, Addressee], Rendered]

#: A notification's files for a private chat (the weekly summary's chart and workbook):
#: (filename, content) pairs, made at the edge like its text.
Attachments = Callable[[Notification], list[tuple[str, bytes]]]


@dataclass(frozen=True)
class SummaryInputs:
    """What the weekly summary's KPI scores need: config.toml [kpi] and the one due rule."""

    kpi: KpiSettings = field(default_factory=KpiSettings)
    due_of: DueOf = field(default=lambda city, month, first_day: month_end_due(city, month))

log = logging.getLogger(__name__)


def _log_failure(message: str, *ids: object, error: BaseException) -> None:
    """Log an unexpected error by ids, its type and frames only: its text may quote personal
    data (a name, a 身份证) and SQL parameters are hidden for the same reason."""
    frames = "".join(traceback.format_tb(error.__traceback__))
    log.error(message + ": %s\n%s", *ids, type(error).__name__, frames)


#: How long a claim is held before another worker may take the row over (crash recovery).
LEASE = timedelta(minutes=5)
#: Rows claimed at a time (a tick claims again until fewer are due); at 30 messages/s a
#: batch is sent well inside one lease.
BATCH = 200
_BACKOFF_FIRST = timedelta(seconds=30)
_BACKOFF_MAX = timedelta(minutes=30)


# ---------------------------------------------------------------------------------------------
# Claiming


def claim_due(
    engine: Engine, worker: str, now: datetime, *, lease: timedelta = LEASE, limit: int = BATCH
) -> list[int]:
    """Claim up to `limit` due rows for `worker`; returns their ids in no set order (the
    oldest due are the ones claimed, but UPDATE … RETURNING does not keep that order).

    A row is due when it is pending and its next attempt has come, or when it is claimed and
    the lease has run out (the claiming worker crashed). Claiming moves `next_attempt_at` to
    the lease's end, so both cases are one range on the partial due index. On PostgreSQL the
    inner SELECT takes row locks with SKIP LOCKED, so concurrent workers claim disjoint rows;
    SQLite ignores FOR UPDATE and serialises writers, and the outer WHERE re-checks the row.
    """
    due = and_(is_open(), col(Reminder.next_attempt_at) <= now)
    candidates = (
        select(Reminder.id)
        .where(due)
        .order_by(col(Reminder.next_attempt_at))
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    until = now + lease
    statement = (
        update(Reminder)
        .where(col(Reminder.id).in_(candidates.scalar_subquery()), due)
        .values(
            status=ReminderStatus.CLAIMED,
            claimed_by=worker,
            claimed_until=until,
            next_attempt_at=until,
            updated_at=now,
        )
        .returning(col(Reminder.id), col(Reminder.next_attempt_at))
    )
    with engine.begin() as connection:
        rows = connection.execute(statement).all()
    return [row[0] for row in rows]


def _owned(reminder_id: int, worker: str) -> object:
    return and_(
        col(Reminder.id) == reminder_id,
        col(Reminder.status) == ReminderStatus.CLAIMED,
        col(Reminder.claimed_by) == worker,
    )


def _release(engine: Engine, ids: Sequence[int], worker: str, at: datetime) -> None:
    """Give claimed rows back, due again at `at` (RetryAfter: the whole bot must wait)."""
    if not ids:
        return
    with engine.begin() as connection:
        connection.execute(
            update(Reminder)
            .where(
                col(Reminder.id).in_(ids),
                col(Reminder.status) == ReminderStatus.CLAIMED,
                col(Reminder.claimed_by) == worker,
            )
            .values(
                status=ReminderStatus.PENDING,
                claimed_by=None,
                claimed_until=None,
                next_attempt_at=at,
                updated_at=at,
            )
        )


# ---------------------------------------------------------------------------------------------
# Composing


def _hr_memberships(session: Session, company_id: int) -> list[Membership]:
    return company_members(session, company_id, Role.HR)


def _chat_of(m: Membership) -> int:
    return m.chat_id or m.telegram_user_id


def _company_name_if_several(session: Session, m: Membership) -> str | None:
    """The company's name when its HR serves several companies: their private text then
    starts with 【公司】 (the presenter adds it; replies do it in handlers/common.py)."""
    if len(active_memberships(session, m.telegram_user_id)) < 2:
        return None
    company = session.get(Company, m.company_id)
    return company.name if company is not None else None


def _private(session: Session, m: Membership, **wording: object) -> Addressee:
    assert m.id is not None
    return Addressee(
        Endpoint.telegram(_chat_of(m)),
        membership_id=m.id,
        company_name=_company_name_if_several(session, m),
        **wording,  # type: ignore[arg-type]
    )


def _robots(session: Session, company_id: int, kind: ReminderKind) -> list[Addressee]:
    """The company's active group robots, when its setting sends them this kind."""
    if kind not in robot_kinds(session.get(CompanySettings, company_id)):
        return []
    return [
        Addressee(Endpoint.robot(robot.id, ChannelKind(robot.kind)))
        for robot in active_robots(session, company_id)
        if robot.id is not None
    ]


def _is_superseded(session: Session, row: Reminder, now: datetime) -> bool:
    for other in reminders_for_subject(session, row.company_id, row.subject):
        if (
            other.id != row.id
            and other.status in (*OPEN_STATUSES, ReminderStatus.SENT)
            and other.send_at <= now
            and plan.superseded_by(ReminderKind(row.kind), ReminderKind(other.kind))
        ):
            return True
    return False


class LateFeeEstimate(Protocol):
    """(insured city, declared base, first day of work, today[, last day worked]) → 滞纳金 run
    up so far, if known. Months after the last day worked are not owed."""

    def __call__(self, city: str, base: Decimal, first_day: date, today: date,
                 last_day: date | None = None) -> Decimal | None: ...


def late_fee_estimator(library: Callable[[], PolicyLibrary | None]) -> LateFeeEstimate:
    """The late fee so far on every month since the first day, priced by the policy calculator.

    ``library`` is asked at each call, so a library reloaded by `hrbot policies import` is used.
    """

    def estimate(city: str, base: Decimal, first_day: date, today: date,
                 last_day: date | None = None) -> Decimal | None:
        found = library()
        if found is None:
            return None
        months = []
        month = first_day.replace(day=1)
        end = min(today, last_day) if last_day is not None else today
        while month <= end:
            months.append(month)
            month = (month + timedelta(days=32)).replace(day=1)
        try:
            region = found.region_or_national(city)
            return back_payment(region, base, months, today, first_day=first_day).late_fee
        except (LookupError, ValueError):  # no version in force, unknown city, bad base
            return None

    return estimate


def _registration_facts(
    session: Session,
    row: Reminder,
    today: date,
    late_fee: LateFeeEstimate | None,
) -> RegistrationReminderFacts | None:
    task = session.get(Task, row.task_id) if row.task_id else None
    if task is None or task.status != TaskStatus.OPEN:
        return None
    employee = session.get(Employee, task.employee_id) if task.employee_id else None
    if employee is None:
        return None
    department = (
        session.get(Department, employee.department_id) if employee.department_id else None
    )
    # left before being registered: still owed for the days worked, so say so
    left_on = (employee.last_day
               if employee.last_day is not None and employee.last_day >= employee.first_day
               else None)
    return RegistrationReminderFacts(
        employee_name=employee.name,
        left_on=left_on,
        department=department.name if department else "",
        days_employed=plan.days_employed(employee.first_day, today),
        deadline=task.due_date,
        days_left=(task.due_date - today).days,
        days_overdue=(today - task.due_date).days,
        month=employee.first_day.replace(day=1),
        employee_id=employee.id,
        late_fee=late_fee(employee.insured_city, employee.base, employee.first_day, today,
                          left_on)
        if late_fee is not None and today > task.due_date
        else None,
    )


def _declaration_facts(
    session: Session, row: Reminder, today: date, month_due: MonthDue,
    holiday_gap: HolidayGap | None = None,
) -> DeclarationReminderFacts | None:
    _, month, city = parse_declaration_subject(row.subject)
    deadline = month_due(city, month)
    found = session.exec(
        select(Employee.name, Employee.first_day)
        .join(LedgerMonth, col(LedgerMonth.employee_id) == Employee.id)
        .where(
            LedgerMonth.company_id == row.company_id,
            LedgerMonth.month == month,
            LedgerMonth.state == LedgerState.PENDING,
            Employee.insured_city == city,
        )
        .order_by(col(Employee.id))
    ).all()
    # A new hire whose month may go with the registration (first-month rule) is still listed,
    # marked with that later date, so the declaration and /todo say the same thing.
    names = tuple(
        PendingDeclarant(
            name,
            registration_deadline(first_day)
            if is_paid_with_registration(month, deadline, first_day)
            else None,
        )
        for name, first_day in found
    )
    if not names:
        return None
    return DeclarationReminderFacts(
        city=city, month=month, names=names, deadline=deadline, days_left=(deadline - today).days,
        holiday_notice_missing=holiday_gap(city, month) if holiday_gap is not None else None,
    )


def _case_stall_facts(
    session: Session, row: Reminder, working_days: int
) -> BackpayStalledFacts | None:
    """The case still open and unchanged since the day its reminder was planned from."""
    case = case_by_id(session, row.company_id, parse_case_subject(row.subject))
    if case is None or case.id is None or CaseState(case.state).is_closed:
        return None
    employee = session.get(Employee, case.employee_id)
    company = session.get(Company, case.company_id)
    assert employee is not None and company is not None
    return BackpayStalledFacts(
        case_id=case.id,
        employee_name=employee.name,
        months=tuple(date.fromisoformat(m["month"]) for m in case.months),
        state=case.state,
        since=today_in(company.timezone, case.last_change_at),
        working_days=working_days,
    )


def compose(
    session: Session,
    row: Reminder,
    now: datetime,
    defaults: ReminderDefaults,
    month_due: MonthDue = month_end_due,
    late_fee: LateFeeEstimate | None = None,
    holiday_gap: HolidayGap | None = None,
    summary: SummaryInputs | None = None,
) -> Notification | ReminderStatus:
    """Decide what a claimed row tells whom, or the status it ends in without sending."""
    assert row.id is not None
    kind = ReminderKind(row.kind)
    settings = company_reminder_settings(session, row.company_id, defaults)
    today = today_in(settings.timezone, now)
    # 补发: it goes out on a later day than planned (downtime, long retries).
    late = row.send_at.astimezone(settings.zone).date() < today
    if kind == ReminderKind.POLICY_UPDATE:
        return _policy_notice(session, row, is_catch_up=late)
    if kind == ReminderKind.RECIPIENT_GONE:
        return _gone_notice(session, row)
    if kind in (ReminderKind.COMPLAINT_FILED, ReminderKind.COMPLAINT_ANSWERED):
        return _complaint_notice(session, row, kind)
    if kind == ReminderKind.DOCUMENTS_TO_EMPLOYEE:
        return _documents_notice(session, row)
    if kind == ReminderKind.WEEKLY_SUMMARY:
        return _summary_notice(session, row, today, summary or SummaryInputs(), catch_up=late)
    facts: RegistrationReminderFacts | DeclarationReminderFacts | BackpayStalledFacts | None
    if kind in (
        ReminderKind.REGISTRATION_NORMAL,
        ReminderKind.REGISTRATION_URGENT,
        ReminderKind.REGISTRATION_OVERDUE,
    ):
        facts = _registration_facts(session, row, today, late_fee)
    elif kind in (ReminderKind.DECLARATION_UPCOMING, ReminderKind.DECLARATION_DUE):
        facts = _declaration_facts(session, row, today, month_due, holiday_gap)
    elif kind == ReminderKind.BACKPAY_STALLED:
        facts = _case_stall_facts(session, row, settings.backpay_stall_working_days)
    else:
        facts = None
    if facts is None:
        return ReminderStatus.CANCELLED
    if _is_superseded(session, row, now):
        return ReminderStatus.SUPERSEDED

    hrs = _hr_memberships(session, row.company_id)
    escalated = plan.is_escalated(kind)
    if escalated:
        chosen = hrs
    else:
        owner = [m for m in hrs if m.telegram_user_id == row.owner_user_id]
        chosen = owner or hrs[:1]
    group = session.get(CompanySettings, row.company_id)
    has_group = escalated and group is not None and group.group_chat_id is not None
    names = {m.id: m.display_name or str(m.telegram_user_id) for m in hrs}

    def told_besides(member_id: int | None) -> tuple[str, ...]:
        """An urgent reminder names who else was told (UX.md)."""
        if not escalated:
            return ()
        return tuple(name for mid, name in names.items() if mid != member_id)

    addressees = [
        _private(
            session,
            m,
            also_told=told_besides(m.id),
            also_group=escalated and has_group,
        )
        for m in chosen
    ]
    if has_group:
        assert group is not None and group.group_chat_id is not None
        addressees.append(
            Addressee(Endpoint.telegram(group.group_chat_id, is_group=True),
                      also_told=told_besides(None))
        )
    addressees += _robots(session, row.company_id, kind)
    return _pending(session, row, kind, facts, addressees, catch_up=late)


def _summary_notice(
    session: Session, row: Reminder, today: date, inputs: SummaryInputs, *, catch_up: bool
) -> Notification | ReminderStatus:
    """The weekly summary for the one HR or manager the row names, as of its Monday (so a
    retry tells the same numbers); cancelled when the reader is gone or lost the role."""
    reader = session.get(Membership, parse_summary_subject(row.subject))
    company = session.get(Company, row.company_id)
    if (
        reader is None
        or company is None
        or company.id is None
        or not reader.active
        or reader.company_id != row.company_id
        or reader.role not in (Role.HR, Role.MANAGER)
    ):
        return ReminderStatus.CANCELLED
    facts = WeeklySummaryFacts(
        build_weekly_summary(
            session,
            company_id=company.id,
            company_name=company.name,
            timezone=company.timezone,
            week=last_week(row.due_date),
            today=row.due_date,
            settings=settings_in_session(session, company.id, inputs.kpi),
            due_of=inputs.due_of,
            department_ids=scoped_department_ids(Role(reader.role), reader.scope),
        )
    )
    return _pending(
        session, row, ReminderKind.WEEKLY_SUMMARY, facts, [_private(session, reader)],
        catch_up=catch_up,
    )


def _pending(
    session: Session,
    row: Reminder,
    kind: ReminderKind,
    facts: Facts,
    addressees: Sequence[Addressee],
    *,
    catch_up: bool,
) -> Notification:
    """The notification for the endpoints that have no delivery row yet."""
    assert row.id is not None
    done = delivered_endpoints(session, row.id)
    return Notification(
        reminder_id=row.id,
        company_id=row.company_id,
        kind=kind,
        facts=facts,
        addressees=tuple(a for a in addressees if a.endpoint.key not in done),
        already_delivered=len(done),
        catch_up=catch_up,
        due_date=row.due_date,
    )


def _policy_notice(
    session: Session, row: Reminder, *, is_catch_up: bool
) -> Notification | ReminderStatus:
    """A policy change notice: the recorded change to every active HR, in private chats.

    It carries no personal data, but it is not urgent either, so it stays out of the HR group
    (which gets escalated reminders only) and has no buttons; the text points to
    /policy_version. With no HR left to tell it is cancelled (the audit entry remains).
    """
    _, audit_id = row.subject.split(":", 1)
    facts = notice_facts(session, row.company_id, int(audit_id))
    hrs = _hr_memberships(session, row.company_id)
    if facts is None or not hrs:
        return ReminderStatus.CANCELLED
    addressees = [_private(session, m) for m in hrs]
    addressees += _robots(session, row.company_id, ReminderKind.POLICY_UPDATE)
    return _pending(
        session, row, ReminderKind.POLICY_UPDATE, facts, addressees, catch_up=is_catch_up
    )


def _employee_addressees(session: Session, company_id: int,
                         employee_id: int) -> list[Addressee]:
    """The private chat of the user bound to the employee record (none: not bound)."""
    bound = employee_membership(session, company_id, employee_id)
    return [_private(session, bound)] if bound is not None else []


def _complaint_notice(
    session: Session, row: Reminder, kind: ReminderKind
) -> Notification | ReminderStatus:
    """A complaint filed goes to every active HR, privately (never the group or a robot: it
    is one employee's words); a reply goes to the employee who filed it. Cancelled when the
    complaint is gone or nobody is left to tell."""
    found = complaint_facts(session, row)
    if found is None:
        return ReminderStatus.CANCELLED
    facts, employee_id = found
    if kind == ReminderKind.COMPLAINT_FILED:
        addressees = [_private(session, m) for m in _hr_memberships(session, row.company_id)]
    else:
        addressees = _employee_addressees(session, row.company_id, employee_id)
    if not addressees:
        return ReminderStatus.CANCELLED
    return _pending(session, row, kind, facts, addressees, catch_up=False)


def _documents_notice(session: Session, row: Reminder) -> Notification | ReminderStatus:
    """A case's files for the employee, to their private chat only; cancelled once delivered
    or when nobody is bound to the record any more."""
    found = documents_facts(session, row)
    if found is None:
        return ReminderStatus.CANCELLED
    facts, employee_id = found
    addressees = _employee_addressees(session, row.company_id, employee_id)
    if not addressees:
        return ReminderStatus.CANCELLED
    return _pending(session, row, ReminderKind.DOCUMENTS_TO_EMPLOYEE, facts, addressees,
                    catch_up=False)


def _gone_notice(session: Session, row: Reminder) -> Notification | ReminderStatus:
    """A chat blocked the bot or a robot is gone: tell the HR still reachable, privately.

    Cancelled when nobody is left to tell (the audit log keeps the block).
    """
    what, key = parse_gone_subject(row.subject)
    facts: EndpointGoneFacts
    gone_chat: int | None = None
    if what == GoneWhat.MEMBERSHIP:
        blocked = session.get(Membership, key)
        name = blocked.display_name if blocked is not None else ""
        gone_chat = _chat_of(blocked) if blocked is not None else None
        is_employee = blocked is not None and blocked.role == Role.EMPLOYEE
        if is_employee and blocked is not None and blocked.employee_id is not None:
            record = session.get(Employee, blocked.employee_id)
            name = record.name if record is not None else name
        facts = EndpointGoneFacts(member_name=name, employee=is_employee)
    elif what == GoneWhat.GROUP:
        facts = EndpointGoneFacts(group=True)
        gone_chat = key
    else:
        robot = session.get(RobotEndpoint, key)
        facts = EndpointGoneFacts(
            robot_kind=robot.kind if robot is not None else None,
            robot_hint=robot.url_hint if robot is not None else None,
        )
    addressees = [
        _private(session, m)
        for m in _hr_memberships(session, row.company_id)
        if _chat_of(m) != gone_chat
    ]
    if not addressees:
        return ReminderStatus.CANCELLED
    return _pending(session, row, ReminderKind.RECIPIENT_GONE, facts, addressees, catch_up=False)

def _reached_hr(session: Session, reminder_id: int) -> bool:
    """A Telegram chat (an HR's or the HR group) has this reminder: the obligation surfaced."""
    return session.exec(
        select(ReminderDelivery.id).where(
            ReminderDelivery.reminder_id == reminder_id,
            col(ReminderDelivery.endpoint).startswith("telegram:"),
            ReminderDelivery.outcome == DELIVERY_SENT,
        )
    ).first() is not None


# ---------------------------------------------------------------------------------------------
# The tick


async def _send(channel: Channel, to: Addressee, note: Notification,
                rendered: Rendered) -> Delivered:
    """The rendered text, or — for a notification carrying files — each file, the text as
    the last one's caption (the channel's send_file)."""
    if not isinstance(note.facts, DocumentsForEmployeeFacts) or not note.facts.attachments:
        return await channel.send_text(to.endpoint, rendered)
    *first, last = note.facts.attachments
    for attachment in first:
        await channel.send_file(to.endpoint, attachment.filename, attachment.content, None)
    return await channel.send_file(to.endpoint, last.filename, last.content, rendered)


class Result(StrEnum):
    SENT = "sent"
    RETRY = "retry"
    FAILED = "failed"
    CANCELLED = "cancelled"
    SUPERSEDED = "superseded"
    LOST = "lost"  # our lease ran out and another worker took the row
    RATE_LIMITED = "rate_limited"


@dataclass
class TickReport:
    claimed: int = 0
    results: dict[str, int] = field(default_factory=dict)

    def count(self, result: Result) -> None:
        self.results[result] = self.results.get(result, 0) + 1


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min … capped at 30 min."""
    return min(_BACKOFF_FIRST * (2 ** max(attempts - 1, 0)), _BACKOFF_MAX)


class ReminderScheduler:
    """Claims and sends due reminders; one per process, each with its own worker id."""

    def __init__(
        self,
        engine: Engine,
        clock: Clock,
        channels: Channel | Mapping[ChannelKind, Channel],
        defaults: ReminderDefaults,
        *,
        present: Present,
        worker: str | None = None,
        month_due: MonthDue = month_end_due,
        late_fee: LateFeeEstimate | None = None,
        holiday_gap: HolidayGap | None = None,
        summary: SummaryInputs | None = None,
        attachments: Attachments | None = None,
        lease: timedelta = LEASE,
        batch: int = BATCH,
        parallel: int = 1,
    ) -> None:
        self.engine = engine
        self.clock = clock
        #: One adapter per channel kind (the composition root registers them); a single
        #: channel is the Telegram one. Endpoints of an unregistered kind are skipped.
        self.channels: dict[ChannelKind, Channel] = (
            dict(channels) if isinstance(channels, Mapping) else {channels.kind: channels}
        )
        #: Notification × addressee → text and actions (bot/channels/present.py).
        self.present = present
        self.defaults = defaults
        self.worker = worker or f"worker-{uuid.uuid4().hex[:12]}"
        self.month_due = month_due
        self.late_fee = late_fee
        self.holiday_gap = holiday_gap
        #: None: no weekly summaries are planned ([kpi] weekly_summary off); rows already
        #: planned are still sent.
        self.summary_inputs = summary
        self.summary = summary or SummaryInputs()
        #: The weekly summary's chart and workbook (bot/documents/summary_files.py); None
        #: sends the text alone.
        self.attachments = attachments
        self.lease = lease
        self.batch = batch
        #: Reminders in flight at once (the channel's rate limiter still paces the sends).
        self.parallel = max(1, parallel)
        #: The local day each zone's companies were last planned, and the companies whose
        #: planning failed (retried at every tick).
        self._planned_on: dict[str, date] = {}
        self._planning_failed: set[int] = set()
        #: Set when a send planned a follow-up notice (a chat is gone): claim once more.
        self._follow_up = False
        #: Robot channels that asked every endpoint of theirs to wait, until when.
        self._paused: dict[ChannelKind, datetime] = {}
        # One tick at a time per process: the start-up run, the repeating job and a test
        # driving the clock share this worker id, and the lease fences other processes only.
        self._ticking = asyncio.Lock()
        # Fail at start-up, not at every tick, when config.toml's defaults are out of bounds.
        company_reminder_settings_from(defaults)

    def now(self) -> datetime:
        return self.clock.now()

    async def tick(self) -> TickReport:
        """Plan the day's declaration reminders once, then claim and send what is due."""
        async with self._ticking:
            return await self._tick()

    async def _tick(self) -> TickReport:
        """Claim and send batch after batch until fewer than a batch were due.

        One batch per tick left 1,000 due reminders waiting four extra minutes; draining sends
        them back to back at the channel's rate limit. Each batch is its own claim (and lease),
        so other workers keep taking disjoint rows meanwhile. A row sent or retried here is not
        due again before the tick ends (its next attempt is later), so the loop ends. A send
        that found a chat gone planned a notice to the other HR, due at once: one more claim
        sends it within this tick (a gone notice plans no further one to the same chat).
        """
        now = self.now()
        self._plan_day(now)
        report = TickReport()
        while True:
            self._follow_up = False
            ids = claim_due(
                self.engine, self.worker, self.now(), lease=self.lease, limit=self.batch
            )
            report.claimed += len(ids)
            if not await self._send_claimed(ids, report):
                return report
            if len(ids) < self.batch and not self._follow_up:
                return report

    async def _send_claimed(self, ids: list[int], report: TickReport) -> bool:
        """Send claimed rows with up to `parallel` in flight; False once Telegram said wait.

        One at a time, each reminder's round trip to Telegram and its transactions added up to
        far less than 30 messages a second; with a few in flight the channel's rate limiter is
        the bound. On RetryAfter no new row is started and the rest are released.
        """
        next_index = 0
        wait_until: datetime | None = None

        async def sender() -> None:
            nonlocal next_index, wait_until
            while wait_until is None and next_index < len(ids):
                reminder_id = ids[next_index]
                next_index += 1
                try:
                    result, until = await self._process(reminder_id)
                except Exception as error:  # one broken row must not stop the others
                    _log_failure("sending reminder %s failed", reminder_id, error=error)
                    result, until = self._failed_attempt_safely(reminder_id, error), None
                report.count(result)
                if result is Result.RATE_LIMITED and until is not None and wait_until is None:
                    wait_until = until

        senders = min(self.parallel, len(ids))
        if senders <= 1:
            await sender()  # no task: an exception (even SystemExit) reaches the caller as is
        else:
            await asyncio.gather(*(sender() for _ in range(senders)))
        if wait_until is not None:
            _release(self.engine, ids[next_index:], self.worker, wait_until)
            return False
        return True

    def _plan_day(self, now: datetime) -> None:
        """The first tick of a company's day plans its unplanned tasks and declarations, each
        company in its own transaction: one company's failure is logged and retried at the
        next tick, and never stops the others' planning or the sending that follows.

        A company's day starts at its own local midnight: a day keyed on UTC began at 08:00 in
        Beijing, after a 07:00 send hour, so a hire imported the evening before got its 07:00
        reminder only at 08:00. The zones in use are few; each is planned when its date turns.
        """
        with Session(self.engine) as session:
            zones = set(session.exec(select(Company.timezone).distinct()))
            days = {zone: today_in(zone, now) for zone in zones}
            starting = {zone for zone, day in days.items() if self._planned_on.get(zone) != day}
            if not starting and not self._planning_failed:
                return
            company_ids = set(self._planning_failed)
            if starting:
                in_zones = set(session.exec(
                    select(Company.id).where(col(Company.timezone).in_(starting))
                ))
                company_ids |= {
                    c
                    for c in companies_to_plan(
                        session, with_summaries=self.summary_inputs is not None
                    )
                    if c in in_zones
                }
        failed: set[int] = set()
        for company_id in sorted(company_ids):
            try:
                with unit_of_work(self.engine) as session:
                    plan_unplanned_tasks(session, company_id, now=now, defaults=self.defaults)
                    plan_declarations(
                        session,
                        company_id,
                        now=now,
                        defaults=self.defaults,
                        month_due=self.month_due,
                    )
                    if self.summary_inputs is not None:
                        plan_weekly_summaries(
                            session, company_id, now=now, defaults=self.defaults
                        )
            except Exception as error:
                _log_failure("reminder planning failed for company %s", company_id, error=error)
                failed.add(company_id)
        for zone in starting:
            self._planned_on[zone] = days[zone]
        self._planning_failed = failed

    def _failed_attempt_safely(self, reminder_id: int, error: Exception) -> Result:
        """Count an unexpected error as a failed attempt (backoff, then `failed` in /todo), so
        a row that always raises does not come back at every lease expiry forever."""
        try:
            return self._failed_attempt(reminder_id, f"error: {type(error).__name__}")
        except Exception as again:  # e.g. the database is gone: the lease expiry retries it
            _log_failure("could not record the failure of reminder %s", reminder_id, error=again)
            return Result.RETRY

    async def _process(self, reminder_id: int) -> tuple[Result, datetime | None]:
        now = self.now()
        if not self._renew_lease(reminder_id, now):
            return Result.LOST, None  # the lease ran out and another worker took the row
        with unit_of_work(self.engine) as session:
            row = session.get(Reminder, reminder_id)
            assert row is not None
            decided = compose(session, row, now, self.defaults, self.month_due, self.late_fee,
                              self.holiday_gap, self.summary)
            if isinstance(decided, ReminderStatus):
                close_row(row, decided, now)
                return Result(decided), None
        delivered = decided.already_delivered
        gone = 0
        failure: str | None = None
        failed_endpoints: list[tuple[Endpoint, str]] = []
        limited: RetryLater | None = None
        queue = list(decided.addressees)
        moved: set[str] = set()
        while queue:
            to = queue.pop(0)
            channel = self.channels.get(to.endpoint.kind)
            if channel is None:
                log.info(
                    "reminder %s: no %s adapter registered, %s skipped",
                    reminder_id, to.endpoint.kind, to.endpoint.key,
                )
                continue
            paused = self._paused.get(to.endpoint.kind)
            if paused is not None and paused > self.now():
                wait = RetryLater((paused - self.now()).total_seconds(), whole_channel=False)
                limited = wait if limited is None or wait.seconds > limited.seconds else limited
                continue
            try:
                accepted = await _send(channel, to, decided, self.present(decided, to))
                if self.attachments is not None and to.is_private and (
                    to.endpoint.kind == ChannelKind.TELEGRAM
                ):
                    # files only to private chats; the delivery row covers text and files, so
                    # a crash between them resends all three (the exactly-once window below)
                    # matplotlib and openpyxl take ~0.5 s: off the event loop
                    made = await asyncio.to_thread(self.attachments, decided)
                    for filename, content in made:
                        await channel.send_file(to.endpoint, filename, content, None)
            except RetryLater as error:
                until = self.now() + timedelta(seconds=error.seconds)
                if to.endpoint.kind == ChannelKind.TELEGRAM and error.whole_channel:
                    # Telegram's flood control: the whole bot waits
                    self._postpone(reminder_id, until, str(error))
                    return Result.RATE_LIMITED, until
                if error.whole_channel:  # every robot of this vendor waits
                    self._paused[to.endpoint.kind] = until
                # a robot's limit: the other endpoints go on, this notification waits
                if limited is None or error.seconds > limited.seconds:
                    limited = error
                continue
            except EndpointGone as error:
                self._record_gone(reminder_id, to, str(error))
                gone += 1
                continue
            except EndpointMoved as error:
                new = self._moved_group(reminder_id, to, error.new_address)
                if new is not None and new.endpoint.key not in moved:
                    # the bound group became a supergroup: rebound, sent there in this attempt
                    moved.add(new.endpoint.key)
                    queue.insert(0, new)
                    continue
                failure = failure or f"{to.endpoint.key}: {error}"
                failed_endpoints.append((to.endpoint, str(error)))
                continue
            except DeliveryFailed as error:  # network, timeout, 5xx, bad request
                # one endpoint's failure (a chat not found, a robot down) must not hold back
                # the endpoints after it; the retry goes only to those without a delivery row
                failure = failure or f"{to.endpoint.key}: {error}"
                failed_endpoints.append((to.endpoint, str(error)))
                continue
            # The exactly-once window is here: accepted by the channel, not yet committed below.
            self._record_delivery(reminder_id, to.endpoint, accepted.message_id)
            delivered += 1
        if limited is not None:
            until = self.now() + timedelta(seconds=limited.seconds)
            self._postpone(reminder_id, until, str(limited))
            return Result.RETRY, None
        if failure is not None:
            return self._failed_attempt(
                reminder_id, failure, failed=failed_endpoints, is_catch_up=decided.catch_up
            ), None
        if delivered == 0:
            if gone:
                # Everyone blocked the bot: try again with whoever is still active.
                return self._failed_attempt(reminder_id, "all recipients blocked the bot"), None
            return self._failed_attempt(reminder_id, "no HR chat to deliver to"), None
        return self._mark_sent(reminder_id, decided.catch_up), None

    def _record_delivery(
        self, reminder_id: int, endpoint: Endpoint, message_id: int | None
    ) -> None:
        try:
            with unit_of_work(self.engine) as session:
                row = session.get(Reminder, reminder_id)
                if row is not None and row.kind == ReminderKind.DOCUMENTS_TO_EMPLOYEE:
                    mark_documents_delivered(session, row.company_id, reminder_id, self.now())
                session.add(
                    ReminderDelivery(
                        reminder_id=reminder_id,
                        endpoint=endpoint.key,
                        chat_id=endpoint.address
                        if endpoint.kind == ChannelKind.TELEGRAM
                        else None,
                        message_id=message_id,
                        at=self.now(),
                    )
                )
                if endpoint.kind != ChannelKind.TELEGRAM:
                    # the robot answers again: /robot list stops showing its last failure
                    session.execute(
                        update(RobotEndpoint)
                        .where(
                            col(RobotEndpoint.id) == endpoint.address,
                            col(RobotEndpoint.last_error).is_not(None),
                        )
                        .values(last_error=None)
                    )
        except IntegrityError:
            # Another worker recorded this endpoint first: the lease ran out mid-send and the
            # message went out twice. Keep going; docs/reminders.md explains the window.
            log.warning("reminder %s was delivered twice to one endpoint", reminder_id)

    def _moved_group(self, reminder_id: int, to: Addressee, new_chat_id: int) -> Addressee | None:
        """The bound HR group answered with its new (supergroup) chat id: bind the new id (an
        audit row per company) and return the addressee at it. None when `to` is not the
        group this reminder's company has bound (then it is an ordinary failure)."""
        endpoint = to.endpoint
        if endpoint.kind != ChannelKind.TELEGRAM or to.membership_id is not None:
            return None
        with unit_of_work(self.engine) as session:
            row = session.get(Reminder, reminder_id)
            assert row is not None
            settings = session.get(CompanySettings, row.company_id)
            if settings is None or settings.group_chat_id not in (endpoint.address, new_chat_id):
                return None
            move_group_binding(session, endpoint.address, new_chat_id, now=self.now())
        log.info("reminder %s: HR group %s moved to %s, rebound", reminder_id,
                 endpoint.address, new_chat_id)
        return replace(to, endpoint=Endpoint.telegram(new_chat_id, is_group=True))

    def _record_gone(self, reminder_id: int, to: Addressee, error: str) -> None:
        """Stop sending to a gone endpoint and, in the same transaction, plan the notice that
        tells the other HR (delivered by the tick like any reminder)."""
        now = self.now()
        with unit_of_work(self.engine) as session:
            row = session.get(Reminder, reminder_id)
            assert row is not None
            endpoint = to.endpoint
            planned = None
            if endpoint.kind != ChannelKind.TELEGRAM:
                robot = session.get(RobotEndpoint, endpoint.address)
                if robot is not None and robot.active:
                    robot.active = False
                    robot.last_error = error[:300]
                    audit.record(session, row.company_id, None, "robot.gone", robot_id=robot.id)
                    planned = plan_gone_notice(
                        session, row.company_id, GoneWhat.ROBOT, endpoint.address, now=now
                    )
            elif to.membership_id is not None:
                membership = session.get(Membership, to.membership_id)
                if membership is not None and membership.active:
                    membership.active = False
                    audit.record(
                        session,
                        row.company_id,
                        None,
                        "membership.blocked_bot",
                        membership_id=to.membership_id,
                    )
                    planned = plan_gone_notice(
                        session, row.company_id, GoneWhat.MEMBERSHIP, to.membership_id, now=now
                    )
            else:
                settings = session.get(CompanySettings, row.company_id)
                if settings is not None and settings.group_chat_id == endpoint.address:
                    settings.group_chat_id = None
                    settings.group_title = None
                    settings.updated_at = now
                    audit.record(session, row.company_id, None, "group.unbound_forbidden")
                    planned = plan_gone_notice(
                        session, row.company_id, GoneWhat.GROUP, endpoint.address, now=now
                    )
            if planned is not None:
                self._follow_up = True
            why = "Forbidden" if endpoint.kind == ChannelKind.TELEGRAM else "Gone"
            row.last_error = f"{why}: {error}"[:300]
            row.updated_at = now

    def _postpone(self, reminder_id: int, until: datetime, reason: str) -> None:
        with self.engine.begin() as connection:
            connection.execute(
                update(Reminder)
                .where(_owned(reminder_id, self.worker))
                .values(
                    status=ReminderStatus.PENDING,
                    claimed_by=None,
                    claimed_until=None,
                    next_attempt_at=until,
                    last_error=reason,
                    updated_at=self.now(),
                )
            )

    def _renew_lease(self, reminder_id: int, now: datetime) -> bool:
        """Fence: extend our claim only if it is still ours (a conditional UPDATE)."""
        until = now + self.lease
        with self.engine.begin() as connection:
            renewed = connection.execute(
                update(Reminder)
                .where(_owned(reminder_id, self.worker))
                .values(claimed_until=until, next_attempt_at=until, updated_at=now)
            )
        return renewed.rowcount == 1

    def _failed_attempt(
        self,
        reminder_id: int,
        error: str,
        *,
        failed: Sequence[tuple[Endpoint, str]] = (),
        is_catch_up: bool = False,
    ) -> Result:
        """Count a failed attempt: back off, and after `max_attempts` give up.

        `failed` are the endpoints (Telegram chats or robots) that failed in this attempt; the
        others were delivered or gone. Each robot keeps its error in `last_error` (/robot list).
        When an HR chat has the reminder, the HR were told: giving up on the failing endpoints
        then records each one's delivery row as `failed` and the reminder is `sent`, never
        `failed` (/todo's 提醒发送失败 means the HR did not get it). The endpoints share the
        row's attempt counter, so a chat that always fails is tried `max_attempts` times.
        """
        now = self.now()
        with unit_of_work(self.engine) as session:
            row = session.get(Reminder, reminder_id)
            if row is None or row.claimed_by != self.worker:
                return Result.LOST
            row.attempts += 1
            row.last_error = error[:300]
            hr_told = bool(failed) and _reached_hr(session, reminder_id)
            for endpoint, detail in failed:
                if endpoint.kind == ChannelKind.TELEGRAM:
                    continue
                robot = session.get(RobotEndpoint, endpoint.address)
                if robot is not None:
                    robot.last_error = detail[:300]
            if row.attempts >= self.defaults.max_attempts and hr_told:
                for endpoint, _ in failed:
                    session.add(ReminderDelivery(reminder_id=reminder_id, endpoint=endpoint.key,
                                                 outcome=DELIVERY_FAILED, at=now))
                log.warning("reminder %s: endpoints %s failed after %s attempts, HR were told",
                            reminder_id, [e.key for e, _ in failed], row.attempts)
                self._close_sent(session, row, now, is_catch_up)
                return Result.SENT
            if row.attempts >= self.defaults.max_attempts:
                close_row(row, ReminderStatus.FAILED, now)
                log.warning("reminder %s failed after %s attempts", reminder_id, row.attempts)
                if row.kind == ReminderKind.REGISTRATION_OVERDUE:
                    self._plan_next_overdue(session, row, now)  # tomorrow's alert still goes
                return Result.FAILED
            row.status = ReminderStatus.PENDING
            row.claimed_by = None
            row.claimed_until = None
            row.next_attempt_at = now + backoff(row.attempts)
            row.updated_at = now
            return Result.RETRY

    def _mark_sent(self, reminder_id: int, is_catch_up: bool) -> Result:
        now = self.now()
        with unit_of_work(self.engine) as session:
            row = session.get(Reminder, reminder_id)
            if row is None or row.claimed_by != self.worker:
                return Result.LOST
            row.last_error = None
            self._close_sent(session, row, now, is_catch_up)
        return Result.SENT

    def _close_sent(self, session: Session, row: Reminder, now: datetime,
                    is_catch_up: bool) -> None:
        close_row(row, ReminderStatus.SENT, now)
        row.sent_at = now
        row.is_catch_up = is_catch_up
        if row.kind == ReminderKind.REGISTRATION_OVERDUE and row.task_id is not None:
            self._plan_next_overdue(session, row, now)

    def _plan_next_overdue(self, session: Session, row: Reminder, now: datetime) -> None:
        task = session.get(Task, row.task_id)
        if task is None or task.status != TaskStatus.OPEN:
            return
        settings = company_reminder_settings(session, row.company_id, self.defaults)
        today = today_in(settings.timezone, now)
        after = max(row.due_date, today) + timedelta(days=1)
        planned = plan.next_overdue_reminder(task.due_date, after, settings)
        exists = session.exec(
            select(func.count())
            .select_from(Reminder)
            .where(
                Reminder.company_id == row.company_id,
                Reminder.subject == row.subject,
                Reminder.kind == planned.kind,
                Reminder.due_date == planned.due_date,
            )
        ).one()
        if not exists:
            add_row(
                session,
                company_id=row.company_id,
                subject=row.subject,
                planned=planned,
                task_id=row.task_id,
                owner_user_id=row.owner_user_id,
            )
