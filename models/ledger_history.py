"""History around the ledger: employment periods, base changes and import batches.

`employee` keeps the latest period (first_day, last_day, status, base) for quick reads; these
tables keep everything before it, so a re-hire or a July base adjustment never rewrites the past.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import BigInteger, UniqueConstraint
from sqlmodel import Field, Session, SQLModel, col, select

from models.ledger import LedgerMonth
from models.types import Money, UTCDateTime, utcnow

#: Why a period ended, as stored in `leave_reason` (HR choose the first five in /leave).
LEAVE_REASONS = ("主动离职", "合同到期", "辞退", "退休", "其他")
LEAVE_REASON_AT_IMPORT = "导入时已离职"


class BaseChangeReason(StrEnum):
    """Why a base changed, as stored in `base_change.reason`."""

    ADJUSTED = "调整"
    HIRED = "入职"
    ANNUAL = "年度调整"


class EmploymentPeriod(SQLModel, table=True):
    """One stretch of employment (任职期间); a re-hire with the same 身份证 adds another."""

    __tablename__ = "employment_period"
    __table_args__ = (UniqueConstraint("employee_id", "first_day"),)

    id: int | None = Field(default=None, primary_key=True)
    company_id: int = Field(foreign_key="company.id", index=True)
    employee_id: int = Field(foreign_key="employee.id", index=True)
    first_day: date
    last_day: date | None = None
    #: First ledger month kept for this period: later than the hire month when a company
    #: migrated without telling which earlier months were paid.
    tracked_from: date
    leave_reason: str | None = Field(default=None, max_length=100)
    leave_task_id: int | None = Field(default=None, foreign_key="task.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class BaseChange(SQLModel, table=True):
    """缴费基数 in force from a month on, for one employee."""

    __tablename__ = "base_change"
    __table_args__ = (UniqueConstraint("employee_id", "effective_month"),)

    id: int | None = Field(default=None, primary_key=True)
    company_id: int = Field(foreign_key="company.id", index=True)
    employee_id: int = Field(foreign_key="employee.id", index=True)
    effective_month: date
    base: Decimal = Field(sa_type=Money)
    reason: str = Field(default="", max_length=50)
    created_by: int | None = Field(default=None, sa_type=BigInteger)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ImportBatch(SQLModel, table=True):
    """One confirmed spreadsheet import; the content hash makes a second upload a no-op."""

    __tablename__ = "import_batch"
    __table_args__ = (UniqueConstraint("company_id", "content_hash"),)

    id: int | None = Field(default=None, primary_key=True)
    company_id: int = Field(foreign_key="company.id", index=True)
    content_hash: str = Field(max_length=64)
    filename: str = Field(max_length=200)
    row_count: int = 0
    created_count: int = 0
    unchanged_count: int = 0
    error_count: int = 0
    imported_by: int | None = Field(default=None, sa_type=BigInteger)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


def company_periods(session: Session, company_id: int) -> list[EmploymentPeriod]:
    statement = select(EmploymentPeriod).where(EmploymentPeriod.company_id == company_id)
    return list(session.exec(statement.order_by(col(EmploymentPeriod.first_day))))


def employee_periods(
    session: Session, company_id: int, employee_id: int
) -> list[EmploymentPeriod]:
    statement = select(EmploymentPeriod).where(
        EmploymentPeriod.company_id == company_id, EmploymentPeriod.employee_id == employee_id
    )
    return list(session.exec(statement.order_by(col(EmploymentPeriod.first_day))))


def company_base_changes(session: Session, company_id: int) -> list[BaseChange]:
    statement = select(BaseChange).where(BaseChange.company_id == company_id)
    return list(session.exec(statement.order_by(col(BaseChange.effective_month))))


def employee_base_changes(session: Session, company_id: int, employee_id: int) -> list[BaseChange]:
    statement = select(BaseChange).where(
        BaseChange.company_id == company_id, BaseChange.employee_id == employee_id
    )
    return list(session.exec(statement.order_by(col(BaseChange.effective_month))))


def import_batch_by_hash(
    session: Session, company_id: int, content_hash: str
) -> ImportBatch | None:
    statement = select(ImportBatch).where(
        ImportBatch.company_id == company_id, ImportBatch.content_hash == content_hash
    )
    return session.exec(statement).first()


def ledger_keys(session: Session, company_id: int) -> set[tuple[int, date]]:
    """(employee_id, month) of every ledger row the company has."""
    statement = select(LedgerMonth.employee_id, LedgerMonth.month).where(
        LedgerMonth.company_id == company_id
    )
    return {(employee_id, month) for employee_id, month in session.exec(statement)}


def month_rows(session: Session, company_id: int, month: date) -> list[LedgerMonth]:
    statement = select(LedgerMonth).where(
        LedgerMonth.company_id == company_id, LedgerMonth.month == month
    )
    return list(session.exec(statement.order_by(col(LedgerMonth.employee_id))))


def company_ledger(session: Session, company_id: int) -> list[LedgerMonth]:
    statement = select(LedgerMonth).where(LedgerMonth.company_id == company_id)
    return list(
        session.exec(statement.order_by(col(LedgerMonth.employee_id), col(LedgerMonth.month)))
    )
