"""The typed drafts of the dialogs (handlers/dialog.py): what HR have answered so far.

Each is a dataclass with a JSON form (user_data is persisted as JSON, never pickled) and a
reader of the untyped dict the same dialog kept under its own user_data key before.
Confirm tokens digest exactly what the old dicts held, so a preview sent before an upgrade
can still be confirmed after it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from bot.callbacks import digest
from bot.context import HRContext
from bot.services.backpay import Subject
from bot.services.hiring import HireDraft
from bot.services.transfer import ImportChoices
from handlers.dialog import Draft, answers_token, new_nonce


def _day(value: object) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) and value else None


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _int(value: object) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int | str):
        return None
    return int(value) if str(value).lstrip("-").isdigit() else None


def _str(value: object) -> str | None:
    return value if isinstance(value, str) else None


@dataclass
class HireAnswers(Draft):
    """/hire: the registration's answers, whether the summary's ✏️ 修改 is under way."""

    DIALOG = "hire"
    KIND = "hire"

    answers: HireDraft = field(default_factory=HireDraft.start)
    #: An answer is being edited from the summary: after it, show the summary again.
    editing: bool = False
    nonce: str = field(default_factory=new_nonce)

    def token(self) -> str:
        return answers_token(self.nonce, self.answers.to_dict())

    def to_json(self) -> dict[str, Any]:
        return {"answers": self.answers.to_dict(), "editing": self.editing, "nonce": self.nonce}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> HireAnswers:
        return cls(HireDraft.from_dict(data["answers"]), bool(data["editing"]), data["nonce"])

    @classmethod
    def from_legacy(cls, user_data: Mapping[str, Any]) -> HireAnswers | None:
        old = user_data.get("hire_draft")
        if not isinstance(old, dict):
            return None
        nonce = str(user_data.get("hire_draft_nonce", ""))
        return cls(HireDraft.from_dict(old), bool(user_data.get("hire_editing")), nonce)


@dataclass
class LeaveDraft(Draft):
    """/leave: who leaves, their last working day and why."""

    DIALOG = "leave"
    KIND = "leave"

    employee_id: int | None = None
    name: str | None = None
    last_day: date | None = None
    reason: str | None = None
    nonce: str = field(default_factory=new_nonce)

    def _answers(self) -> dict[str, Any]:
        answers = {"employee_id": self.employee_id, "name": self.name,
                   "last_day": _iso(self.last_day), "reason": self.reason}
        return {k: v for k, v in answers.items() if v is not None}

    def token(self) -> str:
        return answers_token(self.nonce, self._answers())

    def to_json(self) -> dict[str, Any]:
        return {**self._answers(), "nonce": self.nonce}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> LeaveDraft:
        return cls(_int(data.get("employee_id")), _str(data.get("name")),
                   _day(data.get("last_day")), _str(data.get("reason")), str(data["nonce"]))

    @classmethod
    def from_legacy(cls, user_data: Mapping[str, Any]) -> LeaveDraft | None:
        old = user_data.get("leave_draft")
        if not isinstance(old, dict):
            return None
        return cls.from_json({**old, "nonce": user_data.get("leave_draft_nonce", "")})


@dataclass
class BaseChangeDraft(Draft):
    """/base: one employee's new 缴费基数 and the month it applies from."""

    DIALOG = "base"
    KIND = "base"

    employee_id: int | None = None
    name: str | None = None
    #: The employee's first day: no month before it is offered.
    first_day: date | None = None
    base: Decimal | None = None
    month: date | None = None
    nonce: str = field(default_factory=new_nonce)

    def _answers(self) -> dict[str, Any]:
        answers = {"employee_id": self.employee_id, "name": self.name,
                   "first_day": _iso(self.first_day),
                   "base": str(self.base) if self.base is not None else None,
                   "month": _iso(self.month)}
        # as the old dict: first_day always there (null when unknown), the rest once answered
        return {k: v for k, v in answers.items() if v is not None or k == "first_day"}

    def token(self) -> str:
        return answers_token(self.nonce, self._answers())

    def to_json(self) -> dict[str, Any]:
        return {**self._answers(), "nonce": self.nonce}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> BaseChangeDraft:
        base = data.get("base")
        return cls(_int(data.get("employee_id")), _str(data.get("name")),
                   _day(data.get("first_day")), Decimal(base) if base is not None else None,
                   _day(data.get("month")), str(data["nonce"]))

    @classmethod
    def from_legacy(cls, user_data: Mapping[str, Any]) -> BaseChangeDraft | None:
        old = user_data.get("base_draft")
        if not isinstance(old, dict) or "bases" in old:
            return None
        return cls.from_json({**old, "nonce": user_data.get("base_draft_nonce", "")})


