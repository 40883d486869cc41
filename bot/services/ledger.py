"""The social-insurance ledger (社保台账): monthly roll-over, month views and marks.

The roll-over keeps one row per employee per month of employment. It is idempotent and
computes what is missing from the employment periods, so a bot that was down across the 1st
catches up on its next tick. Gaps (断缴) are derived from the rows by `policies.ledger_rules`.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import Engine, func
from sqlmodel import Session, col, select

from bot.services.access import Member
from bot.services.errors import (
    EmploymentSpan,
    LedgerRowNotFound,
    MonthOutsideEmployment,
    Operation,
)
from models import audit
from models.company import Company
from models.db import unit_of_work
from models.employee import Department, Employee
from models.ledger import LedgerMonth
from models.ledger_completion import (
    earliest_tracked_month,
    incomplete_periods,
    insert_missing_months,
    record_missing_periods,
    scope_cities,
)
from models.ledger_history import EmploymentPeriod, employee_periods
from models.task import Task, TaskKind, TaskStatus
from models.types import utcnow
from policies.contributions import PriceTerms, price_terms
from policies.deadlines import REGISTRATION_DAYS, registration_deadline
from policies.ledger_rules import (
    UNPAID_STATES,
    LedgerState,
    can_mark,
    format_month,
    is_gap,
    iter_months,
    month_of,
    previous_month,
)
from policies.library import NoVersionInForce, PolicyLibrary, RegionPolicy
from policies.month_price import MonthPrice, price_under
from policies.obligations import MonthDue as ObligationDue
from policies.obligations import month_due
from policies.schema import PolicyVersion
from policies.timezones import today_in

PAGE_SIZE = 10


#: (city, month, declared base) → the month's price (policies.month_price, the one rule).
Pricer = Callable[[str, date, Decimal], MonthPrice]


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


#: (insured city, contribution month) -> the year whose holiday notice that deadline assumes
#: (not published yet), or None.
HolidayGap = Callable[[str, date], int | None]


def deadline_holiday_gap(library: PolicyLibrary | None, city: str, month: date) -> int | None:
    """``RegionPolicy.holiday_notice_missing`` for a city's month (None without a policy)."""
    if library is None:
        return None
    try:
        return library.region_or_national(city).holiday_notice_missing(month)
    except NoVersionInForce:
        return None


def obligation_due(
    library: PolicyLibrary | None, city: str, month: date, first_day: date | None = None
) -> ObligationDue:
    """When an employment's month is due (the one rule: ``policies.obligations.month_due``).

    ``first_day`` is the employment's first day of work: a new hire's months inside the 30-day
    registration window follow the city's first-month rule. Without a policy, the month's last
    day (or the registration deadline, when later) stands in.
    """
    if library is not None:
        try:
            return month_due(library.region_or_national(city), month, first_day=first_day)
        except NoVersionInForce:
            pass
    end = last_day_of_month(month)
    if first_day is not None and month_of(first_day) <= month:
        later = max(end, registration_deadline(first_day))
        registration = registration_deadline(first_day)
        return ObligationDue(month, later, later, end, later != end, registration)
    return ObligationDue(month, end, end, end)


def month_pricer(library: PolicyLibrary | None) -> Pricer:
    """``policies.month_price.price_month`` bound to a library, remembering what it computed.

    A pricer lives for one unit of work: an import prices tens of thousands of months, but one
    employee's months share a version and a base, so versions are looked up once per (city,
    month) and prices computed once per (city, version, base). Same rule, same note as /hire.
    """
    versions: dict[tuple[str, date], tuple[RegionPolicy, PolicyVersion] | None] = {}
    priced: dict[tuple[str, str, Decimal], MonthPrice] = {}

    def version_of(city: str, month: date) -> tuple[RegionPolicy, PolicyVersion] | None:
        key = (city, month)
        if key not in versions:
            assert library is not None
            region = library.region_or_national(city)
            try:
                versions[key] = (region, region.version_for(month))
            except NoVersionInForce:
                versions[key] = None
        return versions[key]

    def price(city: str, month: date, base: Decimal) -> MonthPrice:
        found = version_of(city, month) if library is not None else None
        if found is None:
            return MonthPrice(base)
        region, version = found
        key = (city, version.id, base)
        if key not in priced:
            priced[key] = price_under(region, version, city, base)
        return priced[key]

    return price


