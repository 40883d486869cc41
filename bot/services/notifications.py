"""Notifications as typed values: what the outbox tells whom, never how it reads.

The reminder tick (bot/services/reminder_delivery.py) turns a claimed `reminder` row into a
`Notification`: its kind, company, facts (one frozen dataclass per kind) and the endpoints
still waiting for it (`Addressee`s). Wording, buttons and the 【公司】 prefix are made at the
edge (bot/channels/present.py) from the templates, once per addressee, and a channel adapter
(bot/channels/) puts the result on the wire. Facts that only private HR chats may see (the
late fee, derived from wages) are marked in their dataclass; the presenter leaves them out of
group and robot text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from bot.channels.base import Endpoint
from bot.services.summary import WeeklySummary
from policies.reminder_plan import ReminderKind


@dataclass(frozen=True)
class RegistrationReminderFacts:
    """社保登记 of one new hire is due or overdue (kinds registration_normal/urgent/overdue)."""

    employee_name: str
    department: str
    #: The last day worked, when the employee left before being registered.
    left_on: date | None
    days_employed: int
    deadline: date
    days_left: int
    days_overdue: int
    #: The first month owed (the month of the first day).
    month: date
    #: 滞纳金 run up so far (overdue only, when the policy can price it). Private chats only.
    late_fee: Decimal | None
    #: The employee, for 办理补缴 on an overdue reminder (opens a back-payment case).
    employee_id: int | None = None


@dataclass(frozen=True)
class PendingDeclarant:
    """An employee whose month is still 待申报; `with_registration_until` is set for a new hire
    whose month may be paid with the registration (first-month rule) by that day."""

    name: str
    with_registration_until: date | None = None


@dataclass(frozen=True)
class DeclarationReminderFacts:
    """A city's month is still 待申报 for some employees (declaration_upcoming/due)."""

    city: str
    month: date
    names: tuple[PendingDeclarant, ...]
    deadline: date
    days_left: int
    #: The deadline was found on a working-day calendar whose year has no holiday notice yet:
    #: it assumes no holiday shift (the text says so).
    holiday_notice_missing: int | None = None


@dataclass(frozen=True)
class PolicyChange:
    """One changed figure as HR read it (labels and values from the policy library)."""

    version: str
    label: str
    old: str | None
    new: str | None


@dataclass(frozen=True)
class PolicyChangeFacts:
    """The policy library changed for the company's city (policy_update).

    `recorded_html` is the notice text that imports before issue 10 stored whole; newer
    imports store the changes and the text is made when the notice is sent.
    """

    city: str
    changes: tuple[PolicyChange, ...] = ()
    #: Changes left out of the message (HR can ask /policy_version).
    more: int = 0
    recorded_html: str | None = None


@dataclass(frozen=True)
class EndpointGoneFacts:
    """A chat blocked the bot (or removed it), or a group robot stopped accepting messages;
    the company's other HR are told (recipient_gone)."""

    #: The HR whose private chat is gone (display name; "" when unknown).
    member_name: str | None = None
    #: The gone private chat is an employee's (issue 12), not an HR's.
    employee: bool = False
    #: The bound HR group is gone.
    group: bool = False
    #: The robot that is gone: its vendor ("wecom" …) and masked URL.
    robot_kind: str | None = None
    robot_hint: str | None = None


@dataclass(frozen=True)
class BackpayStalledFacts:
    """A back-payment case (补缴案例) has not moved for `working_days` working days since
    `since` (backpay_stalled); `state` is its CaseState value."""

    case_id: int
    employee_name: str
    months: tuple[date, ...]
    state: str
    since: date
    working_days: int


@dataclass(frozen=True)
class ComplaintFiledFacts:
    """An employee filed a complaint (complaint_filed): every HR, private chats only."""

    complaint_id: int
    employee_name: str
    department: str | None
    text: str
    filed_on: date


@dataclass(frozen=True)
class ComplaintAnsweredFacts:
    """HR answered the employee's complaint (complaint_answered): the employee's chat."""

    complaint_id: int
    text: str
    filed_on: date
    reply: str


@dataclass(frozen=True)
class Attachment:
    """A file a notification carries (sent with the channel's send_file)."""

    filename: str
    content: bytes


@dataclass(frozen=True)
class DocumentsForEmployeeFacts:
    """HR sent the employee their case's 说明函 and 权益影响说明 (documents_to_employee):
    the employee's private chat only; the files show the 身份证 masked."""

    employee_name: str
    months: tuple[date, ...]
    attachments: tuple[Attachment, ...]


@dataclass(frozen=True)
class WeeklySummaryFacts:
    """Last week's 每周社保简报 for one HR (the company) or manager (their departments)
    (weekly_summary); names employees, so private chats only. The chart and the workbook
    are made from the same summary at the edge and sent as files after the text."""

    summary: WeeklySummary


Facts = (
    RegistrationReminderFacts
    | DeclarationReminderFacts
    | PolicyChangeFacts
    | EndpointGoneFacts
    | BackpayStalledFacts
    | ComplaintFiledFacts
    | ComplaintAnsweredFacts
    | DocumentsForEmployeeFacts
    | WeeklySummaryFacts
)


@dataclass(frozen=True)
class Addressee:
    """One endpoint a notification goes to, with what its wording depends on."""

    endpoint: Endpoint
    #: The HR membership behind a private chat (deactivated when the chat blocks the bot).
    membership_id: int | None = None
    #: Who else was told (an urgent reminder names them, UX.md): other HR by name …
    also_told: tuple[str, ...] = ()
    #: … and whether the HR group was told too.
    also_group: bool = False
    #: Set when the person serves several companies: their text starts with 【公司】.
    company_name: str | None = None

    @property
    def is_private(self) -> bool:
        """A private HR chat: the only audience that may read personal facts."""
        return not self.endpoint.is_group


@dataclass(frozen=True)
class Notification:
    """What one claimed reminder row sends, decided in a transaction and sent outside it."""

    reminder_id: int
    company_id: int
    kind: ReminderKind
    facts: Facts
    #: Endpoints without a delivery row yet (a retry sends only to these).
    addressees: tuple[Addressee, ...]
    #: Endpoints that already have one.
    already_delivered: int
    #: 补发: it goes out on a later day than planned.
    catch_up: bool
    #: The day the rule names (shown in 补发).
    due_date: date
