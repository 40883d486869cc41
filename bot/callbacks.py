"""Every inline button's callback_data, declared once: how it is written and how it is read.

A button press carries a short string the client can forge at will, so no handler splits it
itself. Each button kind is a frozen dataclass declared with its layout, e.g.
``"ledger:{mark}:{row_id}"``; the fields' annotations say what each part may be:

- ``int``: a row id, page or index in the 63-bit range a database id can hold (no sign, no
  leading zeros beyond one digit, at most 19 digits);
- ``Month``: a ``YYYY-MM`` month (01-12, years 1900-2999), read as the month's first day;
- ``Literal[...]``: one of the listed words;
- ``Token``: a short id or hash of ``[0-9A-Za-z_-]`` (1-32 characters).

``parse(data)`` returns the typed value or raises ``StaleButton`` — never anything else — and
``str(value)`` (or ``value.data``) writes the same layout back, so a button the bot emits is a
button the bot can read. Handlers re-check role and company on every press; parsing only makes
the press well-formed.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, fields
from datetime import date
from typing import Any, ClassVar, Literal, NewType, get_args, get_origin, get_type_hints

#: What a forged or outdated button is answered with (once, changing nothing).
STALE_ANSWER = "按钮已失效，请按最新消息操作。"

#: The largest value a signed 64-bit database id can hold.
MAX_ID = 2**63 - 1
#: Telegram refuses callback_data longer than this many bytes.
MAX_DATA_BYTES = 64

Token = NewType("Token", str)


class Month(date):
    """The first day of a month, written ``YYYY-MM`` in a button."""


class StaleButton(ValueError):
    """callback_data that is not a button this bot emits (forged, truncated or outdated)."""

    def __init__(self, data: object) -> None:
        super().__init__("unparseable callback data")
        self.data = data


def _read_int(text: str) -> int:
    if not re.fullmatch(r"0|[1-9][0-9]{0,18}", text):
        raise ValueError(text)
    value = int(text)
    if value > MAX_ID:
        raise ValueError(text)
    return value


def _read_month(text: str) -> Month:
    match = re.fullmatch(r"(1[9][0-9]{2}|2[0-9]{3})-(0[1-9]|1[0-2])", text)
    if match is None:
        raise ValueError(text)
    return Month(int(match[1]), int(match[2]), 1)


def _read_token(text: str) -> str:
    if not re.fullmatch(r"[0-9A-Za-z_-]{1,32}", text):
        raise ValueError(text)
    return text


def _write(value: object) -> str:
    if isinstance(value, date):
        return f"{value.year:04d}-{value.month:02d}"
    return str(value)


@dataclass(frozen=True)
class _Field:
    name: str
    read: Any  # Callable[[str], object]
    choices: tuple[str, ...] = ()


def _field_of(name: str, annotation: object) -> _Field:
    if annotation is int:
        return _Field(name, _read_int)
    if annotation is Month:
        return _Field(name, _read_month)
    if annotation is Token or annotation is str:
        return _Field(name, _read_token)
    if get_origin(annotation) is Literal:
        choices = tuple(str(a) for a in get_args(annotation))

        def read_choice(text: str) -> str:
            if text not in choices:
                raise ValueError(text)
            return text

        return _Field(name, read_choice, choices)
    raise TypeError(f"unsupported callback field type {annotation!r} for {name}")


class Button:
    """Base of every button kind: ``LAYOUT`` names the parts, fields give their types."""

    LAYOUT: ClassVar[str]
    _fields: ClassVar[dict[str, _Field]]
    _parts: ClassVar[list[str]]

    @property
    def data(self) -> str:
        """The callback_data to put on the button."""
        values = {f.name: _write(getattr(self, f.name)) for f in fields(self)}  # type: ignore[arg-type]
        text = self.LAYOUT.format(**values)
        if len(text.encode()) > MAX_DATA_BYTES:
            raise ValueError(f"callback_data too long: {text!r}")
        return text

    def __str__(self) -> str:
        return self.data


#: Button kinds by their first two parts (``feature:action``), then tried in order.
_KINDS: dict[tuple[str, str], list[type[Button]]] = {}
_ALL: list[type[Button]] = []


def button(layout: str) -> Any:
    """Declare a button kind: ``@button("ledger:{mark}:{row_id}")`` above a frozen dataclass."""

    def declare(cls: type[Any]) -> type[Button]:
        cls = dataclass(frozen=True)(cls)
        hints = get_type_hints(cls, include_extras=False)
        cls.LAYOUT = layout
        cls._parts = layout.split(":")
        cls._fields = {}
        for part in cls._parts:
            if part.startswith("{") and part.endswith("}"):
                name = part[1:-1]
                cls._fields[name] = _field_of(name, hints[name])
        if set(cls._fields) != {f.name for f in fields(cls)}:
            raise TypeError(f"{cls.__name__}: layout and fields differ")
        for key in _keys(cls):
            _KINDS.setdefault(key, []).append(cls)
        _ALL.append(cls)
        return cls

    return declare


def _keys(cls: type[Button]) -> list[tuple[str, str]]:
    """The (feature, action) pairs a kind can start with (an action field lists its words)."""
    feature, action = cls._parts[0], cls._parts[1] if len(cls._parts) > 1 else ""
    if action.startswith("{"):
        return [(feature, word) for word in cls._fields[action[1:-1]].choices]
    return [(feature, action)]


def kinds() -> list[type[Button]]:
    """Every declared button kind (for tests that check what the bot emits)."""
    return list(_ALL)


def _try(cls: type[Button], parts: list[str]) -> Button | None:
    if len(parts) != len(cls._parts):
        return None
    values: dict[str, object] = {}
    for part, expected in zip(parts, cls._parts, strict=True):
        if expected.startswith("{"):
            spec = cls._fields[expected[1:-1]]
            try:
                values[spec.name] = spec.read(part)
            except ValueError:
                return None
        elif part != expected:
            return None
    return cls(**values)


def parse(data: object) -> Button:
    """The typed button behind `data`, or StaleButton; never any other exception."""
    if not isinstance(data, str) or len(data.encode("utf-8", "replace")) > MAX_DATA_BYTES:
        raise StaleButton(data)
    parts = data.split(":")
    if len(parts) < 2:
        raise StaleButton(data)
    for cls in _KINDS.get((parts[0], parts[1]), ()):
        found = _try(cls, parts)
        if found is not None:
            return found
    raise StaleButton(data)


def is_valid(data: object) -> bool:
    try:
        parse(data)
    except StaleButton:
        return False
    return True


def matching(*classes: type[Button]) -> Any:
    """A CallbackQueryHandler pattern that accepts exactly the given kinds."""

    def accepts(data: object) -> bool:
        try:
            return isinstance(parse(data), classes)
        except StaleButton:
            return False

    return accepts


def digest(*parts: object) -> str:
    """A short, stable fingerprint of what a confirm button confirms (12 hex characters)."""
    text = "\x1f".join(str(p) for p in parts)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:12]


# ------------------------------------------------------------------ the bot's buttons

Mark = Literal["decl", "paid"]
ReminderAction = Literal["done", "snooze", "view"]
TodoAction = Literal["done", "paid"]
HireField = Literal["name", "id_number", "first_day", "department", "base", "city"]
#: bot.importing.FIELDS keys, plus "ignore" for a column that is not imported.
ImportField = Literal[
    "name",
    "id_number",
    "hire_date",
    "department",
    "base",
    "city",
    "paid_months",
    "leave_date",
    "registered",
    "ignore",
]


@button("reminders:{action}:{reminder_id}")
class ReminderPress(Button):
    action: ReminderAction
    reminder_id: int


@button("todo:{action}:{item_id}")
class TodoMark(Button):
    action: TodoAction
    item_id: int


@button("todo:today:{action}:{item_id}")
class TodoToday(Button):
    """"今天" for the item whose date is asked; refused once another item is pending."""

    action: TodoAction
    item_id: int


@button("todo:abort")
class TodoAbort(Button):
    pass


@button("todo:page:{company_id}:{page}")
class TodoPage(Button):
    company_id: int
    page: int


@button("emp:page:{company_id}:{page}")
class EmployeesPage(Button):
    company_id: int
    page: int


@button("ledger:{mark}:{row_id}")
class LedgerMark(Button):
    mark: Mark
    row_id: int


@button("ledger:page:{company_id}:{month}:{page}")
class LedgerPage(Button):
    """A month of a company's ledger: the company it was shown for, not the current one."""

    company_id: int
    month: Month
    page: int


