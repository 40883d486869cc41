"""The /backpay conversation's decisions: whose back-payment, which months, what it costs.

Reads the employee and the ledger (scoped to the HR's company), prices with the policy library
in force, and returns values for the template; nothing is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from bot.services.access import Member
from bot.services.errors import (
    BackpayNotPriceable,
    EmployeeNotFound,
    EmploymentSpan,
    MonthOutsideEmployment,
    Operation,
)
from models.employee import EmployeeStatus, employee_by_id, list_employees
from models.ledger import UNPAID_STATES, LedgerMonth
from models.ledger_history import employee_periods
from policies.backpay import BackPayment, BackPaymentError, back_payment
from policies.contributions import unconfirmed_figures
from policies.ledger_rules import month_of
from policies.library import NoVersionInForce, PolicyLibrary
from policies.schema import INSURANCE_NAMES


@dataclass(frozen=True)
class EmployeeChoice:
    id: int
    name: str
    department: str | None
    left: bool


def employee_choices(engine: Engine, member: Member) -> list[EmployeeChoice]:
    """The company's employees, current ones first (leavers are often back-paid too)."""
    with Session(engine) as session:
        rows = list_employees(session, member.company_id)
    choices = [EmployeeChoice(e.id, e.name, d.name if d else None,
                              e.status != EmployeeStatus.ACTIVE)
               for e, d in rows if e.id is not None]
    return sorted(choices, key=lambda c: c.left)


@dataclass(frozen=True)
class Subject:
    """Whose back-payment: an employee (base and insured city from the record) or a bare base."""

    base: Decimal
    city: str
    employee_id: int | None = None
    name: str | None = None
    unpaid: tuple[date, ...] = ()
    #: The employment periods (first day, last day or None), oldest first; months outside
    #: them are refused. The newest period's first day drives the first-month rule.
    periods: tuple[tuple[date, date | None], ...] = ()

    @property
    def first_day(self) -> date | None:
        return self.periods[-1][0] if self.periods else None

    def to_dict(self) -> dict[str, Any]:
        return {"base": str(self.base), "city": self.city, "employee_id": self.employee_id,
                "name": self.name, "unpaid": [m.isoformat() for m in self.unpaid],
                "periods": [[a.isoformat(), b.isoformat() if b else None]
                            for a, b in self.periods]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Subject:
        return cls(base=Decimal(data["base"]), city=data["city"],
                   employee_id=data.get("employee_id"), name=data.get("name"),
                   unpaid=tuple(date.fromisoformat(m) for m in data.get("unpaid", [])),
                   periods=tuple((date.fromisoformat(a), date.fromisoformat(b) if b else None)
                                 for a, b in data.get("periods", [])))


def check_months(subject: Subject, months: list[date]) -> None:
    """Refuse months outside the employee's employment (MonthOutsideEmployment names the
    periods it has)."""
    if not subject.periods:
        return
    for month in months:
        if not any(month_of(first) <= month and (last is None or month <= month_of(last))
                   for first, last in subject.periods):
            spans = tuple(EmploymentSpan(first, last) for first, last in subject.periods)
            raise MonthOutsideEmployment(month, subject.name, spans, Operation.BACKPAY)


def subject_for_employee(engine: Engine, member: Member, employee_id: int,
                         today: date) -> Subject:
    """An employee of the HR's own company, with the months the ledger shows as unpaid."""
    with Session(engine) as session:
        employee = employee_by_id(session, member.company_id, employee_id)
        if employee is None or employee.id is None:
            raise EmployeeNotFound(Operation.BACKPAY)
        current = month_of(today)
        statement = select(LedgerMonth.month).where(
            LedgerMonth.company_id == member.company_id,
            LedgerMonth.employee_id == employee.id,
            col(LedgerMonth.state).in_(UNPAID_STATES),
            LedgerMonth.month <= current,
        ).order_by(col(LedgerMonth.month))
        unpaid = tuple(session.exec(statement))
        periods = [(p.first_day, p.last_day)
                   for p in employee_periods(session, member.company_id, employee.id)]
        if (employee.first_day, employee.last_day) not in periods:
            periods = [p for p in periods if p[0] != employee.first_day]
            periods.append((employee.first_day, employee.last_day))
        return Subject(base=employee.base, city=employee.insured_city, employee_id=employee.id,
                       name=employee.name, unpaid=unpaid, periods=tuple(sorted(periods)))


def subject_for_base(member: Member, base: Decimal) -> Subject:
    """A bare base (no employee), priced in the company's city."""
    return Subject(base=base, city=member.city)


@dataclass(frozen=True)
class InsuranceTotal:
    label: str
    employer: Decimal
    employee: Decimal
    unconfirmed: bool = False
    """A rate (or base limit) of this insurance in the months priced is unconfirmed (U)."""


@dataclass(frozen=True)
class BackpayView:
    """Everything the result message shows."""

    subject: Subject
    result: BackPayment
    city_known: bool
    by_insurance: list[InsuranceTotal]
    unconfirmed: list[str]
    late_fee_rate: str
    cross_year_rule: str
    cross_year_basis: str


def compute(library: PolicyLibrary, subject: Subject, months: list[date],
            pay_date: date) -> BackpayView:
    """Price the back-payment; months the policies cannot price raise BackpayNotPriceable."""
    check_months(subject, months)
    region = library.region_or_national(subject.city)
    try:
        result = back_payment(region, subject.base, months, pay_date,
                              first_day=subject.first_day)
    except BackPaymentError as error:
        raise BackpayNotPriceable(str(error)) from None
    except NoVersionInForce as error:
        raise BackpayNotPriceable(str(error), no_version=True) from None
    unconfirmed = sorted({label for v in result.versions for label in unconfirmed_figures(v)})
    totals = []
    for index, (key, label) in enumerate(INSURANCE_NAMES.items()):
        items = [m.contribution.items[index] for m in result.months]
        assert all(i.insurance == key for i in items)
        totals.append(InsuranceTotal(label, sum((i.employer for i in items), Decimal("0.00")),
                                     sum((i.employee for i in items), Decimal("0.00")),
                                     unconfirmed=any(u.startswith(label) for u in unconfirmed)))
    rules = result.rules_version
    rate = rules.late_fee.daily_rate.value * 100
    return BackpayView(
        subject=subject,
        result=result,
        city_known=not region.is_national,
        by_insurance=totals,
        unconfirmed=unconfirmed,
        late_fee_rate=f"{rate.normalize():f}%",
        cross_year_rule=rules.backpay.cross_year_rule.value,
        cross_year_basis=result.cross_year_basis_note,
    )
