"""Typed refusals the services raise: the facts a reply needs, never the reply.

Services speak the domain; the edge (handlers/refusals.py with bot/templates/refusals.j2)
words each error in Chinese by its type, so every handler refuses the same way and a wording
lives in one place. Catch `DomainError` to handle them all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from models.company import Role


class DomainError(Exception):
    """A service refused to act; the subclass and its fields say why."""


class Operation(StrEnum):
    """The flow a refusal happened in, where its wording depends on it (which command to
    send again, which months to type)."""

    BACKPAY = "backpay"
    BASE = "base"
    LEAVE = "leave"
    LEDGER = "ledger"
    TODO = "todo"


# ---------------------------------------------------------------- who may act


@dataclass(eq=False)
class AccessDenied(DomainError):
    """The user is no member of the company (`roles` empty) or lacks one of `roles`."""

    roles: tuple[Role, ...] = ()


@dataclass(eq=False)
class NotInCompany(DomainError):
    """The user has no active membership in the company they asked to act in."""

    company_id: int | None


@dataclass(eq=False)
class NotHrAdmin(DomainError):
    """Only an HR admin may do this (invite HR, change an HR's role, read the audit log)."""


@dataclass(eq=False)
class LastHrAdmin(DomainError):
    """The change would leave the company without an active HR admin."""


@dataclass(eq=False)
class MemberNotFound(DomainError):
    """No such active membership in the actor's company (revoked meanwhile, or forged)."""


@dataclass(eq=False)
class DepartmentUnknown(DomainError):
    """/invite manager named a department the company does not have."""

    name: str
    known: tuple[str, ...]


@dataclass(eq=False)
class EmployeeAmbiguous(DomainError):
    """/invite employee named no current employee, or several with that name."""

    name: str
    matches: int


@dataclass(eq=False)
class EmployeeAlreadyBound(DomainError):
    """The employee record is already bound to another Telegram user (one user per employee)."""

    employee_name: str


class InviteProblem(StrEnum):
    UNKNOWN = "unknown"
    USED = "used"
    USED_BY_YOU = "used_by_you"
    EXPIRED = "expired"
    #: The employee it binds left, or its department was removed.
    GONE = "gone"


@dataclass(eq=False)
class InviteRefused(DomainError):
    problem: InviteProblem


# ---------------------------------------------------------------- rows that are gone


@dataclass(eq=False)
class EmployeeNotFound(DomainError):
    """No such employee in the member's company (or, for a leave, none still employed)."""

    operation: Operation


@dataclass(eq=False)
class TaskNotFound(DomainError):
    pass


@dataclass(eq=False)
class TaskAlreadyDone(DomainError):
    pass


@dataclass(eq=False)
class LedgerRowNotFound(DomainError):
    operation: Operation


@dataclass(eq=False)
class MonthAlreadyPaid(DomainError):
    pass


@dataclass(eq=False)
class ReminderNotFound(DomainError):
    """No such reminder in the member's company (a stale or forged button)."""


@dataclass(eq=False)
class ReminderObligationClosed(DomainError):
    """明天再提醒 on a reminder whose task is already done or cancelled."""


@dataclass(eq=False)
class GroupBoundElsewhere(DomainError):
    """/bindgroup in a group that is already another company's HR group."""


# ---------------------------------------------------------------- dates and months


@dataclass(frozen=True)
class EmploymentSpan:
    """One employment period: first day, last day (None while employed)."""

    first_day: date
    last_day: date | None = None


@dataclass(eq=False)
class MonthOutsideEmployment(DomainError):
    """`month` lies outside every employment period of the employee (社保台账 and 补缴 refuse
    to act on a month nobody was employed in)."""

    month: date
    employee_name: str | None
    spans: tuple[EmploymentSpan, ...]
    operation: Operation

    @property
    def example(self) -> date:
        """A month inside the employment to suggest: the newest period's first."""
        return self.spans[-1].first_day.replace(day=1)


@dataclass(eq=False)
class DateOutOfRange(DomainError):
    """A done/paid date outside [earliest, latest]: before the employee's first day (or the
    month paid for) or after today."""

    on: date
    earliest: date
    latest: date


@dataclass(eq=False)
class MonthBeforeFirstDay(DomainError):
    """A base change effective before the employee's first month."""

    first_day: date


@dataclass(eq=False)
class LastDayBeforeFirstDay(DomainError):
    first_day: date


@dataclass(eq=False)
class LastDayTooFarAhead(DomainError):
    max_days: int


# ---------------------------------------------------------------- hires and re-hires


@dataclass(eq=False)
class IdNumberRegistered(DomainError):
    """The 身份证 belongs to a current employee (named masked, with the first day); without
    the facts, another conversation registered it meanwhile (`concurrent`) or the database
    refused the duplicate."""

    name: str | None = None
    masked_id: str | None = None
    first_day: date | None = None
    concurrent: bool = False


@dataclass(eq=False)
class CannotRehire(DomainError):
    """Still employed, or the new first day is not after the last day."""

    name: str
    masked_id: str


@dataclass(eq=False)
class RehireUnknown(DomainError):
    """No former employee with that 身份证."""


# ---------------------------------------------------------------- back-payment


@dataclass(eq=False)
class BackpayNotPriceable(DomainError):
    """The policies cannot price these months; `reason` is the policy's own sentence, and
    `no_version` says the months precede every version in the library."""

    reason: str
    no_version: bool = False


# ---------------------------------------------------------------- back-payment cases


@dataclass(eq=False)
class CaseNotFound(DomainError):
    """No such case in the member's company (gone, another company's, or a forged id)."""


@dataclass(eq=False)
class CaseMoveRefused(DomainError):
    """The case is `current` and cannot become `wanted`; `possible` are the moves it allows
    (CaseState values, in button order; empty once the case is closed)."""

    current: str
    wanted: str
    possible: tuple[str, ...]


@dataclass(eq=False)
class NoGapMonths(DomainError):
    """The employee has no unpaid month up to now that is not already in a case."""

    employee_name: str


@dataclass(eq=False)
class CaseMonthsTaken(DomainError):
    """Some of the months are already in an open case (补缴中) or paid."""

    employee_name: str
    months: tuple[date, ...]


@dataclass(eq=False)
class PaymentDateOutOfRange(DomainError):
    """An actual payment date before the months it pays for, or after today."""

    on: date
    earliest: date
    latest: date


# ---------------------------------------------------------------- KPI settings


@dataclass(eq=False)
class UnknownKpiSetting(DomainError):
    """/kpi_settings named no KPI setting; `names` are the ones there are."""

    name: str
    names: tuple[str, ...]


@dataclass(eq=False)
class KpiSettingOutOfRange(DomainError):
    """A KPI setting's value is not a number in its range (weights and rate targets 0–100,
    the rest 0 or more)."""

    name: str
    value: str


# ---------------------------------------------------------------- employees (issue 12)


@dataclass(eq=False)
class NotBoundToEmployee(DomainError):
    """An employee-role user whose membership names no employee record (yet)."""


@dataclass(eq=False)
class ComplaintNotFound(DomainError):
    """No such complaint in the member's company."""


@dataclass(eq=False)
class ComplaintClosed(DomainError):
    """The complaint is closed: no more replies."""


@dataclass(eq=False)
class EmployeeNotBound(DomainError):
    """HR wanted to send something to an employee no Telegram user is bound to."""

    employee_name: str


@dataclass(eq=False)
class ImpactUnavailable(DomainError):
    """The policy library cannot support an estimate for the employee's city today."""

    city: str
