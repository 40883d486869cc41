"""KPI events queried by date, department and company, and the report built from them."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

import models  # noqa: F401  (registers every table)
from bot.services.access import Member
from bot.services.errors import KpiSettingOutOfRange, UnknownKpiSetting
from bot.services.kpi import (
    change_kpi_setting,
    company_kpi_settings,
    kpi_report,
    load_events,
)
from bot.services.ledger import month_end_due
from models.backpay_case import BackpayCase
from models.company import Company, Role
from models.db import unit_of_work
from models.employee import Department, Employee
from models.ledger import LedgerMonth
from models.task import Task, TaskKind, TaskStatus
from policies.kpi import DeadlineKind, KpiSettings, MetricKey, month_period
from policies.ledger_rules import LedgerState

DEFAULTS = KpiSettings()
NOW = datetime(2026, 12, 2, 2, tzinfo=UTC)


def end_due(city: str, month: date, first_day: date) -> date:
    return month_end_due(city, month)


def add_company(session: Session, name: str) -> tuple[int, int, int]:
    company = Company(name=name, city="北京")
    session.add(company)
    session.flush()
    assert company.id is not None
    sales, ops = (
        Department(company_id=company.id, name="销售部"),
        Department(company_id=company.id, name="运营部"),
    )
    session.add_all([sales, ops])
    session.flush()
    assert sales.id is not None and ops.id is not None
    return company.id, sales.id, ops.id


def add_employee(session: Session, company_id: int, dept: int | None, name: str) -> int:
    employee = Employee(
        company_id=company_id,
        name=name,
        id_number=f"ID{name}",
        department_id=dept,
        base=Decimal(8000),
        insured_city="北京",
        first_day=date(2026, 1, 5),
    )
    session.add(employee)
    session.flush()
    assert employee.id is not None
    return employee.id


def add_month(session: Session, company_id: int, emp: int, month: date, paid_on: date | None):
    state = LedgerState.PAID if paid_on else LedgerState.PENDING
    session.add(
        LedgerMonth(
            company_id=company_id,
            employee_id=emp,
            month=month,
            state=state,
            base=Decimal(8000),
            paid_on=paid_on,
        )
    )


@pytest.fixture
def world(engine: Engine) -> dict[str, int]:
    """Two companies; in the first, 销售部 pays November late once and has a case."""
    with unit_of_work(engine) as session:
        company, sales, ops = add_company(session, "小馆")
        other, other_sales, _ = add_company(session, "别家")
        a = add_employee(session, company, sales, "陈明远")
        b = add_employee(session, company, sales, "王芳")
        c = add_employee(session, company, ops, "李雷")
        x = add_employee(session, other, other_sales, "外人")
        nov = date(2026, 11, 1)
        add_month(session, company, a, nov, date(2026, 11, 20))  # on time (due 11-30)
        add_month(session, company, b, nov, date(2026, 12, 1))  # late
        add_month(session, company, c, nov, None)  # unpaid: late once 11-30 passed
        add_month(session, company, c, date(2026, 10, 1), date(2026, 10, 9))  # October
        add_month(session, other, x, nov, None)
        session.add_all(
            [
                Task(
                    company_id=company,
                    employee_id=c,
                    kind=TaskKind.REGISTRATION,
                    title="李雷 社保登记",
                    due_date=date(2026, 11, 10),
                    status=TaskStatus.DONE,
                    done_on=date(2026, 11, 12),
                ),
                Task(
                    company_id=company,
                    employee_id=a,
                    kind=TaskKind.REGISTRATION,
                    title="cancelled",
                    due_date=date(2026, 11, 10),
                    status=TaskStatus.CANCELLED,
                ),
            ]
        )
        session.add(
            BackpayCase(
                company_id=company,
                employee_id=b,
                city="北京",
                base=Decimal(8000),
                months=[],
                employer_total=Decimal(0),
                employee_total=Decimal(0),
                late_fee=Decimal(0),
                policy_version="v",
                reason="forgot",
                planned_pay_date=date(2026, 11, 20),
                opened_by=1,
                opened_at=datetime(2026, 11, 3, 3, tzinfo=UTC),
            )
        )
    return {"company": company, "sales": sales, "ops": ops, "c": c, "b": b, "other": other}


def hr(world: dict[str, int]) -> Member:
    return Member(1, world["company"], "小馆", "北京", "Asia/Shanghai", Role.HR)


def test_events_are_scoped_by_company_period_and_department(
    engine: Engine, world: dict[str, int]
) -> None:
    november = month_period(2026, 11)
    with Session(engine) as session:
        events = load_events(
            session, world["company"], november, timezone="Asia/Shanghai", due_of=end_due
        )
        kinds = sorted(
            (e.kind, e.done_on is not None and e.is_on_time()) for e in events.deadlines
        )
        assert kinds == [
            (DeadlineKind.PAYMENT, False),
            (DeadlineKind.PAYMENT, False),
            (DeadlineKind.PAYMENT, True),
            (DeadlineKind.REGISTRATION, False),
        ]
        assert [c.employee_id for c in events.backpay_cases] == [world["b"]]
        assert events.complaints == ()  # none filed in this world
        sales_only = load_events(
            session,
            world["company"],
            november,
            timezone="Asia/Shanghai",
            due_of=end_due,
            department_ids=frozenset({world["sales"]}),
        )
        assert len(sales_only.deadlines) == 2 and len(sales_only.backpay_cases) == 1
        october = load_events(
            session,
            world["company"],
            month_period(2026, 10),
            timezone="Asia/Shanghai",
            due_of=end_due,
        )
        assert len(october.deadlines) == 1 and october.backpay_cases == ()


def test_report_scores_hr_and_each_department(engine: Engine, world: dict[str, int]) -> None:
    report = kpi_report(
        engine,
        hr(world),
        month_period(2026, 11),
        today=date(2026, 12, 2),
        defaults=DEFAULTS,
        library=None,
    )
    timeliness = report.hr.metric(MetricKey.HR_TIMELINESS)
    assert (timeliness.numerator, timeliness.denominator, timeliness.value) == (
        1,
        4,
        Decimal("25.0"),
    )
    assert report.hr.score == Decimal("0.0")
    by_name = {d.name: d.score for d in report.departments}
    sales = by_name["销售部"].metric(MetricKey.DEPARTMENT_PAYMENT_RATE)
    assert sales.value == Decimal("50.0")
    assert by_name["运营部"].metric(MetricKey.DEPARTMENT_PAYMENT_RATE).value == Decimal("0.0")
    assert report.employee_names[world["c"]] == "李雷"


def test_company_settings_override_the_defaults(engine: Engine, world: dict[str, int]) -> None:
    member = hr(world)
    updated = change_kpi_setting(
        engine, member, "hr_backpay_per_case", "2.5", defaults=DEFAULTS, now=NOW
    )
    assert updated.hr_backpay_per_case == Decimal("2.5")
    assert company_kpi_settings(engine, member, DEFAULTS).hr_backpay_per_case == Decimal("2.5")
    other = Member(2, world["other"], "别家", "北京", "Asia/Shanghai", Role.HR)
    assert company_kpi_settings(engine, other, DEFAULTS) == DEFAULTS
    with pytest.raises(UnknownKpiSetting):
        change_kpi_setting(engine, member, "bonus", "1", defaults=DEFAULTS, now=NOW)
    for bad in ("abc", "-1", "nan"):
        with pytest.raises(KpiSettingOutOfRange):
            change_kpi_setting(engine, member, "hr_weight", bad, defaults=DEFAULTS, now=NOW)
    with pytest.raises(KpiSettingOutOfRange):
        change_kpi_setting(
            engine, member, "hr_timeliness_target", "101", defaults=DEFAULTS, now=NOW
        )
    assert company_kpi_settings(engine, member, DEFAULTS).hr_weight == Decimal(15)


def test_trend_pairs_timeliness_with_turnover_and_counts_lapses(
    engine: Engine, world: dict[str, int]
) -> None:
    from bot.services.trend import trend_report

    with unit_of_work(engine) as session:
        leaver = session.get(Employee, world["b"])
        assert leaver is not None
        leaver.last_day = date(2026, 11, 25)
        case = session.get(BackpayCase, 1)
        assert case is not None
        case.months = [{"month": "2025-06-01"}, {"month": "2025-05-01"}]
        company = session.get(Company, world["company"])
        assert company is not None
        company.created_at = datetime(2026, 3, 1, tzinfo=UTC)  # the bot in use from 2026Q1
    report = trend_report(engine, hr(world), today=date(2026, 12, 2), library=None)
    by_name = {d.name: d for d in report.departments}
    assert (by_name["销售部"].leavers, by_name["销售部"].staff) == (1, 2)
    assert by_name["销售部"].turnover == Decimal("50.0")
    assert report.correlation.n == 2 and report.correlation.r is None  # two points: no r
    assert [(q.label, q.cases) for q in report.quarters if q.cases] == [("2025Q2", 1)]
    assert report.started == date(2026, 3, 1)
    assert next(q.label for q in report.quarters if not q.before) == "2026Q1"
    assert report.mean_before == Decimal("0.3") and report.mean_after == Decimal("0.0")