@button("ledger:bulk:{company_id}:{mark}:{month}")
class LedgerBulk(Button):
    company_id: int
    mark: Mark
    month: Month


@button("ledger:bulkok:{company_id}:{mark}:{month}:{shown}")
class LedgerBulkConfirm(Button):
    """Confirms marking the rows that were shown: `shown` is a digest of their ids."""

    company_id: int
    mark: Mark
    month: Month
    shown: Token


@button("base:emp:{employee_id}")
class BaseEmployee(Button):
    employee_id: int


@button("base:page:{page}")
class BasePage(Button):
    page: int


@button("base:month:{month}")
class BaseMonth(Button):
    month: Month


@button("base:confirm:{draft}")
class BaseConfirm(Button):
    draft: Token


@button("base:allok:{draft}")
class BaseAllConfirm(Button):
    """Confirms the /base_all adjustment whose preview carried this draft digest."""

    draft: Token


@button("base:cancel")
class BaseCancel(Button):
    pass


@button("leave:emp:{employee_id}")
class LeaveEmployee(Button):
    employee_id: int


@button("leave:page:{page}")
class LeavePage(Button):
    page: int


@button("leave:reason:{index}")
class LeaveReason(Button):
    index: int


@button("leave:confirm:{draft}")
class LeaveConfirm(Button):
    draft: Token