@dataclass
class BaseAllDraft(Draft):
    """/base_all: the month of the yearly adjustment and the uploaded new bases by employee."""

    DIALOG = "base"
    KIND = "base_all"

    month: date
    bases: dict[int, Decimal] = field(default_factory=dict)
    nonce: str = field(default_factory=new_nonce)

    def _answers(self) -> dict[str, Any]:
        return {"month": self.month.isoformat(),
                "bases": {str(k): str(v) for k, v in self.bases.items()}}

    def token(self) -> str:
        return answers_token(self.nonce, self._answers())

    def to_json(self) -> dict[str, Any]:
        return {**self._answers(), "nonce": self.nonce}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> BaseAllDraft:
        bases = {int(k): Decimal(v) for k, v in (data.get("bases") or {}).items()}
        return cls(date.fromisoformat(data["month"]), bases, str(data["nonce"]))

    @classmethod
    def from_legacy(cls, user_data: Mapping[str, Any]) -> BaseAllDraft | None:
        old = user_data.get("base_draft")
        if not isinstance(old, dict) or "month" not in old or "employee_id" in old:
            return None
        return cls.from_json({**old, "nonce": user_data.get("base_draft_nonce", "")})


@dataclass
class BackpayDraft(Draft):
    """/backpay: whose back-payment (an employee or a bare base), and which months."""

    DIALOG = "backpay"
    KIND = "backpay"

    #: The first question offered employee buttons (the refusal of a typed base says so).
    has_employees: bool = True
    subject: Subject | None = None
    months: list[date] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"has_employees": self.has_employees,
                "subject": self.subject.to_dict() if self.subject is not None else None,
                "months": [m.isoformat() for m in self.months]}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> BackpayDraft:
        subject = data.get("subject")
        return cls(bool(data.get("has_employees", True)),
                   Subject.from_dict(subject) if subject else None,
                   [date.fromisoformat(m) for m in data.get("months") or []])

    @classmethod
    def from_legacy(cls, user_data: Mapping[str, Any]) -> BackpayDraft | None:
        old = user_data.get("backpay_draft")
        return cls.from_json(old) if isinstance(old, dict) else None


@dataclass
class TodoMarkDraft(Draft):
    """已办理 / 已缴纳 pressed on /todo: which item, waiting for the date it was done."""

    DIALOG = "todo_mark"
    KIND = "todo_mark"

    #: "done" (a task) or "paid" (a ledger month).
    action: str
    item_id: int
    what: str
    name: str
    #: The item's company (not necessarily the user's current one).
    company_id: int

    def to_json(self) -> dict[str, Any]:
        return {"action": self.action, "item_id": self.item_id, "what": self.what,
                "name": self.name, "company_id": self.company_id}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> TodoMarkDraft:
        return cls(str(data["action"]), int(data["item_id"]), str(data["what"]),
                   str(data["name"]), int(data["company_id"]))

    @classmethod
    def from_legacy(cls, user_data: Mapping[str, Any]) -> TodoMarkDraft | None:
        old = user_data.get("todo_pending")
        return cls.from_json(old) if isinstance(old, dict) else None


@dataclass
class CaseOpenDraft(Draft):
    """办理补缴 / 生成补缴案例: the back-payment case being opened (whose, which months, why,
    and when it will be paid)."""

    DIALOG = "case"
    KIND = "case_open"

    #: The employee's company (not necessarily the user's current one).
    company_id: int
    employee_id: int
    name: str
    months: list[date]
    #: Known already when the case comes from a /backpay result (then it is not asked).
    pay_date: date | None = None
    reason: str | None = None
    reason_text: str | None = None
    #: 员工信息有误: (field, old value, new value) for the 员工信息变更表.
    changed_fields: list[tuple[str, str, str]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"company_id": self.company_id, "employee_id": self.employee_id,
                "name": self.name, "months": [m.isoformat() for m in self.months],
                "pay_date": _iso(self.pay_date), "reason": self.reason,
                "reason_text": self.reason_text,
                "changed_fields": [list(f) for f in self.changed_fields]}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> CaseOpenDraft:
        changed = [(str(a), str(b), str(c)) for a, b, c in data.get("changed_fields") or []]
        return cls(int(data["company_id"]), int(data["employee_id"]), str(data["name"]),
                   [date.fromisoformat(m) for m in data["months"]], _day(data.get("pay_date")),
                   _str(data.get("reason")), _str(data.get("reason_text")), changed)

    @classmethod
    def from_legacy(cls, user_data: Mapping[str, Any]) -> CaseOpenDraft | None:
        old = user_data.get("case_draft")
        return cls.from_json(old) if isinstance(old, dict) and "months" in old else None


@dataclass
class CaseMoveDraft(Draft):
    """已驳回 / 已完成 pressed on a case: the move waiting for the office's reason or the
    actual payment date."""

    DIALOG = "case"
    KIND = "case_move"

    company_id: int
    case_id: int
    #: The case's state the button was made in, and the one asked for (CaseState values).
    current: str
    wanted: str
    #: The planned payment date (the 按计划日期 answer).
    planned: date

    def to_json(self) -> dict[str, Any]:
        return {"company_id": self.company_id, "case_id": self.case_id,
                "current": self.current, "wanted": self.wanted,
                "planned": self.planned.isoformat()}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> CaseMoveDraft:
        return cls(int(data["company_id"]), int(data["case_id"]), str(data["current"]),
                   str(data["wanted"]), date.fromisoformat(data["planned"]))

    @classmethod
    def from_legacy(cls, user_data: Mapping[str, Any]) -> CaseMoveDraft | None:
        old = user_data.get("case_draft")
        return cls.from_json(old) if isinstance(old, dict) and "case_id" in old else None


