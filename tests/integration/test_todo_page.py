"""/todo's page is read set-based; it must list exactly what sorting every item would list."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import Engine, event
from sqlmodel import col, select

from bot.services.access import Member
from bot.services.ledger import obligation_due
from bot.services.todo import todo_page
from models.company import Company, Role
from models.db import unit_of_work
from models.employee import Employee
from models.ledger import LedgerMonth
from models.task import Task
from policies.library import load_library

TODAY = date(2026, 12, 15)
CITIES = ["北京", "上海", "广州", "不存在市"]


@pytest.fixture
def company(engine: Engine) -> Member:
    """Employees in four cities (four deadline rules), unpaid months Oct–Dec, tasks due on
    days that fall between and on those deadlines; another company's rows beside them."""
    with unit_of_work(engine) as session:
        ours, theirs = Company(name="小馆", city="北京"), Company(name="别家", city="北京")
        session.add_all([ours, theirs])
        session.flush()
        assert ours.id is not None and theirs.id is not None
        for owner in (ours.id, theirs.id):
            for n in range(37):
                person = Employee(
                    company_id=owner,
                    name=f"员工{'甲乙丙丁戊'[n % 5]}{n}",
                    id_number=f"{owner:02d}{n:016d}",
                    base=Decimal(5000),
                    insured_city=CITIES[n % 4],
                    first_day=date(2026, 10, 1),
                    created_at=datetime(2026, 10, 1, tzinfo=UTC),
                )
                session.add(person)
                session.flush()
                assert person.id is not None
                for month in (10, 11, 12):
                    if (n + month) % 3:
                        session.add(
                            LedgerMonth(
                                company_id=owner,
                                employee_id=person.id,
                                month=date(2026, month, 1),
                                state="pending" if n % 2 else "declared",
                                base=Decimal(5000),
                            )
                        )
                if n % 3 == 0:
                    session.add(
                        Task(
                            company_id=owner,
                            employee_id=person.id,
                            kind="registration",
                            title="社保登记",
                            due_date=date(2026, 10, 10) + timedelta(days=n * 2),
                        )
                    )
    return Member(1, ours.id, "小馆", "北京", "Asia/Shanghai", Role.HR)


def every_item_sorted(engine: Engine, member: Member) -> list[tuple[date, str, int]]:
    """The reference: every item of the company, each due computed alone (the first-month rule
    included: these employees started 2026-10-01), sorted."""
    library = load_library()
    with unit_of_work(engine) as session:
        tasks = session.exec(
            select(Task).where(Task.company_id == member.company_id, Task.status == "open")
        ).all()
        months = session.exec(
            select(LedgerMonth, Employee)
            .join(Employee, col(Employee.id) == LedgerMonth.employee_id)
            .where(
                LedgerMonth.company_id == member.company_id,
                col(LedgerMonth.state).in_(["pending", "declared", "backpaying"]),
            )
        ).all()
        keys = [(t.due_date, "task", t.id) for t in tasks]
        keys += [
            (obligation_due(library, e.insured_city, m.month, e.first_day).due, "month", m.id)
            for m, e in months
        ]
    return sorted(keys)  # type: ignore[arg-type]


def test_every_page_lists_what_sorting_every_item_lists(engine: Engine, company: Member) -> None:
    library = load_library()
    expected = every_item_sorted(engine, company)
    first = todo_page(engine, company, 1, today=TODAY, library=library, page_size=7)
    assert first.total == len(expected) and first.pages == -(-len(expected) // 7)
    listed = []
    for page in range(1, first.pages + 1):
        view = todo_page(engine, company, page, today=TODAY, library=library, page_size=7)
        assert view.page == page and view.offset == (page - 1) * 7
        listed += [(item.due, item.kind, item.item_id) for item in view.items]
    assert listed == expected
    beyond = todo_page(engine, company, 999, today=TODAY, library=library, page_size=7)
    assert beyond.page == first.pages


def test_the_first_page_reads_a_page_of_rows_not_every_row(
    engine: Engine, company: Member
) -> None:
    fetched = 0

    def count_rows(_conn: object, _cursor: object, statement: str, *_rest: object) -> None:
        nonlocal fetched
        if "LIMIT" not in statement.upper() and "count(" not in statement:
            fetched += 1

    event.listen(engine, "before_cursor_execute", count_rows)
    try:
        todo_page(engine, company, 1, today=TODAY, library=load_library(), page_size=7)
    finally:
        event.remove(engine, "before_cursor_execute", count_rows)
    assert fetched == 0  # only counts and LIMITed reads
