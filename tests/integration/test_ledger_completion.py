"""The set-based ledger completion (one INSERT … SELECT per month) on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

import models  # noqa: F401  (registers every table)
from bot.services.access import Member
from bot.services.ledger import complete_ledger, month_pricer, roll_over
from models.company import Company, Role
from models.db import unit_of_work
from models.employee import Employee
from models.ledger import LedgerMonth
from models.ledger_history import BaseChange, EmploymentPeriod
from policies.idnumber import check_digit
from policies.library import load_library

LIBRARY = load_library()


def make_id(serial: int) -> str:
    first17 = f"11010119900307{serial % 1000:03d}"
    return first17 + check_digit(first17)


@pytest.fixture
def member(engine: Engine) -> Member:
    with unit_of_work(engine) as session:
        company = Company(name="小馆", city="北京")
        session.add(company)
        session.flush()
        assert company.id is not None
        return Member(1001, company.id, "小馆", "北京", "Asia/Shanghai", Role.HR)


def add_employee(
    session: Session, member: Member, serial: int, first_day: date, base: str, city: str,
    *, last_day: date | None = None, period: bool = True,
) -> int:
    employee = Employee(
        company_id=member.company_id, name=f"员工{serial}", id_number=make_id(serial),
        base=Decimal(base), insured_city=city, first_day=first_day, last_day=last_day,
        status="left" if last_day else "active",
    )
    session.add(employee)
    session.flush()
    assert employee.id is not None
    if period:
        session.add(EmploymentPeriod(company_id=member.company_id, employee_id=employee.id,
                                     first_day=first_day, last_day=last_day,
                                     tracked_from=first_day.replace(day=1)))
    return employee.id


def rows(engine: Engine) -> dict[tuple[int, date], LedgerMonth]:
    with Session(engine) as session:
        return {(r.employee_id, r.month): r for r in session.exec(select(LedgerMonth))}


def test_roll_over_creates_every_month_priced_like_the_calculator(
    engine: Engine, member: Member
) -> None:
    with unit_of_work(engine) as session:
        a = add_employee(session, member, 1, date(2026, 5, 20), "3000", "北京")  # below floor
        b = add_employee(session, member, 2, date(2026, 9, 1), "50000", "深圳")  # above ceiling
        c = add_employee(session, member, 3, date(2026, 6, 3), "8000.55", "上海",
                         last_day=date(2026, 8, 10))
        d = add_employee(session, member, 4, date(2026, 10, 9), "9000", "拉萨")  # national
        e = add_employee(session, member, 5, date(2026, 11, 2), "7000", "北京", period=False)
        session.add(BaseChange(company_id=member.company_id, employee_id=a,
                               effective_month=date(2026, 8, 1), base=Decimal("12345.67")))
    result = roll_over(engine, now=datetime(2026, 11, 20, 2, tzinfo=UTC), library=LIBRARY)
    got = rows(engine)
    expected_months = {
        a: [date(2026, m, 1) for m in range(5, 12)],
        b: [date(2026, m, 1) for m in range(9, 12)],
        c: [date(2026, m, 1) for m in range(6, 9)],
        d: [date(2026, 10, 1), date(2026, 11, 1)],
        e: [date(2026, 11, 1)],
    }
    assert result.created == sum(len(v) for v in expected_months.values()) == len(got)
    price = month_pricer(LIBRARY)
    declared = {a: "3000", b: "50000", c: "8000.55", d: "9000", e: "7000"}
    cities = {a: "北京", b: "深圳", c: "上海", d: "拉萨", e: "北京"}
    for employee_id, months in expected_months.items():
        for month in months:
            base = Decimal(declared[employee_id])
            if employee_id == a and month >= date(2026, 8, 1):
                base = Decimal("12345.67")
            priced = price(cities[employee_id], month, base)
            row = got[(employee_id, month)]
            assert (row.state, row.base, row.employer_amount, row.employee_amount) == (
                "pending", priced.base, priced.employer, priced.employee
            ), (employee_id, month)
    # idempotent, and the short (repeating) run finds nothing either
    again = roll_over(engine, now=datetime(2026, 11, 20, 3, tzinfo=UTC), library=LIBRARY)
    assert again.created == 0
    assert roll_over(engine, now=datetime(2026, 11, 21, tzinfo=UTC), library=LIBRARY,
                     full=False).created == 0
    # December arrives: one new row per current employee
    december = roll_over(engine, now=datetime(2026, 12, 1, 2, tzinfo=UTC), library=LIBRARY,
                         full=False)
    assert december.created == 4


def test_completion_scoped_to_employees_leaves_others_alone(
    engine: Engine, member: Member
) -> None:
    with unit_of_work(engine) as session:
        a = add_employee(session, member, 1, date(2026, 9, 1), "8000", "北京")
        add_employee(session, member, 2, date(2026, 9, 1), "8000", "北京")
        created = complete_ledger(session, through=date(2026, 11, 30), library=None,
                                  employee_ids=[a])
    assert created == 3
    got = rows(engine)
    assert {key[0] for key in got} == {a}
    assert all(r.employer_amount is None and r.base == Decimal("8000.00") for r in got.values())


def test_marks_refuse_a_month_outside_the_employment(engine: Engine, member: Member) -> None:
    from bot.services.errors import MonthOutsideEmployment
    from bot.services.ledger import mark_month
    from bot.services.todo import mark_month_paid
    from handlers.refusals import refusal
    from policies.ledger_rules import LedgerState

    with unit_of_work(engine) as session:
        a = add_employee(session, member, 1, date(2026, 6, 1), "8000", "北京",
                         last_day=date(2026, 10, 31))
        # a month after the last day, left declared by an earlier version of the bot
        row = LedgerMonth(company_id=member.company_id, employee_id=a, month=date(2026, 11, 1),
                          state="declared", base=Decimal("8000"))
        session.add(row)
        session.flush()
        row_id = row.id
    assert row_id is not None
    with pytest.raises(MonthOutsideEmployment) as refused:
        mark_month(engine, member, date(2026, 11, 1), LedgerState.PAID,
                   today=date(2026, 11, 30), row_ids=[row_id])
    assert "2026-11 不在员工1的任职期间内（2026-06-01 至 2026-10-31）" in refusal(refused.value)
    with pytest.raises(MonthOutsideEmployment):
        mark_month_paid(engine, member, row_id, paid_on=date(2026, 11, 30))
    assert rows(engine)[(a, date(2026, 11, 1))].state == "declared"


def test_roll_over_dates_each_company_in_its_own_time_zone(engine: Engine) -> None:
    """At 01:00 on 1 January in Beijing it is still 31 December in Urumqi (UTC+6, a zone some
    Xinjiang companies keep): only the Beijing-time company gets its January row yet."""
    members = []
    with unit_of_work(engine) as session:
        for name, zone in (("京馆", "Asia/Shanghai"), ("疆馆", "Asia/Urumqi")):
            company = Company(name=name, city="北京", timezone=zone)
            session.add(company)
            session.flush()
            assert company.id is not None
            members.append(Member(1001, company.id, name, "北京", zone, Role.HR))
        for serial, member in enumerate(members, start=1):
            add_employee(session, member, serial, date(2026, 12, 1), "8000", "北京")
    roll_over(engine, now=datetime(2026, 12, 31, 17, tzinfo=UTC), library=LIBRARY)
    months = {(r.company_id, r.month) for r in rows(engine).values()}
    beijing, urumqi = (m.company_id for m in members)
    assert (beijing, date(2027, 1, 1)) in months
    assert (urumqi, date(2027, 1, 1)) not in months and (urumqi, date(2026, 12, 1)) in months


def test_a_month_missing_anywhere_is_found_past_rows_outside_employment(
    engine: Engine, member: Member
) -> None:
    """The check before the insert counts each period's rows in its own range: a declared row
    left after a last day does not stand in for another month that is missing."""
    with unit_of_work(engine) as session:
        a = add_employee(session, member, 1, date(2026, 6, 1), "8000", "北京",
                         last_day=date(2026, 9, 30))
        b = add_employee(session, member, 2, date(2026, 6, 1), "8000", "北京")
    assert roll_over(engine, now=datetime(2026, 11, 20, 2, tzinfo=UTC), library=LIBRARY).created \
        == 4 + 6
    with unit_of_work(engine) as session:
        session.add(LedgerMonth(company_id=member.company_id, employee_id=a,
                                month=date(2026, 10, 1), state="declared", base=Decimal("8000")))
        for month in (date(2026, 8, 1), date(2026, 11, 1)):
            session.delete(session.exec(select(LedgerMonth).where(
                LedgerMonth.employee_id == b, LedgerMonth.month == month)).one())
    later = datetime(2026, 11, 20, 3, tzinfo=UTC)
    # the hourly run looks at last month and this one only; the start-up run at every month
    assert roll_over(engine, now=later, library=LIBRARY, full=False).created == 1
    assert (b, date(2026, 8, 1)) not in rows(engine)
    assert roll_over(engine, now=later, library=LIBRARY).created == 1
    got = rows(engine)
    assert {m for (e, m) in got if e == b} == {date(2026, m, 1) for m in range(6, 12)}
    assert got[(a, date(2026, 10, 1))].state == "declared"


@pytest.mark.parametrize("few", [0, 1, 500])
def test_roll_over_after_downtime_adds_the_same_rows_for_few_or_many_incomplete(
    engine: Engine, member: Member, few: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Few incomplete periods: the insert looks at their employees and months only; many: at
    the whole company. Both add exactly the missing months."""
    from bot.services import ledger

    monkeypatch.setattr(ledger, "FEW_INCOMPLETE", few)
    with unit_of_work(engine) as session:
        a = add_employee(session, member, 1, date(2026, 3, 9), "8000", "北京")
        b = add_employee(session, member, 2, date(2026, 5, 1), "8000", "上海",
                         last_day=date(2026, 7, 15))
        c = add_employee(session, member, 3, date(2026, 8, 31), "8000", "深圳")
    assert roll_over(engine, now=datetime(2026, 9, 2, tzinfo=UTC), library=LIBRARY).created \
        == 7 + 3 + 2
    # down from September to January: the start-up run adds October to January
    january = roll_over(engine, now=datetime(2027, 1, 5, tzinfo=UTC), library=LIBRARY)
    assert january.created == 4 + 4
    expected = {
        a: {date(2026, m, 1) for m in range(3, 13)} | {date(2027, 1, 1)},
        b: {date(2026, m, 1) for m in range(5, 8)},
        c: {date(2026, m, 1) for m in range(8, 13)} | {date(2027, 1, 1)},
    }
    got = rows(engine)
    assert {e: {m for (x, m) in got if x == e} for e in expected} == expected
    price = month_pricer(LIBRARY)
    row = got[(c, date(2027, 1, 1))]
    assert (row.base, row.employer_amount) == (
        price("深圳", date(2027, 1, 1), Decimal("8000")).base,
        price("深圳", date(2027, 1, 1), Decimal("8000")).employer,
    )