@button("leave:cancel")
class LeaveCancel(Button):
    pass


@button("hire:dept:{department_id}")
class HireDepartment(Button):
    department_id: int


@button("hire:dept:new")
class HireNewDepartment(Button):
    pass


@button("hire:city:default")
class HireCityDefault(Button):
    pass


@button("hire:confirm:{draft}")
class HireConfirm(Button):
    draft: Token


@button("hire:edit")
class HireEdit(Button):
    pass


@button("hire:cancel")
class HireCancel(Button):
    pass


@button("hire:field:{field}")
class HireEditField(Button):
    field: HireField


@button("backpay:emp:{employee_id}")
class BackpayEmployee(Button):
    employee_id: int


@button("backpay:page:{page}")
class BackpayPage(Button):
    page: int


@button("backpay:months:unpaid")
class BackpayUnpaidMonths(Button):
    pass


@button("backpay:pay:today")
class BackpayPayToday(Button):
    pass


@button("policy:topic:{topic}:{region}")
class PolicyTopic(Button):
    topic: Token
    region: Token


@button("transfer:map:{column}:{field}")
class ImportMapColumn(Button):
    column: int
    field: ImportField


@button("transfer:confirm:{upload}")
class ImportConfirm(Button):
    """Confirms the upload whose preview carried this digest (upload id + content hash)."""

    upload: Token


@button("transfer:paid:{month}")
class ImportPaidUpTo(Button):
    """导入前已缴至 this month (the preview's one question about earlier months)."""

    month: Month


@button("transfer:reg:{answer}")
class ImportRegistered(Button):
    """Recent hires whose row has no 参保状态: all registered (yes) or none (no)."""

    answer: Literal["yes", "no"]


@button("transfer:ignorerest")
class ImportIgnoreRest(Button):
    """Every column still unknown is not imported (one tap instead of one per column)."""


@button("transfer:errors")
class ImportErrors(Button):
    pass


@button("transfer:cancel")
class ImportCancel(Button):
    pass


@button("company:use:{company_id}")
class CompanyUse(Button):
    company_id: int


#: ReminderKind values HR may send to group robots (bot.services.robots.CHOOSABLE_KINDS).
RobotNotifyKind = Literal[
    "registration_normal",
    "registration_urgent",
    "registration_overdue",
    "declaration_upcoming",
    "declaration_due",
    "policy_update",
]


