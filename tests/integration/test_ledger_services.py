"""The ledger services against a real (SQLite) database migrated to head."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import Engine, event, func
from sqlmodel import Session, col, select

import models  # noqa: F401  (registers every table)
from bot.exporting import export_workbook
from bot.importing import read_table
from bot.services.access import Member
from bot.services.base_change import apply_base_changes, preview_annual_adjustment
from bot.services.leaving import record_leave
from bot.services.ledger import mark_month, month_view, roll_over
from bot.services.transfer import confirm_import, plan_import
from models.company import Company, Role
from models.db import unit_of_work
from models.employee import Employee
from models.ledger import LedgerMonth
from models.ledger_history import EmploymentPeriod
from models.task import Task
from policies.idnumber import check_digit
from policies.ledger_rules import LedgerState
from policies.library import load_library

HEADER = ["姓名", "身份证号", "入职日期", "部门", "缴费基数", "参保地", "已缴月份"]


def make_id(serial: int) -> str:
    first17 = f"11010119900307{serial % 1000:03d}"
    return first17 + check_digit(first17)


def xlsx(rows: list[list[object]]) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.fixture
def member(engine: Engine) -> Member:
    with unit_of_work(engine) as session:
        company = Company(name="小馆", city="北京")
        session.add(company)
        session.flush()
        assert company.id is not None
        return Member(1001, company.id, "小馆", "北京", "Asia/Shanghai", Role.HR)


def at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 2, 0, tzinfo=UTC)


def ledger_count(engine: Engine) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(LedgerMonth)).one()


def import_file(engine: Engine, member: Member, data: bytes, today: date, **kw):
    return confirm_import(engine, member, "a.xlsx", read_table("a.xlsx", data), today=today, **kw)


def test_import_rollover_leave_rehire_and_export(engine: Engine, member: Member) -> None:
    today = date(2026, 11, 20)
    data = xlsx(
        [
            HEADER,
            ["陈明远", make_id(1), "2026-09-01", "后厨", 8000, "北京", "2026-09~2026-10"],
            ["李静", make_id(2), "2026-11-02", "前厅", 9000, "", ""],
            ["王芳", "123", "2026-11-02", "前厅", 9000, "", ""],
        ]
    )
    plan = plan_import(engine, member, read_table("a.xlsx", data), today=today)
    assert (len(plan.new_rows), len(plan.preview.errors)) == (2, 1)
    outcome = import_file(engine, member, data, today)
    assert (outcome.created, outcome.errors, outcome.ledger_rows) == (2, 1, 4)
    again = import_file(engine, member, data, today)
    assert again.already_imported and again.created == 0
    assert ledger_count(engine) == 4

    # Down from 11-20 to 2027-01-03: the tick catches up December and January at once.
    assert roll_over(engine, now=at(date(2027, 1, 3))).created == 4
    assert roll_over(engine, now=at(date(2027, 1, 3))).created == 0

    view = month_view(engine, member, date(2026, 12, 1), today=date(2027, 1, 3))
    assert view.total == 2 and view.undeclared_total == 2
    assert (
        mark_month(
            engine, member, date(2026, 12, 1), LedgerState.DECLARED, today=date(2027, 1, 3)
        ).changed
        == 2
    )

    with Session(engine) as session:
        chen = session.exec(select(Employee).where(Employee.name == "陈明远")).one()
    result = record_leave(
        engine, member, chen.id, date(2026, 12, 20), "主动离职", today=date(2027, 1, 3)
    )
    assert result.removed_months == 1  # January, still pending, is dropped
    assert result.task_due >= date(2026, 12, 20)

    # Re-hired via a new file: same 身份证, new period, history kept.
    rehire = xlsx([HEADER, ["陈明远", make_id(1), "2027-01-02", "后厨", 8500, "北京", ""]])
    outcome = import_file(engine, member, rehire, date(2027, 1, 3))
    assert outcome.rehired == 1
    with Session(engine) as session:
        periods = session.exec(
            select(EmploymentPeriod).where(EmploymentPeriod.employee_id == chen.id)
        ).all()
        assert [(p.first_day, p.last_day) for p in periods] == [
            (date(2026, 9, 1), date(2026, 12, 20)),
            (date(2027, 1, 2), None),
        ]
        tasks = session.exec(select(Task).where(Task.employee_id == chen.id)).all()
        assert {t.kind for t in tasks} == {"leave", "registration"}
        months = session.exec(
            select(LedgerMonth.month, LedgerMonth.state)
            .where(LedgerMonth.employee_id == chen.id)
            .order_by(LedgerMonth.month)
        ).all()
    assert months == [
        (date(2026, 9, 1), "paid"),
        (date(2026, 10, 1), "paid"),
        (date(2026, 11, 1), "pending"),
        (date(2026, 12, 1), "declared"),
        (date(2027, 1, 1), "pending"),
    ]

    sheet = load_workbook(io.BytesIO(export_workbook(engine, member)))
    people = list(sheet["员工"].iter_rows(values_only=True))
    assert people[0][:3] == ("姓名", "身份证号", "入职日期")
    assert {row[0] for row in people[1:]} == {"陈明远", "李静"}
    assert len(list(sheet["台账"].iter_rows(values_only=True))) == 1 + ledger_count(engine)


def test_base_change_mid_year_reprices_pending_months_only(engine: Engine, member: Member) -> None:
    library = load_library()
    today = date(2026, 8, 5)
    data = xlsx(
        [HEADER, ["陈明远", make_id(1), "2026-03-01", "后厨", 8000, "北京", "2026-03~2026-06"]]
    )
    import_file(engine, member, data, today, library=library)
    with Session(engine) as session:
        chen = session.exec(select(Employee)).one()
    result = apply_base_changes(
        engine, member, date(2026, 7, 1), {chen.id: Decimal("9500")}, today=today, library=library
    )
    assert result.repriced_months == 2  # July and August; March–June are paid
    with Session(engine) as session:
        bases = dict(session.exec(select(LedgerMonth.month, LedgerMonth.base)).all())
    assert bases[date(2026, 6, 1)] == Decimal("8000.00")
    assert bases[date(2026, 7, 1)] == Decimal("9500.00")
    # September's row, created by the roll-over, takes the new base too.
    roll_over(engine, now=at(date(2026, 9, 1)), library=library)
    with Session(engine) as session:
        september = session.exec(
            select(LedgerMonth).where(LedgerMonth.month == date(2026, 9, 1))
        ).one()
    assert september.base == Decimal("9500.00")
    assert september.employer_amount and september.employer_amount > 0  # priced by policy
    lines = preview_annual_adjustment(
        engine, member, date(2026, 7, 1), {chen.id: Decimal("1000")}, library=library
    )
    assert lines[0].clamped and lines[0].effective > Decimal("1000")


def test_rehire_through_the_hire_service(engine: Engine, member: Member) -> None:
    """/hire's service re-hires a former employee by 身份证 (the one re-hire path) and refuses
    a current one; the new period's months up to today exist at once."""
    from bot.services.errors import IdNumberRegistered
    from bot.services.hiring import HireDraft, register_hire

    today = date(2026, 12, 1)
    import_file(
        engine,
        member,
        xlsx([HEADER, ["陈明远", make_id(1), "2026-10-08", "后厨", 8000, "北京", ""]]),
        today,
    )
    with Session(engine) as session:
        chen = session.exec(select(Employee)).one()

    def draft(base: str) -> HireDraft:
        hire = HireDraft.start()
        hire.name, hire.id_number, hire.first_day = "陈明远", make_id(1), "2026-12-05"
        hire.base, hire.insured_city = base, "北京"
        hire.rehire = True
        return hire

    with pytest.raises(IdNumberRegistered):
        register_hire(engine, member, draft("8000"), today=today)
    record_leave(engine, member, chen.id, date(2026, 11, 10), "主动离职", today=today)
    register_hire(engine, member, draft("8800"), today=today)
    with Session(engine) as session:
        assert session.exec(select(Employee)).one().status == "active"
        months = session.exec(
            select(LedgerMonth.month).where(LedgerMonth.employee_id == chen.id)
        ).all()
    assert sorted(months) == [date(2026, 10, 1), date(2026, 11, 1), date(2026, 12, 1)]


