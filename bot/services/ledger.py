"""The social-insurance ledger (社保台账): monthly roll-over, month views and marks.

The roll-over keeps one row per employee per month of employment. It is idempotent and
computes what is missing from the employment periods, so a bot that was down across the 1st
catches up on its next tick. Gaps (断缴) are derived from the rows by `policies.ledger_rules`.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, func, insert
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from bot.parsing import InputError
from bot.services.access import Member
from models import audit
from models.company import Company
from models.db import unit_of_work
from models.employee import Department, Employee
from models.ledger import LedgerMonth
from models.ledger_history import (
    EmploymentPeriod,
    company_base_changes,
    company_periods,
    ledger_keys,
)
from models.types import utcnow
from policies.contributions import monthly_contribution
from policies.ledger_rules import (
    LedgerState,
    Period,
    base_for_month,
    can_mark,
    format_month,
    is_gap,
    missing_months,
    month_of,
)
from policies.library import NoVersionInForce, PolicyLibrary
from policies.schema import PolicyVersion

PAGE_SIZE = 10


@dataclass(frozen=True)
class Priced:
    """A month's base in force (after the city's floor/ceiling) and, when the policy is known,
    the employer and employee amounts from the calculator."""

    base: Decimal
    employer: Decimal | None = None
    employee: Decimal | None = None
    note: str | None = None

    def as_row(self) -> dict[str, Decimal | None]:
        return {
            "base": self.base,
            "employer_amount": self.employer,
            "employee_amount": self.employee,
        }


#: (city, month, declared base) → Priced.
Pricer = Callable[[str, date, Decimal], Priced]


def last_day_of_month(month: date) -> date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


#: (insured city, contribution month) -> the day that month's contribution is due.
MonthDue = Callable[[str, date], date]


def month_due_from(library: PolicyLibrary | None) -> MonthDue:
    """The declaration deadline rule bound to a library (the one the reminders use)."""
    return lambda city, month: declaration_deadline(library, city, month)


def month_end_due(city: str, month: date) -> date:
    """The rule without a policy library: the month's last day (see declaration_deadline)."""
    return declaration_deadline(None, city, month)


def declaration_deadline(library: PolicyLibrary | None, city: str, month: date) -> date:
    """Due date of a month's contribution in `city`; the month's last day when unknown."""
    if library is not None:
        try:
            return library.region_or_national(city).declaration_deadline(month)
        except NoVersionInForce:
            pass
    return last_day_of_month(month)


def month_pricer(library: PolicyLibrary | None) -> Pricer:
    """Price a month with the city's version in force; without a policy keep the base as is.

    A pricer lives for one unit of work and remembers what it computed: an import prices tens
    of thousands of months, but one employee's months share a version and a base.
    """
    versions: dict[tuple[str, date], tuple[str, PolicyVersion] | None] = {}
    priced: dict[tuple[str, str, Decimal], Priced] = {}

    def version_of(city: str, month: date) -> tuple[str, PolicyVersion] | None:
        key = (city, month)
        if key not in versions:
            assert library is not None
            region = library.region_or_national(city)
            try:
                versions[key] = (region.city, region.version_for(month))
            except NoVersionInForce:
                versions[key] = None
        return versions[key]

    def price(city: str, month: date, base: Decimal) -> Priced:
        if library is None:
            return Priced(base)
        found = version_of(city, month)
        if found is None:
            return Priced(base)
        region_city, version = found
        key = (region_city, version.id, base)
        if key not in priced:
            contribution = monthly_contribution(version, base)
            note = None
            if contribution.clamped == "floor":
                note = f"低于{region_city}下限，按下限 ¥{contribution.base:,.2f}"
            elif contribution.clamped == "ceiling":
                note = f"高于{region_city}上限，按上限 ¥{contribution.base:,.2f}"
            priced[key] = Priced(
                contribution.base, contribution.employer, contribution.employee, note
            )
        return priced[key]

    return price


def company_today(company: Company, now: datetime) -> date:
    return now.astimezone(ZoneInfo(company.timezone)).date()


# ---------------------------------------------------------------- roll-over


@dataclass(frozen=True)
class RollOverResult:
    companies: int
    created: int


def roll_over(
    engine: Engine, *, now: datetime, library: PolicyLibrary | None = None
) -> RollOverResult:
    """Create every missing ledger month up to each company's current month; idempotent."""
    created = 0
    with unit_of_work(engine) as session:
        companies = list(session.exec(select(Company)))
        for company in companies:
            assert company.id is not None
            created += fill_missing_months(
                session, company.id, company_today(company, now), month_pricer(library)
            )
    return RollOverResult(len(companies), created)


