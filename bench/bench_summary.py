"""Benchmark: the weekly summary (每周社保简报) of a 1,000-employee company with a year of
history, against the raw SQL aggregation it needs.

    .venv/bin/python bench/bench_summary.py [--employees 1000] [--url postgresql+psycopg://…]

bench/common.py seed_company: employees hired through 2026 with ledger months from the hire
month (older ones paid, November and December pending) and a registration task for one in ten;
here spread over 10 departments. The summary is `build_weekly_summary` for the company (HR:
every department) — two weeks of events (registrations, payments with the city's due rule and
the first-month rule, cases, complaints), hires, open tasks, HR's and each department's score
this week and last. The baseline is the SQL a hand-written report would run for the same
numbers: GROUP BY department counts of registrations and payments on time and late (the month's
last day standing in for the due rule) for both weeks, hires, open and overdue tasks, cases —
fetched and nothing else. Interleaved, median of 7 runs each; goal ≤ 3×. The chart and the
workbook are timed on their own line (they are made once per recipient at the edge).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import TODAY, bench_engine, drop_bench_schema, median, seed_company
from sqlalchemy import Engine, insert, select, text, update
from sqlmodel import Session

from bot.documents.summary_files import summary_chart, summary_workbook
from bot.services.kpi import due_rule
from bot.services.summary import WeeklySummary, build_weekly_summary, last_week
from models.employee import Department, Employee
from policies.kpi import KpiSettings, week_period
from policies.ledger_rules import previous_month
from policies.library import load_library

HR = 9101
REPEAT = 7
DEPARTMENTS = 10

RAW_SQL = [
    # registrations due in each week, on time or late, per department
    """SELECT e.department_id, SUM(CASE WHEN t.done_on IS NOT NULL AND t.done_on <= t.due_date
              THEN 1 ELSE 0 END), COUNT(*)
       FROM task t JOIN employee e ON e.id = t.employee_id
       WHERE t.company_id = :c AND t.kind = 'registration' AND t.status != 'cancelled'
         AND t.due_date BETWEEN :start AND :end GROUP BY e.department_id""",
    # monthly payments due in each week (the month's last day as the due date), per department
    """SELECT e.department_id, SUM(CASE WHEN l.paid_on IS NOT NULL OR l.state = 'paid'
              THEN 1 ELSE 0 END), COUNT(*)
       FROM ledger_month l JOIN employee e ON e.id = l.employee_id
       WHERE l.company_id = :c AND l.state != 'exempt' AND l.month BETWEEN :mstart AND :end
       GROUP BY e.department_id""",
    # back-payment cases opened in each week, per department
    """SELECT e.department_id, COUNT(*) FROM backpay_case b JOIN employee e ON e.id = b.employee_id
       WHERE b.company_id = :c AND b.opened_at >= :start AND b.opened_at <= :end
       GROUP BY e.department_id""",
]
RAW_ONCE = [
    """SELECT id, name, department_id, first_day FROM employee
       WHERE company_id = :c AND first_day BETWEEN :start AND :end""",
    """SELECT COUNT(*), SUM(CASE WHEN t.due_date < :today THEN 1 ELSE 0 END)
       FROM task t WHERE t.company_id = :c AND t.status = 'open'""",
    "SELECT id, name FROM department WHERE company_id = :c ORDER BY name",
]


def spread_departments(engine: Engine, company_id: int) -> None:
    """Move the seeded employees round-robin into DEPARTMENTS departments."""
    with engine.begin() as c:
        ids = c.execute(
            insert(Department).returning(Department.id),  # type: ignore[arg-type]
            [{"company_id": company_id, "name": f"部门{n:02d}"} for n in range(DEPARTMENTS)],
        ).scalars().all()
        employees = c.execute(
            select(Employee.id).where(Employee.company_id == company_id)
        ).scalars().all()
        for n, employee_id in enumerate(employees):
            c.execute(
                update(Employee)
                .where(Employee.id == employee_id)  # type: ignore[arg-type]
                .values(department_id=ids[n % DEPARTMENTS])
            )
        c.execute(text("ANALYZE"))


def timed(work: Callable[[], object]) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def run(url: str | None, employees: int) -> None:
    library = load_library()
    name = f"summary{employees}"
    engine = bench_engine(url, name)
    company_id = seed_company(engine, employees, hr_user=HR)
    spread_departments(engine, company_id)
    week = last_week(TODAY)
    previous = week_period(week.start - timedelta(days=7))
    due_of = due_rule(library)
    settings = KpiSettings()

    def summary() -> WeeklySummary:
        with Session(engine) as session:
            return build_weekly_summary(
                session,
                company_id=company_id,
                company_name="基准公司",
                timezone="Asia/Shanghai",
                week=week,
                today=TODAY,
                settings=settings,
                due_of=due_of,
                department_ids=None,
            )

    def raw() -> None:
        with engine.connect() as c:
            for period in (week, previous):
                params = {
                    "c": company_id,
                    "start": period.start,
                    "end": period.end,
                    "mstart": previous_month(period.start.replace(day=1)),
                }
                for statement in RAW_SQL:
                    c.execute(text(statement), params).all()
            params = {"c": company_id, "start": week.start, "end": week.end, "today": TODAY}
            for statement in RAW_ONCE:
                c.execute(text(statement), params).all()

    facts = summary()  # warm both paths (caches, the policy library)
    raw()
    ours, base = [], []
    for _ in range(REPEAT):
        ours.append(timed(summary))
        base.append(timed(raw))
    files = median([timed(lambda: (summary_chart(facts), summary_workbook(facts)))
                    for _ in range(3)])
    ratio = median(ours) / median(base)
    print(f"employees {employees:,}, {DEPARTMENTS} departments, week {week.label}")
    print(f"weekly summary      {median(ours) * 1000:8.1f} ms")
    print(f"raw SQL aggregation {median(base) * 1000:8.1f} ms")
    print(f"ratio               {ratio:8.2f}x  (goal <= 3x)")
    print(f"chart + .xlsx       {files * 1000:8.1f} ms (per recipient, at the edge)")
    print(f"database: {'sqlite' if url is None else 'postgresql'}")
    engine.dispose()
    drop_bench_schema(url, name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=None, help="PostgreSQL URL (own schema)")
    parser.add_argument("--employees", type=int, default=1000)
    args = parser.parse_args()
    run(args.url, args.employees)


if __name__ == "__main__":
    main()
