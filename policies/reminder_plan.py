"""When each deadline reminder (提醒) is due: pure rules, no I/O.

The service layer turns these plans into `reminder` rows (the database is the source of
truth); this module only answers "which reminders, for which day, sent at which instant".

Rules (社会保险法 第58条: register within 30 days of the first day of work):
- registration: a normal reminder on day ``normal_day`` (default 23), an urgent one on day
  ``urgent_day`` (default 28), and an overdue alert once per working day from day 31 until done.
  Day N is ``first_day + N`` natural days, the count the UX uses ("入职已满23天 … 剩余 7 天" for
  a 12-01 hire on 12-24 with the deadline 12-31), so day 30 is the deadline itself and day 31
  the first day overdue.
- monthly declaration (申报): ``declaration_days_before`` days (default 5) before the insured
  city's monthly deadline, and an urgent one on the deadline day.
- back-payment cases (补缴) with no progress for ``backpay_stall_working_days`` working days.

Reminders go out at ``send_time`` (default 09:00) in the company's time zone, on working days.
A reminder whose day is a weekend or public holiday waits for the next working day when that
still leaves at least one working day before the deadline; otherwise it goes out on the working
day before, so the deadline is never missed because of a holiday. Deadlines themselves are
natural days, as the law counts them, and never move.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from policies.deadlines import REGISTRATION_DAYS
from policies.timezones import DEFAULT_TIMEZONE, today_in
from policies.workdays import (
    add_working_days,
    is_working_day,
    last_working_day_on_or_before,
    next_working_day,
    previous_working_day,
    working_day_on_or_after,
)

__all__ = [
    "BACKPAY_STALL_RANGE",
    "DECLARATION_DAYS_BEFORE_RANGE",
    "NORMAL_DAY_RANGE",
    "SEND_HOUR_RANGE",
    "URGENT_DAY_RANGE",
    "InvalidReminderSettings",
    "PlannedReminder",
    "ReminderKind",
    "ReminderSettings",
    "backpay_stalled_reminder",
    "days_employed",
    "declaration_reminders",
    "is_escalated",
    "next_overdue_reminder",
    "notice_send_time",
    "registration_reminders",
    "send_day_for",
    "send_instant",
    "snooze_until",
    "superseded_by",
]

# Bounds for company settings, and why:
# - the normal reminder must come after the first day (day 0 is the hire itself, whose reply
#   already lists the to-do) and before the urgent one;
# - the urgent one must leave at least one natural day before the deadline (day 29 at most);
#   a reminder on day 30 would be the deadline itself, which the overdue alerts already cover;
# - the declaration lead time beyond half a month would fire before the month's data exists;
# - a stall longer than 30 working days (about six weeks) is no longer a reminder but a loss.
NORMAL_DAY_RANGE = (1, REGISTRATION_DAYS - 2)
URGENT_DAY_RANGE = (2, REGISTRATION_DAYS - 1)
DECLARATION_DAYS_BEFORE_RANGE = (1, 15)
BACKPAY_STALL_RANGE = (1, 30)
SEND_HOUR_RANGE = (7, 20)
"""Working hours: nobody wants a 社保 reminder at midnight."""


class ReminderKind(StrEnum):
    """What a reminder is about; the value is stored in the database."""

    REGISTRATION_NORMAL = "registration_normal"
    REGISTRATION_URGENT = "registration_urgent"
    REGISTRATION_OVERDUE = "registration_overdue"
    DECLARATION_UPCOMING = "declaration_upcoming"
    DECLARATION_DUE = "declaration_due"
    BACKPAY_STALLED = "backpay_stalled"
    #: Not a deadline: the policy library changed for the company's city (政策更新通知).
    POLICY_UPDATE = "policy_update"
    #: Not a deadline: a chat blocked the bot or a group robot is gone; the other HR are told.
    RECIPIENT_GONE = "recipient_gone"
    #: Not a deadline: an employee filed a complaint (投诉); every HR is told, privately.
    COMPLAINT_FILED = "complaint_filed"
    #: Not a deadline: HR answered a complaint; the employee who filed it is told.
    COMPLAINT_ANSWERED = "complaint_answered"
    #: Not a deadline: HR sent a case's 说明函 and 权益影响说明 to the employee (files).
    DOCUMENTS_TO_EMPLOYEE = "documents_to_employee"
    #: Not a deadline: last week's 每周社保简报 to one HR or manager, every Monday.
    WEEKLY_SUMMARY = "weekly_summary"


#: What a company's group robots (WeCom / Feishu / DingTalk) get unless HR chose otherwise
#: (company_settings.robot_notifications is NULL): the registration reminders that are urgent
#: or overdue, and the declaration deadline reminders. The one home of that default.
ROBOT_DEFAULT_KINDS: frozenset[ReminderKind] = frozenset(
    {
        ReminderKind.REGISTRATION_URGENT,
        ReminderKind.REGISTRATION_OVERDUE,
        ReminderKind.DECLARATION_UPCOMING,
        ReminderKind.DECLARATION_DUE,
    }
)


# Within one subject, a later kind in the same chain makes earlier ones redundant: a day-23
# reminder still unsent when day 28 is due is not sent separately.
_CHAINS: tuple[tuple[ReminderKind, ...], ...] = (
    (
        ReminderKind.REGISTRATION_NORMAL,
        ReminderKind.REGISTRATION_URGENT,
        ReminderKind.REGISTRATION_OVERDUE,
    ),
    (ReminderKind.DECLARATION_UPCOMING, ReminderKind.DECLARATION_DUE),
)

_ESCALATED = frozenset(
    {
        ReminderKind.REGISTRATION_URGENT,
        ReminderKind.REGISTRATION_OVERDUE,
        ReminderKind.DECLARATION_DUE,
    }
)


def is_escalated(kind: ReminderKind) -> bool:
    """Urgent kinds go to every HR of the company and the bound HR group, marked 紧急."""
    return kind in _ESCALATED


def superseded_by(kind: ReminderKind, later: ReminderKind) -> bool:
    """True when ``later`` (due for the same subject) makes ``kind`` redundant."""
    for chain in _CHAINS:
        if kind in chain and later in chain:
            return chain.index(later) > chain.index(kind)
    return False


class InvalidReminderSettings(ValueError):
    """A setting outside its bounds; ``field`` names it and ``bounds`` says what is allowed."""

    def __init__(self, field: str, bounds: tuple[int, int], message: str) -> None:
        super().__init__(message)
        self.field = field
        self.bounds = bounds


def _check_range(field: str, value: int, bounds: tuple[int, int]) -> None:
    low, high = bounds
    if not low <= value <= high:
        raise InvalidReminderSettings(field, bounds, f"{field}={value} outside {low}..{high}")


class ReminderSettings(BaseModel):
    """A company's reminder thresholds; invalid combinations cannot be constructed.

    The one type of these values. config.toml's ``[reminders]`` section
    (``bot.settings.ReminderConfig``) is this type plus how the scheduler runs, so the bounds
    below are also what the config is checked against, and a company's own thresholds
    (``company_settings``) are applied with ``model_copy(update=...)`` and re-checked by
    constructing this type. A pydantic model, not a dataclass, for that reason only.

    Constructed directly it raises ``InvalidReminderSettings`` (which field, which bounds: what
    /settings tells HR); validated as part of the config, pydantic's ``ValidationError``.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    normal_day: int = 23
    urgent_day: int = 28
    declaration_days_before: int = 5
    backpay_stall_working_days: int = 5
    send_hour: int = 9
    timezone: str = DEFAULT_TIMEZONE

    def __init__(self, **values: Any) -> None:
        try:
            super().__init__(**values)
        except ValidationError as error:
            raise _invalid_settings(error) from None

    @model_validator(mode="after")
    def _within_bounds(self) -> ReminderSettings:
        _check_range("normal_day", self.normal_day, NORMAL_DAY_RANGE)
        _check_range("urgent_day", self.urgent_day, URGENT_DAY_RANGE)
        if self.normal_day >= self.urgent_day:
            raise InvalidReminderSettings(
                "normal_day",
                (NORMAL_DAY_RANGE[0], self.urgent_day - 1),
                "normal_day must be before urgent_day",
            )
        _check_range(
            "declaration_days_before", self.declaration_days_before, DECLARATION_DAYS_BEFORE_RANGE
        )
        _check_range(
            "backpay_stall_working_days", self.backpay_stall_working_days, BACKPAY_STALL_RANGE
        )
        _check_range("send_hour", self.send_hour, SEND_HOUR_RANGE)
        ZoneInfo(self.timezone)  # raises for an unknown zone
        return self

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def send_time(self) -> time:
        return time(self.send_hour)