def test_month_view_counts_every_row_and_reads_only_the_page(
    engine: Engine, member: Member
) -> None:
    """The view's counts come from a GROUP BY and its rows from one LIMITed page, so a large
    company's month costs a page, not every row; the numbers must still add up."""
    names = ["张" + c for c in "甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉戌亥天"]
    rows = [
        [n, make_id(100 + i), "2026-11-02", "后厨", 8000, "北京", ""] for i, n in enumerate(names)
    ]
    assert import_file(engine, member, xlsx([HEADER, *rows]), date(2026, 11, 20)).created == 23
    december = date(2026, 12, 1)
    roll_over(engine, now=at(date(2026, 12, 20)))
    with unit_of_work(engine) as session:
        first_three = session.exec(
            select(LedgerMonth)
            .join(Employee, col(Employee.id) == LedgerMonth.employee_id)
            .where(LedgerMonth.month == december)
            .order_by(col(Employee.name), col(Employee.id))
            .limit(3)
        ).all()
        for row in first_three:
            row.state = LedgerState.PAID
            session.add(row)

    selects: list[str] = []

    def on_statement(_c: object, _cur: object, statement: str, *_rest: object) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "ledger_month" in statement:
            selects.append(statement)

    event.listen(engine, "before_cursor_execute", on_statement)
    try:
        view = month_view(engine, member, december, today=date(2027, 1, 20), page=2)
    finally:
        event.remove(engine, "before_cursor_execute", on_statement)
    assert (view.total, view.undeclared_total, view.pages, view.page) == (23, 20, 2, 2)
    assert [line.name for line in view.undeclared] == sorted(names)[13:23]
    assert view.counts == [("待申报", 20), ("已缴纳", 3)]
    assert view.gaps == 20 and view.payable_total == 20
    page_reads = [s for s in selects if "employee.name" in s]
    assert page_reads and all("LIMIT" in s.upper() for s in page_reads), page_reads
