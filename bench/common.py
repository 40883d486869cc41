"""What every benchmark shares: a database of its own, timing and the ratio line."""

from __future__ import annotations

import os
import statistics
import tempfile
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import Engine, insert, text

import models  # noqa: F401  (registers every table)
from models.company import Company, Membership
from models.db import make_engine, upgrade_schema
from models.employee import Department, Employee
from models.ledger import LedgerMonth
from models.ledger_history import EmploymentPeriod
from models.secret_box import new_key
from models.task import Task
from policies.idnumber import check_digit

# Benchmarks seal 身份证 with a throwaway key (models/sealed.py).
os.environ.setdefault("HRBOT_SECRET_KEY", new_key())

#: The temporary directory SQLite benchmark databases live in (removed at exit).
_TMP = tempfile.TemporaryDirectory(prefix="hrbot-bench-")


def bench_engine(url: str | None, name: str) -> Engine:
    """A fresh database migrated to head: a temporary SQLite file, or on PostgreSQL a schema
    `hrbench_<name>` of its own (dropped and re-created), never the shared public schema."""
    if url is None:
        engine = make_engine(f"sqlite:///{Path(_TMP.name) / name}.sqlite")
    else:
        schema = f"hrbench_{name}"
        admin = make_engine(url)
        with admin.begin() as connection:
            connection.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
            connection.execute(text(f"CREATE SCHEMA {schema}"))
        admin.dispose()
        joiner = "&" if "?" in url else "?"
        engine = make_engine(f"{url}{joiner}options={quote(f'-csearch_path={schema}')}")
    upgrade_schema(engine)
    return engine


def drop_bench_schema(url: str | None, name: str) -> None:
    if url is None:
        return
    admin = make_engine(url)
    with admin.begin() as connection:
        connection.execute(text(f"DROP SCHEMA IF EXISTS hrbench_{name} CASCADE"))
    admin.dispose()


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.2f} ms"


def median(samples: list[float]) -> float:
    return statistics.median(samples)


# ------------------------------------------------------------------------------- seeding

#: Every benchmark's "today": a Tuesday in December, so the month's ledger rows exist.
TODAY = date(2026, 12, 15)
NOW = datetime(2026, 12, 15, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
CHUNK = 10_000


def id_number(serial: int) -> str:
    """A valid 身份证 number, distinct for every serial below 15,000,000 (birth day cycles
    every 15,000 serials, the sequence number shifts by one per cycle)."""
    born = date(1960, 1, 1) + timedelta(days=serial % 15000)
    first17 = f"110101{born:%Y%m%d}{(serial + serial // 15000) % 1000:03d}"
    return first17 + check_digit(first17)


def seed_company(
    engine: Engine,
    employees: int,
    *,
    hr_user: int,
    name: str = "基准公司",
    serial0: int = 0,
    hired_from_month: int = 1,
    analyze: bool = True,
    with_tasks: bool = True,
) -> int:
    """A company with one HR and `employees` active employees hired in 2026 (from the month
    `hired_from_month`), each with an
    employment period, ledger months from the hire month through December (the older ones
    paid, November and December pending) and, for one in ten, an open registration task.
    Written with bulk inserts; returns the company id."""
    with engine.begin() as c:
        company_id = c.execute(
            insert(Company).returning(Company.id),  # type: ignore[arg-type]
            [{"name": name, "city": "北京", "timezone": "Asia/Shanghai", "created_at": NOW}],
        ).scalar_one()
        c.execute(
            insert(Membership),
            [
                {
                    "company_id": company_id,
                    "telegram_user_id": hr_user,
                    "chat_id": hr_user,
                    "display_name": "HR",
                    "role": "hr",
                    "active": True,
                    "created_at": NOW,
                }
            ],
        )
        department_id = c.execute(
            insert(Department).returning(Department.id),  # type: ignore[arg-type]
            [{"company_id": company_id, "name": "后厨"}],
        ).scalar_one()
    for start in range(0, employees, CHUNK):
        count = min(CHUNK, employees - start)
        with engine.begin() as c:
            people = [
                {
                    "company_id": company_id,
                    "name": "员工" + chr(0x4E00 + (serial0 + i) % 5000) + chr(0x4E00 + i % 97),
                    "id_number": id_number(serial0 + i),
                    "id_hash": id_number(serial0 + i),
                    "department_id": department_id,
                    "base": Decimal(6000 + i % 3000),
                    "insured_city": "北京",
                    "first_day": date(
                        2026, hired_from_month + i % (13 - hired_from_month), 1 + i % 28
                    ),
                    "last_day": None,
                    "status": "active",
                    "created_at": NOW,
                }
                for i in range(start, start + count)
            ]
            ids = c.execute(
                insert(Employee).returning(Employee.id, Employee.first_day),  # type: ignore[arg-type]
                people,
            ).all()
            c.execute(
                insert(EmploymentPeriod),
                [
                    {
                        "company_id": company_id,
                        "employee_id": eid,
                        "first_day": first,
                        "last_day": None,
                        "tracked_from": first.replace(day=1),
                        "created_at": NOW,
                    }
                    for eid, first in ids
                ],
            )
            months = []
            for (eid, first), person in zip(ids, people, strict=True):
                for month in range(first.month, 13):
                    months.append(
                        {
                            "company_id": company_id,
                            "employee_id": eid,
                            "month": date(2026, month, 1),
                            "state": "pending" if month >= 11 else "paid",
                            "base": person["base"],
                            "updated_at": NOW,
                        }
                    )
            c.execute(insert(LedgerMonth), months)
            tasks = [
                {
                    "company_id": company_id,
                    "employee_id": eid,
                    "kind": "registration",
                    "title": "社保登记",
                    "due_date": first + timedelta(days=30),
                    "status": "open",
                    "created_at": NOW,
                    "updated_at": NOW,
                }
                for n, (eid, first) in enumerate(ids)
                if n % 10 == 0
            ]
            if tasks and with_tasks:
                c.execute(insert(Task), tasks)
    if analyze:
        with engine.begin() as c:
            c.execute(text("ANALYZE"))
    return company_id
