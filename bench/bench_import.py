"""Benchmark: import 5,000 employees from an .xlsx, against a bare bulk insert of the same rows.

    .venv/bin/python bench/bench_import.py [--rows 5000] [--database-url URL]

Both runs use fresh databases migrated to head in the same process. The import run does all an
HR upload does after 确认: read the sheet, validate every row, plan against the company's data,
insert employees, periods, tasks and ledger months in one transaction (the sheet is read and
previewed before, as HR saw the preview before pressing 确认; those steps are timed apart). The
baseline inserts every row the import wrote, in every table, one executemany per table in one
transaction. Prints rows/second and the ratio. On PostgreSQL it uses schemas of its own.
"""

from __future__ import annotations

import argparse
import io
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import bench_engine, drop_bench_schema
from openpyxl import Workbook
from sqlalchemy import Engine, Table, insert, select
from sqlmodel import SQLModel

import models  # noqa: F401
from bot.importing import build_preview, match_headers, read_table
from bot.services import onboarding
from bot.services.access import Member
from bot.services.transfer import confirm_import
from models.company import Role
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


def company_member(engine: Engine) -> Member:
    company = onboarding.create_company(engine, "基准测试公司", "北京", "Asia/Shanghai")
    assert company.id is not None
    return Member(0, company.id, company.name, company.city, company.timezone, Role.HR)


def snapshot(engine: Engine) -> dict[Table, list[dict[str, object]]]:
    """Every row of every table (in insert order of the foreign keys)."""
    with engine.connect() as connection:
        return {
            table: [dict(row._mapping) for row in connection.execute(select(table))]
            for table in SQLModel.metadata.sorted_tables
            if table.name != "alembic_version"
        }


def run(rows: int, url: str | None) -> None:
    data = sample_sheet(rows)
    library = load_library()

    started = time.perf_counter()
    table = read_table("bench.xlsx", data)
    read_seconds = time.perf_counter() - started
    started = time.perf_counter()
    preview = build_preview(table, match_headers(table.headers), today=TODAY, default_city="北京")
    validate_seconds = time.perf_counter() - started
    assert not preview.errors, preview.errors[:3]

    engine = bench_engine(url, "import")
    member = company_member(engine)
    before = snapshot(engine)
    started = time.perf_counter()
    outcome = confirm_import(engine, member, "bench.xlsx", table, today=TODAY, library=library)
    import_seconds = time.perf_counter() - started
    assert outcome.created == rows
    after = snapshot(engine)
    engine.dispose()
    # What the import wrote: every row of every table that was not there before it ran.
    written = {
        table_: [row for row in rows_ if row not in before[table_]]
        for table_, rows_ in after.items()
    }
    written = {table_: rows_ for table_, rows_ in written.items() if rows_}

    # The baseline writes exactly those rows (same ids), each table in one executemany, in one
    # transaction, on a database prepared the same way: what the import costs beyond the writes.
    engine = bench_engine(url, "bare")
    company_member(engine)
    started = time.perf_counter()
    with engine.begin() as connection:
        for table_, rows_ in written.items():
            connection.execute(insert(table_), rows_)
    bare_seconds = time.perf_counter() - started
    engine.dispose()
    drop_bench_schema(url, "import")
    drop_bench_schema(url, "bare")

    total = sum(len(rows_) for rows_ in written.values())
    print(f"rows: {rows}  database: {url or 'sqlite (temporary file)'}")
    print(f"  read .xlsx (openpyxl read-only, before 确认): {read_seconds:.3f} s")
    print(f"  validate rows (preview, before 确认):          {validate_seconds:.3f} s")
    print(
        f"  import after 确认:            {import_seconds:.3f} s  "
        f"{rows / import_seconds:,.0f} employees/s"
    )
    print(
        f"  bare insert of the same {total:,} rows "
        f"({', '.join(f'{t.name} {len(r):,}' for t, r in written.items())}): {bare_seconds:.3f} s"
    )
    print(f"  ratio import / bare insert of what it writes: {import_seconds / bare_seconds:.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument(
        "--database-url", default=None, help="PostgreSQL URL (uses its own schemas)"
    )
    args = parser.parse_args()
    run(args.rows, args.database_url)


if __name__ == "__main__":
    main()
