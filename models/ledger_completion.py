"""Set-based ledger completion: one INSERT … SELECT … WHERE NOT EXISTS per month.

The ledger is complete when written: every employment period has a row for each month from
its ``tracked_from`` month (or first day) to the current month. Hires, imports, re-hires and the
monthly roll-over all call ``insert_missing_months`` in their own transaction, so no view ever
has to fill months in. Each statement covers every employee of the scope at once, prices the
month in SQL with integer terms from ``policies.contributions.price_terms`` (the same numbers as
the calculator, half-up to the cent per line item) and skips a row another worker inserted
meanwhile, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    and_,
    case,
    func,
    insert,
    literal,
    or_,
    select,
    type_coerce,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from models.employee import Employee
from models.ledger import LedgerMonth
from models.ledger_history import BaseChange, EmploymentPeriod
from models.types import UTCDateTime
from policies.contributions import RATE_SCALE, PriceTerms
from policies.ledger_rules import LedgerState, next_month

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
        return func.cast(func.date_trunc("month", day), _period.c.first_day.type)
    return func.date(day, "start of month")


def insert_missing_months(
    session: Session,
    month: date,
    prices: Mapping[str, PriceTerms | None],
    *,
    now: datetime,
    company_ids: Collection[int] | None = None,
    employee_ids: Collection[int] | None = None,
) -> int:
    """Insert ``month``'s pending row for every employee in scope whose period covers it and
    who has none yet; ``prices`` maps insured city → terms (None: keep the declared base and
    leave the amounts empty). Returns the number of rows inserted."""
    following = next_month(month)
    covers = select(_period.c.id).where(
        _period.c.employee_id == _employee.c.id,
        _period.c.tracked_from <= month,
        _period.c.first_day < following,
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
    bases: list[tuple[ColumnElement[bool], ColumnElement[int]]] = []
    employers: list[tuple[ColumnElement[bool], ColumnElement[int]]] = []
    employees: list[tuple[ColumnElement[bool], ColumnElement[int]]] = []
    for city, terms in prices.items():
        if terms is None:
            continue
        base, employer, employee = _amounts(declared, terms)
        is_city = _employee.c.insured_city == city
        bases.append((is_city, base))
        employers.append((is_city, employer))
        employees.append((is_city, employee))
    null = literal(None, BigInteger)
    chosen = select(
        _employee.c.company_id,
        _employee.c.id,
        literal(month, _ledger.c.month.type),
        literal(LedgerState.PENDING.value),
        case(*bases, else_=declared) if bases else declared,
        case(*employers, else_=null) if employers else null,
        case(*employees, else_=null) if employees else null,
        literal(now, UTCDateTime),
    ).where(and_(covers, ~has_row, *_scope(company_ids, employee_ids)))
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


