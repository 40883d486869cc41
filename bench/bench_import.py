"""Benchmark: import 5,000 employees from an .xlsx, against a bare bulk insert of the same rows.

    .venv/bin/python bench/bench_import.py [--rows 5000] [--database-url URL]

Both runs use fresh databases migrated to head in the same process. The import run does all an
HR upload does after 确认: read the sheet, validate every row, plan against the company's data,
insert employees, periods, tasks and ledger months in one transaction. The baseline inserts the
same employee rows with one executemany and nothing else. Prints rows/second and the ratio.
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from openpyxl import Workbook
from sqlalchemy import Engine, insert, select, text

import models  # noqa: F401
from bot.importing import build_preview, match_headers, read_table
from bot.services import onboarding
from bot.services.access import Member
from bot.services.transfer import confirm_import
from models.company import Role
from models.db import make_engine, upgrade_schema
from models.employee import Employee
from models.ledger import LedgerMonth
from models.ledger_history import EmploymentPeriod
from policies.idnumber import check_digit
from policies.library import load_library

TODAY = date(2026, 12, 10)
STAMP = datetime(2026, 12, 10, 2, 0, tzinfo=UTC)
HEADER = ["姓名", "身份证号", "入职日期", "部门", "缴费基数", "参保地", "已缴月份"]


def make_id(serial: int) -> str:
    born = date(1960, 1, 1) + timedelta(days=serial * 3 % 15000)
    first17 = f"110101{born:%Y%m%d}{serial % 1000:03d}"
    return first17 + check_digit(first17)


def sample_sheet(rows: int) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(HEADER)
    for i in range(rows):
        hired = date(2026, 1 + i % 11, 1 + i % 28)
        paid = f"{hired:%Y-%m}~2026-{min(11, hired.month + 2):02d}" if i % 2 else ""
        name = "员工" + chr(0x4E00 + i % 2000) + chr(0x4E00 + i // 2000)
        sheet.append([name, make_id(i), hired, f"部门{i % 12}", 6000 + i % 5000, "北京", paid])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def fresh_engine(url: str | None, directory: Path, name: str) -> Engine:
    if url is None:
        engine = make_engine(f"sqlite:///{directory / name}.sqlite")
    else:
        engine = make_engine(url)
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    upgrade_schema(engine)
    return engine


def company_member(engine: Engine) -> Member:
    company = onboarding.create_company(engine, "基准测试公司", "北京", "Asia/Shanghai")
    assert company.id is not None
    return Member(0, company.id, company.name, company.city, company.timezone, Role.HR)


def run(rows: int, url: str | None) -> None:
    data = sample_sheet(rows)
    library = load_library()
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)

        started = time.perf_counter()
        table = read_table("bench.xlsx", data)
        read_seconds = time.perf_counter() - started
        started = time.perf_counter()
        preview = build_preview(
            table, match_headers(table.headers), today=TODAY, default_city="北京"
        )
        validate_seconds = time.perf_counter() - started
        assert not preview.errors, preview.errors[:3]

        engine = fresh_engine(url, directory, "import")
        member = company_member(engine)
        started = time.perf_counter()
        table = read_table("bench.xlsx", data)
        outcome = confirm_import(engine, member, "bench.xlsx", table, today=TODAY, library=library)
        import_seconds = time.perf_counter() - started
        assert outcome.created == rows
        with engine.connect() as connection:
            written = {
                model.__table__: [
                    dict(row._mapping) for row in connection.execute(select(model.__table__))
                ]
                for model in (EmploymentPeriod, LedgerMonth)
            }
        engine.dispose()

        engine = fresh_engine(url, directory, "bare")
        member = company_member(engine)
        values = [
            {
                "company_id": member.company_id,
                "name": row.name,
                "id_number": row.id_number,
                "department_id": None,
                "base": Decimal(row.base),
                "insured_city": row.city,
                "first_day": row.first_day,
                "status": "active",
                "created_at": STAMP,
            }
            for row in preview.valid
        ]
        started = time.perf_counter()
        with engine.begin() as connection:
            connection.execute(insert(Employee.__table__), values)
        bare_seconds = time.perf_counter() - started
        engine.dispose()

        # Second baseline: the same employees plus every period and ledger month the import
        # wrote, each table in one executemany — what the import costs beyond raw writes.
        engine = fresh_engine(url, directory, "bare_all")
        member = company_member(engine)
        started = time.perf_counter()
        with engine.begin() as connection:
            connection.execute(insert(Employee.__table__), values)
            for table_, rows_ in written.items():
                connection.execute(insert(table_), rows_)
        bare_all_seconds = time.perf_counter() - started
        engine.dispose()

    print(f"rows: {rows}  database: {url or 'sqlite (temporary file)'}")
    print(f"  read .xlsx (openpyxl read-only): {read_seconds:.3f} s")
    print(f"  validate rows:                   {validate_seconds:.3f} s")
    print(
        f"  full import after 确认:           {import_seconds:.3f} s  "
        f"{rows / import_seconds:,.0f} rows/s  ({outcome.ledger_rows} ledger months)"
    )
    print(
        f"  bare bulk insert (baseline):     {bare_seconds:.3f} s  "
        f"{rows / bare_seconds:,.0f} rows/s"
    )
    print(f"  ratio import / bare insert:      {import_seconds / bare_seconds:.1f}x")
    total = rows + sum(len(v) for v in written.values())
    print(
        f"  bare insert of all {total} rows the import writes: {bare_all_seconds:.3f} s; "
        f"ratio {import_seconds / bare_all_seconds:.1f}x"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--database-url", default=None, help="PostgreSQL URL (schema is reset!)")
    args = parser.parse_args()
    run(args.rows, args.database_url)


if __name__ == "__main__":
    main()