#: user_data key of the last /backpay result (its 生成补缴案例 button). Not a dialog step: the
#: result stays usable after the /backpay dialog ended.
BACKPAY_RESULT_KEY = "backpay_last_result"


@dataclass
class BackpayResult:
    """An employee's last /backpay result, for the 生成补缴案例 button under it."""

    #: What the button carries: only the newest result's button opens a case.
    token: str
    employee_id: int
    months: list[date]
    pay_date: date

    @classmethod
    def load(cls, context: HRContext) -> BackpayResult | None:
        assert context.user_data is not None
        data = context.user_data.get(BACKPAY_RESULT_KEY)
        if not isinstance(data, dict):
            return None
        try:
            return cls(str(data["token"]), int(data["employee_id"]),
                       [date.fromisoformat(m) for m in data["months"]],
                       date.fromisoformat(data["pay_date"]))
        except (KeyError, TypeError, ValueError):
            return None

    def keep(self, context: HRContext) -> None:
        assert context.user_data is not None
        context.user_data[BACKPAY_RESULT_KEY] = {
            "token": self.token, "employee_id": self.employee_id,
            "months": [m.isoformat() for m in self.months],
            "pay_date": self.pay_date.isoformat(),
        }

    @staticmethod
    def drop(context: HRContext) -> None:
        assert context.user_data is not None
        context.user_data.pop(BACKPAY_RESULT_KEY, None)


#: user_data key of the pending import. Not a dialog step (an upload can arrive at any time and
#: waits beside a dialog), so it has a key of its own; its JSON form is the dict kept before.
IMPORT_KEY = "import_pending"


@dataclass
class PendingImport:
    """A spreadsheet read on arrival and waiting for 确认导入 (handlers/transfer.py)."""

    #: The `pending_upload` row holding the table as read (never downloaded again).
    upload_id: int
    filename: str
    #: Names this upload on its buttons, so a button of an earlier upload never acts on it.
    upload: str
    #: The start of the content hash: 确认导入 is refused if the file behind the id changed.
    sha: str
    #: Header -> field key chosen by HR ("" ignores the column).
    columns: dict[str, str] = field(default_factory=dict)
    #: The preview's answers (paid up to, 参保状态); None until one is pressed.
    choices: ImportChoices | None = None
    #: The token of the preview shown (its 确认导入 button); None while a header is asked.
    preview: str | None = None

    def token(self) -> str:
        """What 确认导入 confirms: this upload with its column choices and the preview's
        answers (the same digest as the untyped dict gave)."""
        chosen = self.choices.to_dict() if self.choices is not None else {}
        answers = json.dumps([self.columns, chosen], sort_keys=True, ensure_ascii=False)
        return digest(self.upload, self.sha, answers)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"upload_id": self.upload_id, "filename": self.filename,
                                "map": dict(self.columns), "upload": self.upload, "sha": self.sha}
        if self.choices is not None:
            data["choices"] = self.choices.to_dict()
        if self.preview is not None:
            data["preview"] = self.preview
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> PendingImport:
        choices = data.get("choices")
        return cls(int(data["upload_id"]), str(data["filename"]), str(data.get("upload", "")),
                   str(data.get("sha", "")), dict(data.get("map") or {}),
                   ImportChoices.from_dict(choices) if choices is not None else None,
                   _str(data.get("preview")))

    @classmethod
    def load(cls, context: HRContext) -> PendingImport | None:
        """The pending import, if any (an unreadable one counts as none)."""
        assert context.user_data is not None
        data = context.user_data.get(IMPORT_KEY)
        if not isinstance(data, dict):
            return None
        try:
            return cls.from_json(data)
        except (KeyError, TypeError, ValueError):
            return None

    def keep(self, context: HRContext) -> None:
        assert context.user_data is not None
        context.user_data[IMPORT_KEY] = self.to_json()

    @staticmethod
    def drop(context: HRContext) -> bool:
        """Forget the pending import; whether there was one."""
        assert context.user_data is not None
        return context.user_data.pop(IMPORT_KEY, None) is not None


@dataclass
class ComplaintReplyDraft(Draft):
    """💬 回复 pressed on a complaint: which one, waiting for HR's text."""

    DIALOG = "complaint_reply"
    KIND = "complaint_reply"

    complaint_id: int
    #: The complaint's company (not necessarily the user's current one).
    company_id: int

    def to_json(self) -> dict[str, Any]:
        return {"complaint_id": self.complaint_id, "company_id": self.company_id}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ComplaintReplyDraft:
        return cls(int(data["complaint_id"]), int(data["company_id"]))
