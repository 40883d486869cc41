"""Deadline reminders as rows: the database, not an in-memory job, is the source of truth.

A `reminder` row is one due reminder, unique per (subject, kind, due date), so planning the
same reminder twice is a no-op. A scheduler tick claims due rows with a lease (`claimed_until`)
and records each endpoint's delivery in `reminder_delivery` right after its channel accepts it,
so a crash re-sends at most the one message in flight (see docs/reminders.md).
`company_settings` holds a company's thresholds and its bound HR group chat.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, BigInteger, Column, Index, TextClause, UniqueConstraint, text
from sqlmodel import Field, Session, SQLModel, col, select

from models.types import UTCDateTime, utcnow
from policies.reminder_plan import ROBOT_DEFAULT_KINDS


class ReminderStatus(StrEnum):
    PENDING = "pending"  # waiting for next_attempt_at
    CLAIMED = "claimed"  # a worker holds it until claimed_until (then it is due again)
    SENT = "sent"
    FAILED = "failed"  # gave up after max attempts; shown in /todo
    SUPERSEDED = "superseded"  # a later reminder of the same chain was due (day 23 → day 28)
    CANCELLED = "cancelled"  # task done, or re-planned (threshold changed)


#: Rows a tick may still pick up; the partial due index covers exactly these.
OPEN_STATUSES = (ReminderStatus.PENDING, ReminderStatus.CLAIMED)

#: The partial index's condition, written literally: SQLite (and PostgreSQL generic plans) use a
#: partial index only when the query repeats its condition with literals, not bound values.
OPEN_CONDITION = "status IN ('pending', 'claimed')"


def is_open() -> TextClause:
    """The due query's status filter, in the exact form the partial index can be matched to."""
    return text(f"reminder.{OPEN_CONDITION}")