# ---------------------------------------------------------------- roll-over


@dataclass(frozen=True)
class RollOverResult:
    companies: int
    created: int


def month_terms(library: PolicyLibrary | None) -> Callable[[str, date], PriceTerms | None]:
    """(insured city, month) → the integer price terms of the version in force, or None when
    no policy covers it (the declared base is kept and the amounts left empty)."""
    cache: dict[tuple[str, str], PriceTerms] = {}

    def terms(city: str, month: date) -> PriceTerms | None:
        if library is None:
            return None
        region = library.region_or_national(city)
        try:
            version = region.version_for(month)
        except NoVersionInForce:
            return None
        key = (region.key, version.id)
        if key not in cache:
            cache[key] = price_terms(version)
        return cache[key]

    return terms


#: Above this many incomplete periods the insert scans the whole scope instead of an id list.
FEW_INCOMPLETE = 500


def complete_ledger(
    session: Session,
    *,
    through: date,
    library: PolicyLibrary | None,
    company_ids: Collection[int] | None = None,
    employee_ids: Collection[int] | None = None,
    since: date | None = None,
) -> int:
    """Create every missing month of the scope's periods up to ``through``'s month; returns
    rows created (see models.ledger_completion).

    Hires, imports and re-hires call it for their employees inside their own transaction, the
    roll-over for whole companies; ``since`` skips months known to be complete already. A
    cheap check finds the incomplete periods first: when there are none (the roll-over's
    usual case) nothing else runs; when there are few, only their employees and months are
    looked at; otherwise one statement inserts every month from ``since`` (or the earliest
    tracked month) for the whole scope.
    """
    now = utcnow()
    session.flush()  # the statements below read periods and rows added in this unit of work
    record_missing_periods(
        session, now=now, company_ids=company_ids, employee_ids=employee_ids
    )
    incomplete = incomplete_periods(
        session, through=through, since=since, company_ids=company_ids,
        employee_ids=employee_ids, limit=FEW_INCOMPLETE + 1,
    )
    if not incomplete:
        return 0
    if len(incomplete) <= FEW_INCOMPLETE:
        employee_ids = sorted({employee_id for employee_id, _, _ in incomplete})
        start = min(first for _, first, _ in incomplete)
        end = max(last for _, _, last in incomplete)
    else:
        start = since or earliest_tracked_month(
            session, company_ids=company_ids, employee_ids=employee_ids
        )
        end = through
        if start is None:
            return 0
    months = list(iter_months(start, end))
    cities = scope_cities(session, company_ids=company_ids, employee_ids=employee_ids)
    terms = month_terms(library)
    return insert_missing_months(
        session,
        months,
        {(city, month): terms(city, month) for city in cities for month in months},
        now=now,
        company_ids=company_ids,
        employee_ids=employee_ids,
    )


def roll_over(
    engine: Engine,
    *,
    now: datetime,
    library: PolicyLibrary | None = None,
    full: bool = True,
) -> RollOverResult:
    """Create every missing ledger month up to each company's current month; idempotent.

    Companies sharing a local date are completed together. ``full=False`` (the repeating tick)
    only looks at last month and this one: every writer completes its own employees' months,
    so older months can only be missing after downtime, which the start-up run (full) covers.
    """
    created = 0
    with unit_of_work(engine) as session:
        companies = list(session.exec(select(Company)))
        by_day: dict[date, list[int]] = {}
        for company in companies:
            assert company.id is not None
            by_day.setdefault(today_in(company.timezone, now), []).append(company.id)
        for today, ids in by_day.items():
            since = None if full else previous_month(month_of(today))
            created += complete_ledger(
                session, through=today, library=library, company_ids=ids, since=since
            )
    return RollOverResult(len(companies), created)


