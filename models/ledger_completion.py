"""Set-based ledger completion: a cheap check, then one INSERT … SELECT … WHERE NOT EXISTS.

The ledger is complete when written: every employment period has a row for each month from
its ``tracked_from`` month (or first day) to the current month. Hires, imports, re-hires and the
monthly roll-over all call ``insert_missing_months`` in their own transaction, so no view ever
has to fill months in. ``incomplete_periods`` first says whether anything is missing, and for
whom (one short index range per period: the roll-over on a complete ledger inserts nothing and
compiles no insert). The insert then covers every employee and every month needed at once,
prices each month in SQL with integer terms from ``policies.contributions.price_terms`` (the
same numbers as the calculator, half-up to the cent per line item) and skips a row another
worker inserted meanwhile, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    DateTime,
    Integer,
    and_,
    case,
    cast,
    func,
    insert,
    literal,
    or_,
    select,
    true,
    type_coerce,
    union_all,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from models.employee import Employee
from models.ledger import LedgerMonth
from models.ledger_history import BaseChange, EmploymentPeriod
from models.types import UTCDateTime
from policies.contributions import RATE_SCALE, PriceTerms
from policies.ledger_rules import LedgerState

_ledger = LedgerMonth.__table__  # type: ignore[attr-defined]
_employee = Employee.__table__  # type: ignore[attr-defined]
_period = EmploymentPeriod.__table__  # type: ignore[attr-defined]
_change = BaseChange.__table__  # type: ignore[attr-defined]


def _int(value: int) -> ColumnElement[int]:
    return literal(value, BigInteger)


def _clamp(base: ColumnElement[int], floor: int, ceiling: int) -> ColumnElement[int]:
    return case((base < _int(floor), _int(floor)), (base > _int(ceiling), _int(ceiling)),
                else_=base)


def _rate(base: ColumnElement[int], rate: int) -> ColumnElement[int]:
    # (2 × base × rate + scale) // (2 × scale): half-up for non-negative cents, integer-exact
    return (base * _int(2 * rate) + _int(RATE_SCALE)) // _int(2 * RATE_SCALE)


def _amounts(base: ColumnElement[int], terms: PriceTerms) -> tuple[ColumnElement[int], ...]:
    employer: ColumnElement[int] = _int(0)
    employee: ColumnElement[int] = _int(0)
    for item in terms.items:
        item_base = _clamp(base, item.floor_cents, item.ceiling_cents)
        employer = employer + _rate(item_base, item.employer_rate)
        employee = employee + _rate(item_base, item.employee_rate) + _int(
            item.employee_fixed_cents
        )
    return _clamp(base, terms.floor_cents, terms.ceiling_cents), employer, employee


def _scope(
    company_ids: Collection[int] | None, employee_ids: Collection[int] | None
) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if company_ids is not None:
        where.append(_employee.c.company_id.in_(list(company_ids)))
    if employee_ids is not None:
        where.append(_employee.c.id.in_(list(employee_ids)))
    return where


def scope_cities(
    session: Session, *, company_ids: Collection[int] | None = None,
    employee_ids: Collection[int] | None = None,
) -> list[str]:
    """Insured cities of the employees in scope (a handful: they are priced per city)."""
    statement = select(_employee.c.insured_city).where(*_scope(company_ids, employee_ids))
    return sorted(session.execute(statement.distinct()).scalars())


def earliest_tracked_month(
    session: Session, *, company_ids: Collection[int] | None = None,
    employee_ids: Collection[int] | None = None,
) -> date | None:
    """The first month any period in scope is tracked from (where a full completion starts)."""
    statement = select(func.min(_period.c.tracked_from)).join(
        _employee, _employee.c.id == _period.c.employee_id
    ).where(*_scope(company_ids, employee_ids))
    return session.execute(statement).scalar()


def record_missing_periods(
    session: Session,
    *,
    now: datetime,
    company_ids: Collection[int] | None = None,
    employee_ids: Collection[int] | None = None,
) -> int:
    """Give every employee whose current period is not recorded one (older /hire rows), in
    one statement; tracked from the month of the first day."""
    has_period = select(_period.c.id).where(
        _period.c.employee_id == _employee.c.id, _period.c.first_day == _employee.c.first_day
    ).exists()
    month_start = _month_start(session, _employee.c.first_day)
    chosen = select(
        _employee.c.company_id,
        _employee.c.id,
        _employee.c.first_day,
        _employee.c.last_day,
        month_start,
        literal(now, UTCDateTime),
    ).where(~has_period, *_scope(company_ids, employee_ids))
    statement = insert(_period).from_select(
        ["company_id", "employee_id", "first_day", "last_day", "tracked_from", "created_at"],
        chosen,
    )
    return len(session.execute(statement.returning(_period.c.id)).all())


def _month_start(session: Session, day: ColumnElement[date]) -> ColumnElement[date]:
    if session.get_bind().dialect.name == "postgresql":
        # via timestamp without time zone: date_trunc on a date would go through timestamptz
        as_timestamp = func.cast(day, DateTime(timezone=False))
        return func.cast(func.date_trunc("month", as_timestamp), _period.c.first_day.type)
    return func.date(day, "start of month")


def _greatest(session: Session, *values: ColumnElement[date]) -> ColumnElement[date]:
    if session.get_bind().dialect.name == "postgresql":
        return func.greatest(*values)
    return func.max(*values)  # SQLite: max() with several arguments is the scalar maximum


def _least(session: Session, *values: ColumnElement[date]) -> ColumnElement[date]:
    if session.get_bind().dialect.name == "postgresql":
        return func.least(*values)
    return func.min(*values)


def _month_number(session: Session, day: ColumnElement[date]) -> ColumnElement[int]:
    """year × 12 + month, cheaply: SQLite stores dates as ISO text (SQLAlchemy's format), and
    PostgreSQL's date_part is a double where EXTRACT would be a slower numeric."""
    if session.get_bind().dialect.name == "postgresql":
        year, month = func.date_part("year", day), func.date_part("month", day)
    else:
        year, month = func.substr(day, 1, 4), func.substr(day, 6, 2)
    return cast(year, Integer) * 12 + cast(month, Integer)


def incomplete_periods(
    session: Session,
    *,
    through: date,
    since: date | None = None,
    company_ids: Collection[int] | None = None,
    employee_ids: Collection[int] | None = None,
    limit: int,
) -> list[tuple[int, date, date]]:
    """(employee id, first day, last day) of the periods in scope that miss a ledger month
    between ``since``'s month (or the period's start) and ``through``: at most ``limit``.

    The cheap check before any insert: each period's rows in its tracked range are counted
    on the (employee, month) unique index and compared with the number of months the range
    spans, so a complete ledger costs one short index range per period and no insert. Rows
    outside a period (a declared month after the last day) are not counted, so they cannot
    hide a missing one; a range that does not start on the 1st only over-counts (the insert
    then finds nothing to add).
    """
    month_type = _period.c.tracked_from.type
    starts = [_period.c.tracked_from, _month_start(session, _period.c.first_day)]
    if since is not None:
        starts.append(literal(since, month_type))
    first = type_coerce(_greatest(session, *starts), month_type)
    end = literal(through, month_type)
    last = type_coerce(
        _least(session, func.coalesce(_period.c.last_day, end), end), month_type
    )
    present = (
        select(func.count())
        .select_from(_ledger)
        .where(
            _ledger.c.employee_id == _period.c.employee_id,
            _ledger.c.month >= first,
            _ledger.c.month <= last,
        )
        .scalar_subquery()
    )
    statement = (
        select(_period.c.employee_id, first, last)
        .join(_employee, _employee.c.id == _period.c.employee_id)
        .where(
            *_scope(company_ids, employee_ids),
            present < _month_number(session, last) - _month_number(session, first) + 1,
        )
        .limit(limit)
    )
    return [(row[0], row[1], row[2]) for row in session.execute(statement)]


def insert_missing_months(
    session: Session,
    months: Sequence[date],
    prices: Mapping[tuple[str, date], PriceTerms | None],
    *,
    now: datetime,
    company_ids: Collection[int] | None = None,
    employee_ids: Collection[int] | None = None,
) -> int:
    """Insert the pending row of every month in ``months`` for every employee in scope whose
    period covers it and who has none yet, in one statement; ``prices`` maps (insured city,
    month) → terms (None or absent: keep the declared base and leave the amounts empty).
    Returns the number of rows inserted."""
    month_type = _ledger.c.month.type
    listed = [select(literal(month, month_type).label("month")) for month in months]
    month_table = (union_all(*listed) if len(listed) > 1 else listed[0]).subquery("months")
    month = month_table.c.month
    covers = select(_period.c.id).where(
        _period.c.employee_id == _employee.c.id,
        _period.c.tracked_from <= month,
        _month_start(session, _period.c.first_day) <= month,
        or_(_period.c.last_day.is_(None), _period.c.last_day >= month),
    ).exists()
    has_row = select(_ledger.c.id).where(
        _ledger.c.employee_id == _employee.c.id, _ledger.c.month == month
    ).exists()
    changed = (
        select(type_coerce(_change.c.base, BigInteger))
        .where(_change.c.employee_id == _employee.c.id, _change.c.effective_month <= month)
        .order_by(_change.c.effective_month.desc())
        .limit(1)
        .scalar_subquery()
    )
    declared = func.coalesce(changed, type_coerce(_employee.c.base, BigInteger))
    # one branch per (city, terms): a version is in force for many months
    same_terms: dict[tuple[str, PriceTerms], list[date]] = {}
    for (city, in_month), terms in prices.items():
        if terms is not None and in_month in months:
            same_terms.setdefault((city, terms), []).append(in_month)
    bases: list[tuple[ColumnElement[bool], ColumnElement[int]]] = []
    employers: list[tuple[ColumnElement[bool], ColumnElement[int]]] = []
    employees: list[tuple[ColumnElement[bool], ColumnElement[int]]] = []
    for (city, terms), in_months in same_terms.items():
        base, employer, employee = _amounts(declared, terms)
        applies = _employee.c.insured_city == city
        if len(in_months) < len(months):
            applies = and_(applies, month.in_(sorted(in_months)))
        bases.append((applies, base))
        employers.append((applies, employer))
        employees.append((applies, employee))
    null = literal(None, BigInteger)
    chosen = (
        select(
            _employee.c.company_id,
            _employee.c.id,
            month,
            literal(LedgerState.PENDING.value),
            case(*bases, else_=declared) if bases else declared,
            case(*employers, else_=null) if employers else null,
            case(*employees, else_=null) if employees else null,
            literal(now, UTCDateTime),
        )
        .select_from(_employee)
        .join(month_table, true())
        .where(and_(covers, ~has_row, *_scope(company_ids, employee_ids)))
    )
    columns = ["company_id", "employee_id", "month", "state", "base", "employer_amount",
               "employee_amount", "updated_at"]
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        statement = postgresql.insert(_ledger).from_select(columns, chosen).on_conflict_do_nothing(
            index_elements=["employee_id", "month"]
        )
    elif dialect == "sqlite":
        statement = sqlite.insert(_ledger).from_select(columns, chosen).on_conflict_do_nothing(
            index_elements=["employee_id", "month"]
        )
    else:
        statement = insert(_ledger).from_select(columns, chosen)
    # RETURNING: psycopg reports no rowcount for INSERT … SELECT … ON CONFLICT
    return len(session.execute(statement.returning(_ledger.c.id)).all())