class Reminder(SQLModel, table=True):
    __tablename__ = "reminder"
    __table_args__ = (
        UniqueConstraint("subject", "kind", "due_date", name="uq_reminder_subject_kind_due"),
        # The due query: open rows ordered by next_attempt_at. Partial, so millions of sent
        # rows never slow the tick down.
        Index(
            "ix_reminder_due",
            "next_attempt_at",
            postgresql_where=text(OPEN_CONDITION),
            sqlite_where=text(OPEN_CONDITION),
        ),
        Index("ix_reminder_company_status", "company_id", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    company_id: int = Field(foreign_key="company.id")
    #: The obligation reminded: "task:<id>", "declaration:<company id>:<YYYY-MM>:<city>", or
    #: the "policy_update:<audit_log id>" whose entry holds a policy change notice. Every
    #: subject names one company's obligation, so the unique key never spans two companies.
    subject: str = Field(max_length=80)
    task_id: int | None = Field(default=None, foreign_key="task.id", index=True)
    kind: str = Field(max_length=30)
    #: The day the rule names (day 23, the declaration deadline …); shown when sent late (补发).
    due_date: date
    #: The planned instant (working day, company send hour).
    send_at: datetime = Field(sa_type=UTCDateTime)
    status: str = Field(default=ReminderStatus.PENDING, max_length=12)
    attempts: int = 0
    next_attempt_at: datetime = Field(sa_type=UTCDateTime)
    claimed_by: str | None = Field(default=None, max_length=64)
    claimed_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_error: str | None = Field(default=None, max_length=300)
    is_catch_up: bool = False
    #: Created by 明天再提醒: kept when thresholds change, cancelled with the task.
    is_snooze: bool = False
    #: The HR who recorded the obligation: normal reminders go to them first.
    owner_user_id: int | None = Field(default=None, sa_type=BigInteger)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


#: `reminder_delivery.outcome`: the channel accepted the message, or we gave up on the
#: endpoint (a robot or a chat that failed every attempt while another HR chat had it).
DELIVERY_SENT = "sent"
DELIVERY_FAILED = "failed"


class ReminderDelivery(SQLModel, table=True):
    """One reminder to one endpoint; written as soon as the channel accepted the message.

    The row's existence is what "already delivered there" means: a retry sends only to the
    endpoints without one (docs/reminders.md, the exactly-once window).
    """

    __tablename__ = "reminder_delivery"
    __table_args__ = (
        UniqueConstraint("reminder_id", "endpoint", name="uq_reminder_delivery_endpoint"),
    )

    id: int | None = Field(default=None, primary_key=True)
    reminder_id: int = Field(foreign_key="reminder.id", index=True)
    #: ``telegram:<chat id>`` or ``robot:<robot_endpoint id>`` (bot.channels.base.Endpoint.key).
    endpoint: str = Field(max_length=80)
    #: The Telegram chat, for Telegram endpoints; None for robots.
    chat_id: int | None = Field(default=None, sa_type=BigInteger)
    #: The channel's message id when it returns one (Telegram does, robots do not).
    message_id: int | None = Field(default=None, sa_type=BigInteger)
    #: DELIVERY_SENT, or DELIVERY_FAILED: a robot or chat that failed every attempt while an HR
    #: chat had the reminder (the endpoint is done with, the reminder is still `sent`).
    outcome: str = Field(default="sent", max_length=10)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class CompanySettings(SQLModel, table=True):
    """Per-company reminder thresholds (absent row: config.toml defaults) and the HR group."""

    __tablename__ = "company_settings"

    company_id: int = Field(foreign_key="company.id", primary_key=True)
    normal_day: int | None = None
    urgent_day: int | None = None
    declaration_days_before: int | None = None
    backpay_stall_working_days: int | None = None
    send_hour: int | None = None
    group_chat_id: int | None = Field(default=None, sa_type=BigInteger, unique=True)
    group_title: str | None = Field(default=None, max_length=200)
    #: Notification kinds sent to the company's group robots, comma-separated
    #: (ReminderKind values); None means `policies.reminder_plan.ROBOT_DEFAULT_KINDS`.
    robot_notifications: str | None = Field(default=None, max_length=300)
    #: KPI settings this company changed with /kpi_settings ({name: decimal string}; absent
    #: keys: config.toml [kpi]; policies.kpi.KpiSettings names them).
    kpi_overrides: dict[str, str] | None = Field(
        default=None, sa_column=Column(JSON, nullable=True)
    )
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


def company_settings(session: Session, company_id: int) -> CompanySettings | None:
    return session.get(CompanySettings, company_id)


def company_by_group(session: Session, chat_id: int) -> CompanySettings | None:
    return session.exec(
        select(CompanySettings).where(CompanySettings.group_chat_id == chat_id)
    ).first()


def reminders_for_subject(session: Session, company_id: int, subject: str) -> list[Reminder]:
    """Every row of one company's obligation, in send order (scoped: a subject is never
    trusted to be unique across companies)."""
    statement = select(Reminder).where(
        Reminder.company_id == company_id, Reminder.subject == subject
    )
    return list(session.exec(statement.order_by(col(Reminder.send_at), col(Reminder.id))))


def reminder_by_id(session: Session, company_id: int, reminder_id: int) -> Reminder | None:
    statement = select(Reminder).where(
        Reminder.company_id == company_id, Reminder.id == reminder_id
    )
    return session.exec(statement).first()


def failed_reminders(session: Session, company_id: int) -> list[Reminder]:
    """Reminders that could not be delivered after every attempt: /todo shows them."""
    statement = select(Reminder).where(
        Reminder.company_id == company_id, Reminder.status == ReminderStatus.FAILED
    )
    return list(session.exec(statement.order_by(col(Reminder.send_at))))


def delivered_endpoints(session: Session, reminder_id: int) -> set[str]:
    """The endpoint keys this reminder already reached (a retry skips them)."""
    statement = select(ReminderDelivery.endpoint).where(
        ReminderDelivery.reminder_id == reminder_id
    )
    return set(session.exec(statement))


def robot_kinds(settings: CompanySettings | None) -> frozenset[str]:
    """The notification kinds a company sends to its robots (the default set when unset)."""
    if settings is None or settings.robot_notifications is None:
        return frozenset(ROBOT_DEFAULT_KINDS)
    return frozenset(k.strip() for k in settings.robot_notifications.split(",") if k.strip())