def record_current_period(
    session: Session, company_id: int, employee: Employee
) -> EmploymentPeriod:
    """Add the period the `employee` row describes, tracked from its first month (records made
    before periods were kept)."""
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


# ---------------------------------------------------------------- month view


@dataclass(frozen=True)
class LedgerLine:
    row_id: int
    employee_id: int
    name: str
    department: str | None
    state: LedgerState
    base: Decimal
    city: str = ""
    due: date | None = None
    """The month's due date for this employee (first-month rule included)."""
    gap: bool = False
    """Still unpaid after that due date (断缴): /ledger offers 办理补缴 for it."""
    first_day: date | None = None

    @property
    def state_label(self) -> str:
        return self.state.label


@dataclass(frozen=True)
class CityGroup:
    """One insured city's part of a month: its due date, counts and gaps."""

    city: str
    due_date: date
    total: int
    counts: list[tuple[str, int]]
    gaps: int
    new_hires: int
    """People whose month goes with their registration (due later than ``due_date``)."""


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
    #: Per insured city, when the company's staff are insured in more than one.
    cities: list[CityGroup] = field(default_factory=list)
    new_hires: int = 0
    #: Names (the first 10) a bulk mark will skip, registration still open, and how many.
    registration_open: tuple[str, ...] = ()
    registration_open_total: int = 0

    @property
    def month_key(self) -> str:
        return format_month(self.month)


def _month_counts(
    session: Session, company_id: int, month: date
) -> dict[tuple[str, LedgerState], int]:
    """How many of the month's rows are in each (insured city, state): one GROUP BY, no rows
    loaded."""
    statement = (
        select(Employee.insured_city, LedgerMonth.state, func.count())
        .join(Employee, col(Employee.id) == LedgerMonth.employee_id)
        .where(LedgerMonth.company_id == company_id, LedgerMonth.month == month)
        .group_by(col(Employee.insured_city), col(LedgerMonth.state))
    )
    return {
        (city, LedgerState(state)): count for city, state, count in session.exec(statement)
    }


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
            Employee.insured_city,
            Employee.first_day,
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
        LedgerLine(row_id, employee_id, name, department, LedgerState(state), base, city,
                   first_day=first_day)
        for row_id, employee_id, name, department, state, base, city, first_day
        in session.exec(statement)
    ]


def _new_hire_rows(
    session: Session, company_id: int, month: date
) -> list[tuple[str, date, LedgerState]]:
    """(insured city, first day, state) of the month's unpaid rows whose employee started
    recently enough for the first-month rule to move the month (a handful, not the month)."""
    earliest = month - timedelta(days=REGISTRATION_DAYS + 1)
    statement = (
        select(Employee.insured_city, Employee.first_day, LedgerMonth.state)
        .join(Employee, col(Employee.id) == LedgerMonth.employee_id)
        .where(
            LedgerMonth.company_id == company_id,
            LedgerMonth.month == month,
            col(LedgerMonth.state).in_([s.value for s in UNPAID_STATES]),
            Employee.first_day >= earliest,
        )
    )
    return [(city, first, LedgerState(state)) for city, first, state in session.exec(statement)]