def _invalid_settings(error: ValidationError) -> Exception:
    """The ``InvalidReminderSettings`` pydantic wrapped, or the error itself (a wrong type)."""
    for detail in error.errors():
        cause = detail.get("ctx", {}).get("error")
        if isinstance(cause, InvalidReminderSettings):
            return cause
    return error


@dataclass(frozen=True)
class PlannedReminder:
    """One reminder: ``due_date`` is the day the rule names (its identity, shown in 补发),
    ``send_on`` the working day it goes out, ``send_at`` the aware instant on that day."""

    kind: ReminderKind
    due_date: date
    send_on: date
    send_at: datetime


def send_instant(day: date, settings: ReminderSettings) -> datetime:
    """The company's send time on ``day``, as an aware datetime in the company's zone."""
    return datetime.combine(day, settings.send_time, tzinfo=settings.zone)


def send_day_for(nominal: date, deadline: date) -> date:
    """The working day a reminder named for ``nominal`` goes out, given the ``deadline``.

    A non-working day waits for the next working day only if that is still before the last
    working day on or before the deadline (HR keep a working day to act); otherwise it is
    brought forward to the working day before.
    """
    if is_working_day(nominal):
        return nominal
    later = next_working_day(nominal)
    if later < last_working_day_on_or_before(deadline):
        return later
    return previous_working_day(nominal)


