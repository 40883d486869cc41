"""Back-payment cases (补缴案例) and their history: one row per case, one per state change.

The amounts are frozen when the case is opened: the calculator's months, per-insurance parts
and late fee are kept as exact decimal strings in `months` (JSON) and the totals as Money, with
the policy version that priced them, so a later policy import never changes what HR filed.
Every query takes the company id: a case id alone is never trusted.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Index
from sqlmodel import Field, Session, SQLModel, col, select

from models.sealed import SealedJSON
from models.types import Money, UTCDateTime, utcnow
from policies.backpay_case import CLOSED_STATES, CaseState


class BackpayCase(SQLModel, table=True):
    __tablename__ = "backpay_case"
    __table_args__ = (Index("ix_backpay_case_company_state", "company_id", "state"),)

    id: int | None = Field(default=None, primary_key=True)
    company_id: int = Field(foreign_key="company.id")
    employee_id: int = Field(foreign_key="employee.id", index=True)
    #: Insured city and base the months were priced with.
    city: str = Field(max_length=40)
    base: Decimal = Field(sa_type=Money)
    #: The employment's first day the months were priced with (first-month rule).
    first_day: date | None = None
    #: Per month: month, due, overdue days, employer/employee parts per insurance, late fee —
    #: every amount a decimal string (see bot.services.cases.FrozenMonth).
    months: list[dict[str, Any]] = Field(sa_column=Column(JSON, nullable=False))
    employer_total: Decimal = Field(sa_type=Money)
    employee_total: Decimal = Field(sa_type=Money)
    late_fee: Decimal = Field(sa_type=Money)
    #: The policy version in force on the payment date, and the versions of the months.
    policy_version: str = Field(max_length=200)
    reason: str = Field(max_length=20)
    reason_text: str | None = Field(default=None, max_length=200)
    #: 员工信息有误: [[field, old value, new value], …] for the 员工信息变更表 (0011); sealed
    #: (models/sealed.py, 0015): a corrected 身份证 may be among the values.
    changed_fields: list[list[str]] | None = Field(
        default=None, sa_column=Column(SealedJSON("backpay_case.changed_fields"), nullable=True)
    )
    planned_pay_date: date
    actual_pay_date: date | None = None
    #: The late fee re-priced for the actual payment date (None until it is known).
    actual_late_fee: Decimal | None = Field(default=None, sa_type=Money)
    state: str = Field(default=CaseState.DRAFT, max_length=20)
    opened_by: int = Field(sa_type=BigInteger)
    opened_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_change_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class CaseEvent(SQLModel, table=True):
    """One state change of a case: from, to, when, by whom, and the note (a rejection's
    reason, a re-priced late fee)."""

    __tablename__ = "case_event"

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="backpay_case.id", index=True)
    company_id: int = Field(foreign_key="company.id")
    from_state: str | None = Field(default=None, max_length=20)
    to_state: str = Field(max_length=20)
    #: The day HR say it happened (the office's date), and when it was recorded.
    on: date
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    by: int = Field(sa_type=BigInteger)
    note: str | None = Field(default=None, max_length=300)


def case_by_id(session: Session, company_id: int, case_id: int) -> BackpayCase | None:
    statement = select(BackpayCase).where(
        BackpayCase.company_id == company_id, BackpayCase.id == case_id
    )
    return session.exec(statement).first()


def open_cases(session: Session, company_id: int) -> list[BackpayCase]:
    """The company's cases not yet 已完成 or 已驳回, oldest first."""
    statement = select(BackpayCase).where(
        BackpayCase.company_id == company_id,
        col(BackpayCase.state).not_in([s.value for s in CLOSED_STATES]),
    )
    return list(session.exec(statement.order_by(col(BackpayCase.opened_at), col(BackpayCase.id))))


def open_cases_of_all(session: Session) -> list[BackpayCase]:
    """Every company's open cases (the daily stall planning walks them)."""
    statement = select(BackpayCase).where(
        col(BackpayCase.state).not_in([s.value for s in CLOSED_STATES])
    )
    return list(session.exec(statement.order_by(col(BackpayCase.id))))


def case_events(session: Session, company_id: int, case_id: int) -> list[CaseEvent]:
    statement = select(CaseEvent).where(
        CaseEvent.company_id == company_id, CaseEvent.case_id == case_id
    )
    return list(session.exec(statement.order_by(col(CaseEvent.at), col(CaseEvent.id))))