def sync_periods(session: Session, company_id: int) -> list[EmploymentPeriod]:
    """Make sure every employee's current period is recorded (hires made by /hire add none)."""
    periods = company_periods(session, company_id)
    known = {(p.employee_id, p.first_day) for p in periods}
    statement = select(Employee).where(Employee.company_id == company_id)
    for employee in session.exec(statement):
        assert employee.id is not None
        if (employee.id, employee.first_day) not in known:
            periods.append(record_current_period(session, company_id, employee))
    session.flush()
    return periods


def record_current_period(
    session: Session, company_id: int, employee: Employee
) -> EmploymentPeriod:
    """Add the period the `employee` row describes, tracked from its first month; for records
    made before periods were kept (/hire adds none)."""
    assert employee.id is not None
    period = EmploymentPeriod(
        company_id=company_id,
        employee_id=employee.id,
        first_day=employee.first_day,
        last_day=employee.last_day,
        tracked_from=month_of(employee.first_day),
    )
    session.add(period)
    return period


def fill_missing_months(session: Session, company_id: int, today: date, price: Pricer) -> int:
    """Insert the ledger rows the company lacks up to `today`'s month; returns how many."""
    periods = sync_periods(session, company_id)
    wanted = missing_months(
        (Period(p.employee_id, max(p.first_day, p.tracked_from), p.last_day) for p in periods),
        ledger_keys(session, company_id),
        through=today,
    )
    if not wanted:
        return 0
    employees = {
        e.id: e for e in session.exec(select(Employee).where(Employee.company_id == company_id))
    }
    changes: dict[int, list[tuple[date, Decimal]]] = {}
    for change in company_base_changes(session, company_id):
        changes.setdefault(change.employee_id, []).append((change.effective_month, change.base))
    stamp = utcnow()
    rows = []
    for employee_id, month in wanted:
        employee = employees[employee_id]
        declared = base_for_month(month, changes.get(employee_id, ()), employee.base)
        rows.append(
            {
                "company_id": company_id,
                "employee_id": employee_id,
                "month": month,
                "state": LedgerState.PENDING.value,
                **price(employee.insured_city, month, declared).as_row(),
                "updated_at": stamp,
            }
        )
    session.execute(_insert_new_months(session), rows)
    return len(rows)


def _insert_new_months(session: Session):
    """INSERT that skips a month another worker created meanwhile (idempotent under races)."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql.insert(LedgerMonth.__table__).on_conflict_do_nothing(
            index_elements=["employee_id", "month"]
        )
    if dialect == "sqlite":
        return sqlite.insert(LedgerMonth.__table__).on_conflict_do_nothing(
            index_elements=["employee_id", "month"]
        )
    return insert(LedgerMonth.__table__)


# ---------------------------------------------------------------- month view


@dataclass(frozen=True)
class LedgerLine:
    row_id: int
    employee_id: int
    name: str
    department: str | None
    state: LedgerState
    base: Decimal

    @property
    def state_label(self) -> str:
        return self.state.label


@dataclass(frozen=True)
class MonthView:
    """One month for one company: counts per state and one page of not-yet-declared rows."""

    month: date
    total: int
    counts: list[tuple[str, int]]
    undeclared: list[LedgerLine]
    undeclared_total: int
    page: int
    pages: int
    due_date: date
    gaps: int
    #: Rows a 💰 已缴纳 press may still move (待申报 and 已申报).
    payable_total: int = 0

    @property
    def month_key(self) -> str:
        return format_month(self.month)


def _month_counts(session: Session, company_id: int, month: date) -> dict[LedgerState, int]:
    """How many of the month's rows are in each state (one GROUP BY, no rows loaded)."""
    statement = (
        select(LedgerMonth.state, func.count())
        .where(LedgerMonth.company_id == company_id, LedgerMonth.month == month)
        .group_by(col(LedgerMonth.state))
    )
    return {LedgerState(state): count for state, count in session.exec(statement)}


def _undeclared_page(
    session: Session, company_id: int, month: date, *, offset: int, limit: int
) -> list[LedgerLine]:
    """One page of the month's 待申报 rows, by name: only the rows shown are read."""
    statement = (
        select(
            LedgerMonth.id,
            Employee.id,
            Employee.name,
            Department.name,
            LedgerMonth.state,
            LedgerMonth.base,
        )
        .join(Employee, col(Employee.id) == LedgerMonth.employee_id)
        .join(Department, col(Department.id) == Employee.department_id, isouter=True)
        .where(
            LedgerMonth.company_id == company_id,
            LedgerMonth.month == month,
            LedgerMonth.state == LedgerState.PENDING,
        )
        .order_by(col(Employee.name), col(Employee.id))
        .offset(offset)
        .limit(limit)
    )
    return [
        LedgerLine(row_id, employee_id, name, department, LedgerState(state), base)
        for row_id, employee_id, name, department, state, base in session.exec(statement)
    ]