def _planned(kind: ReminderKind, due: date, send_on: date, s: ReminderSettings) -> PlannedReminder:
    return PlannedReminder(kind, due, send_on, send_instant(send_on, s))


def days_employed(first_day: date, day: date) -> int:
    """入职已满N天 on ``day``: natural days since the first day of work (day N = first_day + N)."""
    return (day - first_day).days


def registration_reminders(
    first_day: date, deadline: date, settings: ReminderSettings
) -> list[PlannedReminder]:
    """The normal and urgent registration reminders for a hire (overdue ones are separate).

    When a holiday shift puts the urgent reminder on or before the normal one, only the urgent
    one is planned: two messages on one day would say the same thing twice.
    """
    normal_due = first_day + timedelta(days=settings.normal_day)
    urgent_due = first_day + timedelta(days=settings.urgent_day)
    normal_on = send_day_for(normal_due, deadline)
    urgent_on = send_day_for(urgent_due, deadline)
    plan = [_planned(ReminderKind.REGISTRATION_URGENT, urgent_due, urgent_on, settings)]
    if normal_on < urgent_on:
        plan.insert(0, _planned(ReminderKind.REGISTRATION_NORMAL, normal_due, normal_on, settings))
    return plan


def next_overdue_reminder(
    deadline: date, on_or_after: date, settings: ReminderSettings
) -> PlannedReminder:
    """The overdue alert for the first working day on or after ``on_or_after`` (and after the
    deadline): one a working day, each planned when the previous one went out."""
    day = working_day_on_or_after(max(on_or_after, deadline + timedelta(days=1)))
    return _planned(ReminderKind.REGISTRATION_OVERDUE, day, day, settings)


def declaration_reminders(deadline: date, settings: ReminderSettings) -> list[PlannedReminder]:
    """The upcoming and due-day reminders for one month's declaration deadline (申报截止).

    The due-day one goes out on the last working day on or before the deadline.
    """
    upcoming_due = deadline - timedelta(days=settings.declaration_days_before)
    due_on = last_working_day_on_or_before(deadline)
    upcoming_on = send_day_for(upcoming_due, deadline)
    plan = [_planned(ReminderKind.DECLARATION_DUE, deadline, due_on, settings)]
    if upcoming_on < due_on:
        plan.insert(
            0, _planned(ReminderKind.DECLARATION_UPCOMING, upcoming_due, upcoming_on, settings)
        )
    return plan


def backpay_stalled_reminder(
    last_progress_on: date, settings: ReminderSettings
) -> PlannedReminder:
    """The reminder for a back-payment case (补缴) with no progress for the configured number
    of working days since ``last_progress_on``."""
    day = add_working_days(last_progress_on, settings.backpay_stall_working_days)
    return _planned(ReminderKind.BACKPAY_STALLED, day, day, settings)


def notice_send_time(now: datetime, settings: ReminderSettings) -> PlannedReminder:
    """When an informational notice (a policy change) recorded at ``now`` goes out.

    Nothing is due, so it never disturbs anyone outside working hours: at once on a working
    day between the company's send hour and the latest allowed send hour (20:59), otherwise at
    the send time of the next working day (today's, when it is a working day not yet there).
    """
    local = now.astimezone(settings.zone)
    today = local.date()
    kind = ReminderKind.POLICY_UPDATE
    if is_working_day(today):
        if local.hour < settings.send_hour:
            return _planned(kind, today, today, settings)
        if local.hour <= SEND_HOUR_RANGE[1]:
            return PlannedReminder(kind, today, today, local)
    day = next_working_day(today)
    return _planned(kind, day, day, settings)


def snooze_until(now: datetime, settings: ReminderSettings) -> tuple[date, datetime]:
    """明天再提醒: the next working day (in the company's zone) at the send time."""
    today = today_in(settings.timezone, now)
    day = next_working_day(today)
    return day, send_instant(day, settings)


#: A weekly summary missed on Monday (the bot was down) still goes out until Wednesday.
WEEKLY_SUMMARY_CATCH_UP_DAYS = 2


def weekly_summary_time(today: date, settings: ReminderSettings) -> PlannedReminder | None:
    """This week's summary: Monday at the company's send hour (due date the Monday), or None
    once the catch-up window (Monday to Wednesday) has passed."""
    if today.weekday() > WEEKLY_SUMMARY_CATCH_UP_DAYS:
        return None
    monday = today - timedelta(days=today.weekday())
    return _planned(ReminderKind.WEEKLY_SUMMARY, monday, monday, settings)
