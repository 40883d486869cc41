"""缴费基数调整: one employee's base from a month on, and the yearly adjustment for everyone.

A change is stored as history (`base_change`) and re-prices the ledger months from that month
on that are still 待申报; months already declared or paid keep the base they were declared with.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from bot.services.access import Member
from bot.services.errors import EmployeeNotFound, MonthBeforeFirstDay, Operation
from bot.services.ledger import Pricer, month_pricer
from models import audit
from models.db import unit_of_work
from models.employee import Employee, EmployeeStatus, employee_by_id
from models.ledger import LedgerMonth
from models.ledger_history import BaseChange, BaseChangeReason, employee_base_changes
from policies.ledger_rules import LedgerState, base_for_month, month_of
from policies.library import PolicyLibrary
from policies.month_price import PriceNote


@dataclass(frozen=True)
class BaseLine:
    """One employee's base before and after, and the base in force after clamping."""

    employee_id: int
    name: str
    old_base: Decimal
    new_base: Decimal
    effective: Decimal
    #: Why ``effective`` differs from ``new_base`` (policies.month_price), as /hire shows it.
    note: PriceNote | None

    @property
    def clamped(self) -> bool:
        return self.note is not None and self.note.clamped is not None


@dataclass(frozen=True)
class BaseChangeResult:
    lines: list[BaseLine]
    month: date
    repriced_months: int


def _line(
    employee: Employee,
    month: date,
    new_base: Decimal,
    clamp_fn: Pricer,
    changes: list[tuple[date, Decimal]],
) -> BaseLine:
    assert employee.id is not None
    old = base_for_month(month, changes, employee.base)
    priced = clamp_fn(employee.insured_city, month, new_base)
    effective, note = priced.base, priced.note
    return BaseLine(employee.id, employee.name, old, new_base, effective, note)


def preview_base_change(
    engine: Engine,
    member: Member,
    employee_id: int,
    month: date,
    base: Decimal,
    *,
    library: PolicyLibrary | None = None,
) -> BaseLine:
    """What `/base` would change for one employee, clamped to the city's limits that month."""
    with Session(engine) as session:
        employee = employee_by_id(session, member.company_id, employee_id)
        if employee is None:
            raise EmployeeNotFound(Operation.BASE)
        changes = [
            (c.effective_month, c.base)
            for c in employee_base_changes(session, member.company_id, employee_id)
        ]
        if month < month_of(employee.first_day):
            raise MonthBeforeFirstDay(employee.first_day)
        return _line(employee, month, base, month_pricer(library), changes)


def preview_annual_adjustment(
    engine: Engine,
    member: Member,
    month: date,
    new_bases: Mapping[int, Decimal] | None = None,
    *,
    library: PolicyLibrary | None = None,
) -> list[BaseLine]:
    """Every active employee's base from `month`: the given new base, else the current one,
    clamped to the city's floor/ceiling in force that month (typically July's new limits)."""
    clamp_fn = month_pricer(library)
    with Session(engine) as session:
        statement = (
            select(Employee)
            .where(
                Employee.company_id == member.company_id,
                Employee.status == EmployeeStatus.ACTIVE,
            )
            .order_by(col(Employee.name), col(Employee.id))
        )
        lines = []
        for employee in session.exec(statement):
            assert employee.id is not None
            changes = [
                (c.effective_month, c.base)
                for c in employee_base_changes(session, member.company_id, employee.id)
            ]
            current = base_for_month(month, changes, employee.base)
            wanted = (new_bases or {}).get(employee.id, current)
            lines.append(_line(employee, month, wanted, clamp_fn, changes))
    return lines


def apply_base_changes(
    engine: Engine,
    member: Member,
    month: date,
    new_bases: Mapping[int, Decimal],
    *,
    today: date,
    reason: BaseChangeReason = BaseChangeReason.ADJUSTED,
    library: PolicyLibrary | None = None,
) -> BaseChangeResult:
    """Record each base from `month` on and re-price that employee's pending months."""
    clamp_fn = month_pricer(library)
    lines: list[BaseLine] = []
    repriced = 0
    with unit_of_work(engine) as session:
        for employee_id, base in new_bases.items():
            employee = employee_by_id(session, member.company_id, employee_id)
            if employee is None:
                continue
            changes = employee_base_changes(session, member.company_id, employee_id)
            history = [(c.effective_month, c.base) for c in changes]
            lines.append(_line(employee, month, base, clamp_fn, history))
            if not changes and month > month_of(employee.first_day):
                # Keep the hire base as the first entry, so months before `month` stay priced.
                session.add(
                    BaseChange(
                        company_id=member.company_id,
                        employee_id=employee_id,
                        effective_month=month_of(employee.first_day),
                        base=employee.base,
                        reason=BaseChangeReason.HIRED,
                        created_by=member.user_id,
                    )
                )
            existing = next((c for c in changes if c.effective_month == month), None)
            if existing is None:
                session.add(
                    BaseChange(
                        company_id=member.company_id,
                        employee_id=employee_id,
                        effective_month=month,
                        base=base,
                        reason=reason,
                        created_by=member.user_id,
                    )
                )
            else:
                existing.base = base
                existing.reason = reason
            if not any(c.effective_month > month for c in changes):
                employee.base = base
            repriced += _reprice(session, employee, month, base, clamp_fn, history)
        audit.record(
            session,
            member.company_id,
            member.user_id,
            "base.changed",
            month=month.isoformat(),
            employees=len(lines),
            reason=reason,
        )
    return BaseChangeResult(lines, month, repriced)


def _reprice(
    session: Session,
    employee: Employee,
    month: date,
    base: Decimal,
    clamp_fn: Pricer,
    history: list[tuple[date, Decimal]],
) -> int:
    """Pending months from `month` until the next recorded change take the new base."""
    later = [m for m, _ in history if m > month]
    until = min(later) if later else None
    statement = select(LedgerMonth).where(
        LedgerMonth.employee_id == employee.id,
        col(LedgerMonth.month) >= month,
        LedgerMonth.state == LedgerState.PENDING.value,
    )
    count = 0
    for row in session.exec(statement):
        if until is not None and row.month >= until:
            continue
        priced = clamp_fn(employee.insured_city, row.month, base)
        row.base = priced.base
        row.employer_amount, row.employee_amount = priced.employer, priced.employee
        count += 1
    return count


def employee_ids_by_id_number(
    engine: Engine, member: Member, id_numbers: list[str]
) -> tuple[dict[str, int], list[str]]:
    """Map uploaded 身份证 to the company's active employees; the rest are returned unknown."""
    with Session(engine) as session:
        statement = select(Employee.id_number, Employee.id).where(
            Employee.company_id == member.company_id,
            Employee.status == EmployeeStatus.ACTIVE,
            col(Employee.id_hash).in_(id_numbers),
        )
        found = {id_number: employee_id for id_number, employee_id in session.exec(statement)}
    return found, [n for n in id_numbers if n not in found]


def apply_annual_adjustment(
    engine: Engine,
    member: Member,
    month: date,
    new_bases: Mapping[int, Decimal],
    *,
    today: date,
    library: PolicyLibrary | None = None,
) -> BaseChangeResult:
    """年度基数调整 on 确认: every active employee's base from `month`, as previewed."""
    lines = preview_annual_adjustment(engine, member, month, new_bases, library=library)
    return apply_base_changes(
        engine,
        member,
        month,
        {line.employee_id: line.new_base for line in lines},
        today=today,
        reason=BaseChangeReason.ANNUAL,
        library=library,
    )
