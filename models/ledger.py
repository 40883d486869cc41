"""The social-insurance ledger (社保台账): one row per employee per month."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import BigInteger, Index, UniqueConstraint
from sqlmodel import Field, Session, SQLModel, col, select

from models.types import Money, UTCDateTime, utcnow
from policies.ledger_rules import STATE_LABELS, UNPAID_STATES, LedgerState

#: The state enum and its labels are domain rules (policies/); the table stores the value.
LEDGER_STATE_LABELS = STATE_LABELS
UNPAID = tuple(UNPAID_STATES)

__all__ = ["LEDGER_STATE_LABELS", "LedgerMonth", "LedgerState"]


class LedgerMonth(SQLModel, table=True):
    __tablename__ = "ledger_month"
    __table_args__ = (
        UniqueConstraint("employee_id", "month"),
        Index("ix_ledger_company_month_state", "company_id", "month", "state"),
    )

    id: int | None = Field(default=None, primary_key=True)
    company_id: int = Field(foreign_key="company.id", index=True)
    employee_id: int = Field(foreign_key="employee.id", index=True)
    #: First day of the contribution month.
    month: date
    state: str = Field(default=LedgerState.PENDING, max_length=12)
    #: Contribution base for this month (after clamping where the policy is known).
    base: Decimal = Field(sa_type=Money)
    employer_amount: Decimal | None = Field(default=None, sa_type=Money)
    employee_amount: Decimal | None = Field(default=None, sa_type=Money)
    declared_on: date | None = None
    paid_on: date | None = None
    marked_by: int | None = Field(default=None, sa_type=BigInteger)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


def unpaid_months(session: Session, company_id: int) -> list[LedgerMonth]:
    statement = select(LedgerMonth).where(
        LedgerMonth.company_id == company_id, col(LedgerMonth.state).in_(UNPAID)
    )
    return list(session.exec(statement.order_by(col(LedgerMonth.month), col(LedgerMonth.id))))


def ledger_row(session: Session, company_id: int, row_id: int) -> LedgerMonth | None:
    statement = select(LedgerMonth).where(
        LedgerMonth.company_id == company_id, LedgerMonth.id == row_id
    )
    return session.exec(statement).first()


def employee_ledger(session: Session, company_id: int, employee_id: int) -> list[LedgerMonth]:
    statement = select(LedgerMonth).where(
        LedgerMonth.company_id == company_id, LedgerMonth.employee_id == employee_id
    )
    return list(session.exec(statement.order_by(col(LedgerMonth.month))))