@button("robot:notify:{company_id}:{kind}")
class RobotNotifyToggle(Button):
    """/robot notify: send (or stop sending) one kind of notification to the robots."""

    company_id: int
    kind: RobotNotifyKind


#: policies.backpay_case.CaseState values.
CaseStateWord = Literal[
    "draft", "submitted", "accepted", "needs_materials", "completed", "rejected"
]
#: policies.backpay_case.CaseReason values.
CaseReasonWord = Literal["onboarding", "wrong_data", "missed", "other"]


@button("case:open:{employee_id}")
class CaseOpen(Button):
    """办理补缴: open a case for the employee's unpaid months (overdue reminder, /ledger)."""

    employee_id: int


@button("case:bp:{token}")
class CaseFromBackpay(Button):
    """生成补缴案例 under a /backpay result; `token` names the result kept in user_data."""

    token: Token


@button("case:reason:{reason}")
class CaseReasonPick(Button):
    reason: CaseReasonWord


@button("case:pay:today")
class CasePayToday(Button):
    pass


@button("case:paid:planned")
class CasePaidAsPlanned(Button):
    pass


@button("case:show:{case_id}")
class CaseShow(Button):
    case_id: int


@button("case:mv:{case_id}:{current}:{wanted}")
class CaseMove(Button):
    """A state button of one case, shown for `current`: refused once the case moved on."""

    case_id: int
    current: CaseStateWord
    wanted: CaseStateWord


@button("case:docs:{case_id}")
class CaseDocuments(Button):
    case_id: int


@button("case:page:{company_id}:{page}")
class CasesPage(Button):
    company_id: int
    page: int


@button("case:send:{case_id}")
class CaseSendToEmployee(Button):
    """发送给员工: the case's 说明函 and 权益影响说明 to the bound employee."""

    case_id: int


@button("complaint:show:{complaint_id}")
class ComplaintShow(Button):
    complaint_id: int


@button("complaint:reply:{complaint_id}")
class ComplaintReply(Button):
    """回复: HR type a reply to one complaint (a conversation)."""

    complaint_id: int


@button("complaint:close:{complaint_id}")
class ComplaintClose(Button):
    complaint_id: int


@button("complaint:page:{company_id}:{page}")
class ComplaintsPage(Button):
    company_id: int
    page: int


@button("audit:page:{company_id}:{page}:{key}")
class AuditPage(Button):
    """A page of /audit; `key` is ``all``, ``d<YYYYMMDD>`` or ``n<digest of the name>`` (the
    name itself waits in the presser's user data: a Chinese name may not fit in 64 bytes)."""

    company_id: int
    page: int
    key: Token


@button("members:admin:{membership_id}:{admin}")
class MemberAdmin(Button):
    """/members: make an HR an HR admin (`on`) or a plain HR again (`off`)."""

    membership_id: int
    admin: Literal["on", "off"]


@button("members:revoke:{membership_id}")
class MemberRevoke(Button):
    """/members: ask to revoke one membership (a confirm button follows)."""

    membership_id: int


@button("members:revokeok:{membership_id}")
class MemberRevokeConfirm(Button):
    membership_id: int


@button("members:page:{company_id}:{page}")
class MembersPage(Button):
    company_id: int
    page: int


# ------------------------------------------------------------------ deep links

#: A robot message's 查看 link opens the reminder: https://t.me/<bot>?start=r<reminder id>.
_REMINDER_PAYLOAD = re.compile(r"r(0|[1-9][0-9]{0,18})")


def reminder_payload(reminder_id: int) -> str:
    """The /start payload that opens reminder `reminder_id` (Action.start_payload)."""
    return f"r{reminder_id}"


def parse_reminder_payload(payload: str) -> int | None:
    """The reminder id of a `/start r<id>` payload; None for anything else (an invite code)."""
    match = _REMINDER_PAYLOAD.fullmatch(payload)
    if match is None:
        return None
    value = int(match[1])
    return value if value <= MAX_ID else None