def month_view(
    engine: Engine,
    member: Member,
    month: date,
    *,
    today: date,
    page: int = 1,
    library: PolicyLibrary | None = None,
) -> MonthView:
    """What `/ledger 2026-12` shows; catches the month up first so it is never stale.

    Counts come from a GROUP BY and only the page shown is fetched, so a 10,000-employee
    month costs two small queries, not 10,000 loaded rows.
    """
    due = declaration_deadline(library, member.city, month)
    with unit_of_work(engine) as session:
        fill_missing_months(session, member.company_id, today, month_pricer(library))
        counter = _month_counts(session, member.company_id, month)
        undeclared_total = counter.get(LedgerState.PENDING, 0)
        pages = max(1, -(-undeclared_total // PAGE_SIZE))
        page = min(max(page, 1), pages)
        undeclared = _undeclared_page(
            session, member.company_id, month, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE
        )
    counts = [(state.label, counter[state]) for state in LedgerState if counter.get(state)]
    return MonthView(
        month=month,
        total=sum(counter.values()),
        counts=counts,
        undeclared=undeclared,
        undeclared_total=undeclared_total,
        page=page,
        pages=pages,
        due_date=due,
        gaps=sum(n for state, n in counter.items() if is_gap(state, due, today)),
        payable_total=sum(n for state, n in counter.items() if can_mark(state, LedgerState.PAID)),
    )


# ---------------------------------------------------------------- marks


@dataclass(frozen=True)
class MarkResult:
    changed: int
    skipped: int
    target: LedgerState
    month: date
    name: str | None = None


def _apply_mark(row: LedgerMonth, target: LedgerState, today: date, user_id: int) -> None:
    if target is LedgerState.DECLARED:
        row.declared_on = today
    if target in (LedgerState.PAID, LedgerState.BACKPAID):
        row.declared_on = row.declared_on or today
        row.paid_on = today
    row.state = target.value
    row.marked_by = user_id
    row.updated_at = utcnow()


def mark_month(
    engine: Engine,
    member: Member,
    month: date,
    target: LedgerState,
    *,
    today: date,
    row_ids: Iterable[int] | None = None,
) -> MarkResult:
    """Mark the month's rows (all that may move, or the given ones) declared or paid."""
    wanted = set(row_ids) if row_ids is not None else None
    changed = skipped = 0
    name = None
    with unit_of_work(engine) as session:
        statement = select(LedgerMonth).where(
            LedgerMonth.company_id == member.company_id, LedgerMonth.month == month
        )
        for row in session.exec(statement):
            if wanted is not None and row.id not in wanted:
                continue
            if can_mark(row.state, target):
                _apply_mark(row, target, today, member.user_id)
                changed += 1
                if wanted is not None and len(wanted) == 1:
                    employee = session.get(Employee, row.employee_id)
                    name = employee.name if employee else None
            else:
                skipped += 1
        if wanted is not None and changed + skipped == 0:
            raise InputError("❌ 未找到该台账记录，可能已被删除。请重新发送 /ledger 查看。")
        audit.record(
            session,
            member.company_id,
            member.user_id,
            "ledger.marked",
            month=format_month(month),
            state=target.value,
            count=changed,
        )
    return MarkResult(changed, skipped, target, month, name)


def row_month(engine: Engine, member: Member, row_id: int) -> date | None:
    """The month of a ledger row of the member's company (None for another company's row)."""
    with Session(engine) as session:
        row = session.get(LedgerMonth, row_id)
        if row is None or row.company_id != member.company_id:
            return None
        return row.month


def movable_rows(engine: Engine, member: Member, month: date, target: LedgerState) -> list[int]:
    """Ids of the month's rows a bulk mark to `target` would move now, in id order.

    The bulk confirm button carries a digest of these, so a confirm pressed after the ledger
    changed (a hire, a single mark) is refused instead of marking rows HR never saw counted.
    """
    with Session(engine) as session:
        statement = select(LedgerMonth).where(
            LedgerMonth.company_id == member.company_id, LedgerMonth.month == month
        )
        return sorted(
            row.id
            for row in session.exec(statement)
            if row.id is not None and can_mark(row.state, target)
        )
