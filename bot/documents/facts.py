"""What a back-payment case (补缴案例) tells its documents: the typed input of ``case_documents``.

The case service freezes the calculator's result at opening; the documents print exactly those
figures, so the facts carry ``policies.backpay`` result types (``BackPaymentMonth`` with its
``MonthlyContribution`` per insurance) rather than a parallel copy that could drift from them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from policies.backpay import BackPayment, BackPaymentMonth, MonthTotals
from policies.schema import PolicyVersion


class CaseReason(StrEnum):
    """Why the months were missed; the Chinese labels live in templates/documents/labels.j2."""

    ONBOARDING_NOT_SYNCED = "onboarding_not_synced"
    """入职信息未同步"""
    WRONG_EMPLOYEE_DATA = "wrong_employee_data"
    """员工信息有误 — the 员工信息变更表 is generated too."""
    MISSED_DECLARATION = "missed_declaration"
    """遗漏申报"""
    OTHER = "other"
    """其他 — ``CaseFacts.reason_text`` says what."""


@dataclass(frozen=True)
class ChangedField:
    """One corrected employee datum (员工信息有误): the field's name as HR call it, old and new."""

    field: str
    old: str
    new: str


@dataclass(frozen=True)
class GeneratedFile:
    """A finished document: Chinese file name, bytes ready to send, and its MIME type."""

    filename: str
    content: bytes
    mime: str


XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@dataclass(frozen=True)
class CaseFacts(MonthTotals):
    """Everything the case documents print, frozen when the case was opened.

    ``months`` are the calculator's priced months (``BackPayment.months``); ``policy_version`` is
    the version in force on the planned payment date (``BackPayment.rules_version``), whose
    medical-gap and housing-fund rules the impact note reads. ``id_number`` is the full 身份证;
    the generators mask it unless asked for the HR-private copy.
    """

    company_name: str
    employee_name: str
    id_number: str
    city: str
    base: Decimal
    """The declared contribution base (each month's charged base is in its contribution)."""
    months: tuple[BackPaymentMonth, ...]
    reason: CaseReason
    planned_payment_date: date
    policy_version: PolicyVersion
    opened_on: date
    letter_date: date
    reason_text: str = ""
    changed_fields: tuple[ChangedField, ...] = ()
    first_day: date | None = None
    """The employment's first day of work, when known."""
    national_version: PolicyVersion | None = None
    """The national version on the payment date (pension-formula figures of the impact note);
    None: taken from the packaged policy library."""

    def __post_init__(self) -> None:
        if not self.months:
            raise ValueError("a case has at least one month")
        if self.base < 0:
            raise ValueError("base must not be negative")

    @classmethod
    def from_back_payment(cls, backpay: BackPayment, *, company_name: str, employee_name: str,
                          id_number: str, reason: CaseReason, opened_on: date,
                          letter_date: date, reason_text: str = "",
                          changed_fields: tuple[ChangedField, ...] = (),
                          first_day: date | None = None,
                          national_version: PolicyVersion | None = None) -> CaseFacts:
        """The facts of a case opened from the calculator's result ``backpay``."""
        return cls(company_name=company_name, employee_name=employee_name,
                   id_number=id_number, city=backpay.region.city, base=backpay.base,
                   months=backpay.months, reason=reason,
                   planned_payment_date=backpay.pay_date,
                   policy_version=backpay.rules_version, opened_on=opened_on,
                   letter_date=letter_date, reason_text=reason_text,
                   changed_fields=changed_fields, first_day=first_day,
                   national_version=national_version)

    @property
    def month_starts(self) -> list[date]:
        return [m.month for m in self.months]
