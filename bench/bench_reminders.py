"""Benchmark: the reminder tick's due query + claim against a plain indexed SELECT.

100,000 employees in 1,000 companies, each with a registration task and its reminder rows
(day 23 sent, day 28 and the first overdue alert pending), 1 % of them due now. Each tick
claims a batch (`claim_due`: UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED) RETURNING);
the baseline updates the same rows to the same values by primary key (the claim's writes
without its search), interleaved with the claims in the same process. A third line times a
whole tick (it drains every due row: claim, compose, record delivery, mark sent) with a channel
that sends nothing, per reminder.

    .venv/bin/python bench/bench_reminders.py                       # SQLite (temp file)
    .venv/bin/python bench/bench_reminders.py --url postgresql+psycopg://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import Engine, and_, insert, select, text, update
from sqlalchemy.engine import make_url
from sqlmodel import col

from bot.channels.base import ChannelKind, Delivered, Endpoint, Rendered
from bot.channels.present import present
from bot.clock import ManualClock
from bot.services.reminder_delivery import BATCH, ReminderScheduler, claim_due
from bot.settings import ReminderConfig as ReminderDefaults
from models.company import Company, Membership
from models.db import make_engine, upgrade_schema
from models.employee import Employee
from models.reminder import Reminder, is_open
from models.secret_box import new_key
from models.task import Task
from policies.timezones import DEFAULT_TIMEZONE, today_in

NOW = datetime(2026, 12, 24, 1, 30, tzinfo=UTC)  # 09:30 in Shanghai
CHUNK = 10_000
SCHEMA = "hrbot_bench"

# A throwaway key seals the benchmark's 身份证 (models/sealed.py).
os.environ.setdefault("HRBOT_SECRET_KEY", new_key())


def seed(engine: Engine, companies: int, employees: int, due_share: float) -> int:
    """Insert the data set; returns the number of due reminder rows."""
    per_company = employees // companies
    every = max(1, round(1 / due_share)) if due_share else 0
    with engine.begin() as c:
        company_ids = (
            c.execute(
                insert(Company).returning(Company.id),  # type: ignore[arg-type]
                [
                    {
                        "name": f"公司{n}",
                        "city": "北京",
                        "timezone": "Asia/Shanghai",
                        "created_at": NOW,
                    }
                    for n in range(companies)
                ],
            )
            .scalars()
            .all()
        )
        c.execute(
            insert(Membership),
            [
                {
                    "company_id": cid,
                    "telegram_user_id": 10_000 + cid,
                    "chat_id": 10_000 + cid,
                    "display_name": "HR",
                    "role": "hr",
                    "active": True,
                    "created_at": NOW,
                }
                for cid in company_ids
            ],
        )
    due = 0
    serial = 0
    for start in range(0, employees, CHUNK):
        batch = range(start, min(start + CHUNK, employees))
        with engine.begin() as c:
            employee_ids = (
                c.execute(
                    insert(Employee).returning(Employee.id),  # type: ignore[arg-type]
                    [
                        {
                            "company_id": company_ids[n // per_company % companies],
                            "name": f"员工{n}",
                            "id_number": f"{n:018d}",
                            "id_hash": f"{n:018d}",
                            "base": 5000,
                            "insured_city": "北京",
                            "first_day": date(2026, 12, 1) - timedelta(n % 20),
                            "status": "active",
                            "created_at": NOW,
                        }
                        for n in batch
                    ],
                )
                .scalars()
                .all()
            )
            task_rows = [
                {
                    "company_id": company_ids[n // per_company % companies],
                    "employee_id": e,
                    "kind": "registration",
                    "title": "社保登记",
                    "due_date": date(2026, 12, 31),
                    "status": "open",
                    "created_at": NOW,
                    "updated_at": NOW,
                }
                for n, e in zip(batch, employee_ids, strict=True)
            ]
            task_ids = c.execute(insert(Task).returning(Task.id), task_rows).scalars().all()  # type: ignore[arg-type]
            reminders = []
            for row, task_id in zip(task_rows, task_ids, strict=True):
                serial += 1
                is_due = bool(every) and serial % every == 0
                due += is_due
                common = {
                    "company_id": row["company_id"],
                    "subject": f"task:{task_id}",
                    "task_id": task_id,
                    "attempts": 0,
                    "is_catch_up": False,
                    "is_snooze": False,
                    "created_at": NOW,
                    "updated_at": NOW,
                    "sent_at": None,
                }
                past, soon, later = (
                    NOW - timedelta(days=3),
                    NOW - timedelta(minutes=1),
                    NOW + timedelta(days=9),
                )
                reminders += [
                    {
                        **common,
                        "kind": "registration_normal",
                        "due_date": date(2026, 12, 21),
                        "send_at": past,
                        "next_attempt_at": past,
                        "status": "sent",
                        "sent_at": past,
                    },
                    {
                        **common,
                        "kind": "registration_urgent",
                        "due_date": date(2026, 12, 26),
                        "send_at": soon if is_due else later,
                        "next_attempt_at": soon if is_due else later,
                        "status": "pending",
                    },
                    {
                        **common,
                        "kind": "registration_overdue",
                        "due_date": date(2027, 1, 4),
                        "send_at": later + timedelta(days=2),
                        "next_attempt_at": later + timedelta(days=2),
                        "status": "pending",
                    },
                ]
            c.execute(insert(Reminder), reminders)
    with engine.begin() as c:
        c.execute(text("ANALYZE"))
    return due


def reset_claims(engine: Engine) -> None:
    """Give every claimed or sent-by-the-bench row back, so each run sees the same due set."""
    with engine.begin() as c:
        c.execute(
            update(Reminder)
            .where(
                Reminder.kind == "registration_urgent",
                col(Reminder.next_attempt_at) <= NOW + timedelta(hours=1),
            )
            .values(
                status="pending",
                claimed_by=None,
                claimed_until=None,
                next_attempt_at=NOW - timedelta(minutes=1),
                sent_at=None,
            )
        )
        c.execute(text("DELETE FROM reminder_delivery"))


def due_ids(engine: Engine) -> list[int]:
    """The rows the next claim will take: the same due predicate and order, read-only."""
    statement = (
        select(Reminder.id)
        .where(and_(is_open(), col(Reminder.next_attempt_at) <= NOW))
        .order_by(col(Reminder.next_attempt_at))
        .limit(BATCH)
    )
    with engine.connect() as c:
        return list(c.execute(statement).scalars())


def update_by_key(engine: Engine, ids: list[int]) -> int:
    """The baseline: the same rows set to the same claimed values, found by primary key.

    It does the claim's writes (same rows, same columns, same indexes, one commit) without
    the search, so the ratio is what finding the due rows under SKIP LOCKED costs on top."""
    until = NOW + timedelta(minutes=5)
    statement = (
        update(Reminder)
        .where(col(Reminder.id).in_(ids))
        .values(
            status="claimed",
            claimed_by="bench",
            claimed_until=until,
            next_attempt_at=until,
            updated_at=NOW,
        )
        .returning(col(Reminder.id))
    )
    with engine.begin() as c:
        return len(c.execute(statement).all())


def timed(fn: Callable[[], int], repeat: int, between: Callable[[], None]) -> list[float]:
    samples = []
    for _ in range(repeat):
        between()
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return samples


class NullChannel:
    kind = ChannelKind.TELEGRAM

    async def send_text(self, endpoint: Endpoint, message: Rendered) -> Delivered:
        return Delivered(1)

    async def send_file(
        self, endpoint: Endpoint, filename: str, content: bytes, caption: Rendered | None
    ) -> Delivered:
        return Delivered(1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="database URL (default: a temporary SQLite file)")
    parser.add_argument("--companies", type=int, default=1_000)
    parser.add_argument("--employees", type=int, default=100_000)
    parser.add_argument("--due-share", type=float, default=0.01)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()

    tmp = None
    if args.url:
        admin = make_engine(args.url)
        with admin.begin() as c:
            c.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
            c.execute(text(f"CREATE SCHEMA {SCHEMA}"))
        admin.dispose()
        url = (
            make_url(args.url)
            .update_query_dict({"options": f"-csearch_path={SCHEMA}"})
            .render_as_string(hide_password=False)
        )
    else:
        tmp = tempfile.TemporaryDirectory()
        url = f"sqlite:///{tmp.name}/bench.sqlite"
    engine = make_engine(url)
    upgrade_schema(engine)
    started = time.perf_counter()
    due = seed(engine, args.companies, args.employees, args.due_share)
    with engine.connect() as c:
        rows = c.execute(text("SELECT count(*) FROM reminder")).scalar_one()
    print(
        f"backend {engine.dialect.name}; {args.employees:,} employees in {args.companies:,} "
        f"companies; {rows:,} reminder rows, {due:,} due; seeded in "
        f"{time.perf_counter() - started:.1f}s"
    )

    ids: list[int] = []

    def reset_and_find() -> None:
        reset_claims(engine)
        ids[:] = due_ids(engine)

    # Interleaved, so both see the same machine load: baseline, claim, baseline, claim …
    baseline_s: list[float] = []
    claim_s: list[float] = []
    for _ in range(args.repeat):
        baseline_s += timed(lambda: update_by_key(engine, ids), 1, reset_and_find)
        claim_s += timed(lambda: len(claim_due(engine, "bench", NOW)), 1, reset_and_find)
    scheduler = ReminderScheduler(
        engine, ManualClock(NOW), NullChannel(), ReminderDefaults(), present=present,
        worker="bench-tick",
    )
    # time the claim-and-send path only
    scheduler._planned_on = {DEFAULT_TIMEZONE: today_in(DEFAULT_TIMEZONE, NOW)}
    claimed: list[int] = []

    def full_tick() -> int:
        claimed.append(asyncio.run(scheduler.tick()).claimed)
        return claimed[-1]

    tick_s = timed(full_tick, max(3, args.repeat // 10), lambda: reset_claims(engine))
    baseline = statistics.median(baseline_s)
    claim = statistics.median(claim_s)
    tick = statistics.median(tick_s)
    per = tick / max(1, claimed[-1])
    print(f"UPDATE of the same {BATCH} rows by primary key: {baseline * 1000:8.2f} ms (median)")
    print(f"due query + claim of {BATCH} rows:              {claim * 1000:8.2f} ms (median)")
    print(f"ratio claim / update by key:                   {claim / baseline:8.2f}x")
    print(
        f"full tick (drains all {claimed[-1]:,} due, null channel): {tick * 1000:8.1f} ms "
        f"({per * 1000:.2f} ms per reminder; Telegram's 30 msg/s allows 33.3 ms)"
    )
    engine.dispose()
    if args.url:
        admin = make_engine(args.url)
        with admin.begin() as c:
            c.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
        admin.dispose()
    if tmp is not None:
        tmp.cleanup()


if __name__ == "__main__":
    main()