def _registration_open_names(
    session: Session, company_id: int, month: date, *, limit: int = 10
) -> tuple[list[str], int]:
    """Employees with an unpaid row this month whose registration task is still open: the
    first ``limit`` names and how many in all."""

    def unpaid_with_open_registration(column):  # type: ignore[no-untyped-def]
        return (
            select(column)
            .join(LedgerMonth, col(LedgerMonth.employee_id) == Employee.id)
            .join(Task, col(Task.employee_id) == Employee.id)
            .where(
                LedgerMonth.company_id == company_id,
                LedgerMonth.month == month,
                col(LedgerMonth.state).in_([s.value for s in UNPAID_STATES]),
                Task.kind == TaskKind.REGISTRATION,
                Task.status == TaskStatus.OPEN,
            )
            .distinct()
        )

    unpaid_open = unpaid_with_open_registration(Employee.id).subquery()
    total = session.exec(select(func.count()).select_from(unpaid_open)).one()
    if not total:
        return [], 0
    statement = (
        unpaid_with_open_registration(Employee.name).order_by(col(Employee.name)).limit(limit)
    )
    return list(session.exec(statement)), total


def month_view(
    engine: Engine,
    member: Member,
    month: date,
    *,
    today: date,
    page: int = 1,
    library: PolicyLibrary | None = None,
) -> MonthView:
    """What `/ledger 2026-12` shows. The ledger is complete when written (hire, import,
    roll-over), so the view only reads.

    Counts come from a GROUP BY and only the page shown is fetched, so a 10,000-employee
    month costs a few small queries, not 10,000 loaded rows. A gap is judged on each
    employee's own due date: new hires whose month goes with the registration (first-month
    rule) are read separately, a handful of rows.
    """
    with Session(engine) as session:
        counter = _month_counts(session, member.company_id, month)
        undeclared_total = sum(n for (_, state), n in counter.items()
                               if state is LedgerState.PENDING)
        pages = max(1, -(-undeclared_total // PAGE_SIZE))
        page = min(max(page, 1), pages)
        undeclared = _undeclared_page(
            session, member.company_id, month, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE
        )
        recent = _new_hire_rows(session, member.company_id, month)
        unregistered, unregistered_total = _registration_open_names(
            session, member.company_id, month
        )
    # each line's own due date (first-month rule) and whether it is a gap today
    undeclared = [
        replace(line, due=(due := obligation_due(library, line.city, month, line.first_day).due),
                gap=is_gap(line.state, due, today))
        for line in undeclared
    ]
    cities = sorted({city for city, _ in counter}, key=lambda c: (c != member.city, c))
    groups = []
    for city in cities:
        due = declaration_deadline(library, city, month)
        states = {state: n for (c, state), n in counter.items() if c == city}
        gaps = sum(n for state, n in states.items() if is_gap(state, due, today))
        deferred = 0
        for _, first_day, state in (r for r in recent if r[0] == city):
            owed = obligation_due(library, city, month, first_day)
            if owed.due > due:
                deferred += 1
                gaps -= is_gap(state, due, today) and not is_gap(state, owed.due, today)
        groups.append(
            CityGroup(
                city,
                due,
                sum(states.values()),
                [(s.label, states[s]) for s in LedgerState if states.get(s)],
                gaps,
                deferred,
            )
        )
    totals: dict[LedgerState, int] = {}
    for (_, state), n in counter.items():
        totals[state] = totals.get(state, 0) + n
    return MonthView(
        month=month,
        total=sum(totals.values()),
        counts=[(state.label, totals[state]) for state in LedgerState if totals.get(state)],
        undeclared=undeclared,
        undeclared_total=undeclared_total,
        page=page,
        pages=pages,
        due_date=declaration_deadline(library, member.city, month),
        gaps=sum(g.gaps for g in groups),
        payable_total=sum(n for state, n in totals.items() if can_mark(state, LedgerState.PAID)),
        cities=groups if len(groups) > 1 else [],
        new_hires=sum(g.new_hires for g in groups),
        registration_open=tuple(unregistered),
        registration_open_total=unregistered_total,
    )


# ---------------------------------------------------------------- marks


@dataclass(frozen=True)
class MarkResult:
    changed: int
    skipped: int
    target: LedgerState
    month: date
    name: str | None = None
    #: Bulk marks skip employees whose 社保登记 is still open; their names.
    registration_open: tuple[str, ...] = ()


def _registration_open(session: Session, company_id: int) -> dict[int, str]:
    """Employees (id → name) with an open registration task: not yet registered."""
    statement = (
        select(Employee.id, Employee.name)
        .join(Task, col(Task.employee_id) == Employee.id)
        .where(
            Task.company_id == company_id,
            Task.kind == TaskKind.REGISTRATION,
            Task.status == TaskStatus.OPEN,
        )
    )
    return {employee_id: name for employee_id, name in session.exec(statement) if employee_id}


def employment_spans(
    session: Session, company_id: int, employee: Employee
) -> tuple[EmploymentSpan, ...]:
    """The employee's employment periods, oldest first (the record's own dates when no
    period row exists, as for data from before periods were kept)."""
    assert employee.id is not None
    spans = tuple(EmploymentSpan(p.first_day, p.last_day)
                  for p in employee_periods(session, company_id, employee.id))
    return spans or (EmploymentSpan(employee.first_day, employee.last_day),)


def outside_employment(
    session: Session, company_id: int, row: LedgerMonth, operation: Operation = Operation.LEDGER
) -> MonthOutsideEmployment | None:
    """Why ``row``'s month cannot be marked: it lies outside every employment period (the
    employee left before it, or it precedes the first day). None when it may be marked."""
    employee = session.get(Employee, row.employee_id)
    if employee is None:
        return None
    spans = employment_spans(session, company_id, employee)
    if any(month_of(s.first_day) <= row.month
           and (s.last_day is None or row.month <= month_of(s.last_day)) for s in spans):
        return None
    return MonthOutsideEmployment(row.month, employee.name, spans, operation)


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
    """Mark the month's rows (all that may move, or the given ones) declared or paid.

    A bulk 已缴纳 (no ``row_ids``) skips, and names, employees whose registration is still open:
    their month goes with the registration and cannot have been paid with the others.
    """
    wanted = set(row_ids) if row_ids is not None else None
    changed = skipped = 0
    name = None
    held: list[str] = []
    with unit_of_work(engine) as session:
        unregistered = (
            _registration_open(session, member.company_id)
            if wanted is None and target is LedgerState.PAID
            else {}
        )
        statement = select(LedgerMonth).where(
            LedgerMonth.company_id == member.company_id, LedgerMonth.month == month
        )
        for row in session.exec(statement):
            if wanted is not None and row.id not in wanted:
                continue
            if row.employee_id in unregistered and can_mark(row.state, target):
                held.append(unregistered[row.employee_id])
                continue
            refusal = outside_employment(session, member.company_id, row)
            if refusal is not None:
                if wanted is not None:
                    raise refusal
                skipped += 1
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
            raise LedgerRowNotFound(Operation.LEDGER)
        audit.record(
            session,
            member.company_id,
            member.user_id,
            "ledger.marked",
            month=format_month(month),
            state=target.value,
            count=changed,
        )
    return MarkResult(changed, skipped, target, month, name, tuple(sorted(held)))


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
    A 已缴纳 bulk mark leaves out employees whose registration is still open (issue 9): their
    month goes with the registration and cannot have been paid with the others.
    """
    with Session(engine) as session:
        unregistered = (
            _registration_open(session, member.company_id)
            if target is LedgerState.PAID
            else {}
        )
        statement = select(LedgerMonth).where(
            LedgerMonth.company_id == member.company_id, LedgerMonth.month == month
        )
        return sorted(
            row.id
            for row in session.exec(statement)
            if row.id is not None
            and can_mark(row.state, target)
            and row.employee_id not in unregistered
        )


def registration_open(engine: Engine, member: Member, month: date) -> tuple[list[str], int]:
    """Who a bulk mark of ``month`` leaves out because their registration is still open: the
    first ten names and how many in all."""
    with Session(engine) as session:
        return _registration_open_names(session, member.company_id, month)
