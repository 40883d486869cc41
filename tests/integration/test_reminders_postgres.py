"""Two schedulers against one PostgreSQL database never send the same reminder twice.

Runs only with HRBOT_TEST_PG_URL (e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test).
It migrates a schema of its own, named per process, and drops it afterwards, so it never
touches the tables of other tests running on the same database.
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import Engine, func, insert, select, text
from sqlalchemy.engine import make_url

from bot.channels.base import ChannelKind, Delivered, Endpoint, Rendered
from bot.channels.present import present
from bot.clock import ManualClock
from bot.services.reminder_delivery import ReminderScheduler
from bot.settings import ReminderConfig as ReminderDefaults
from models.company import Company, Membership
from models.db import make_engine, upgrade_schema
from models.employee import Employee
from models.reminder import Reminder, ReminderDelivery
from models.task import Task

pytestmark = pytest.mark.postgres

PG_URL = os.environ.get("HRBOT_TEST_PG_URL")
COUNT = 1000
NOW = datetime(2026, 12, 24, 1, 30, tzinfo=UTC)  # 09:30 in Shanghai


def _schema_url(url: str, schema: str) -> str:
    return (
        make_url(url)
        .update_query_dict({"options": f"-csearch_path={schema}"})
        .render_as_string(hide_password=False)
    )


@pytest.fixture
def pg_url() -> Iterator[str]:
    if not PG_URL:
        pytest.skip("set HRBOT_TEST_PG_URL to run PostgreSQL tests")
    schema = f"hrbot_reminders_{os.getpid()}"
    admin = make_engine(PG_URL)
    with admin.begin() as connection:
        connection.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    url = _schema_url(PG_URL, schema)
    engine = make_engine(url)
    upgrade_schema(engine)
    engine.dispose()
    try:
        yield url
    finally:
        with admin.begin() as connection:
            connection.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        admin.dispose()


def seed_due_reminders(engine: Engine, count: int) -> None:
    """One company, one HR, `count` hires each with a day-23 reminder due now."""
    first_day = date(2026, 12, 1)
    with engine.begin() as c:
        company_id = c.execute(
            insert(Company)
            .values(name="并发测试", city="北京", timezone="Asia/Shanghai", created_at=NOW)
            .returning(Company.id)  # type: ignore[arg-type]
        ).scalar_one()
        c.execute(
            insert(Membership).values(
                company_id=company_id,
                telegram_user_id=1001,
                chat_id=1001,
                display_name="HR",
                role="hr",
                active=True,
                created_at=NOW,
            )
        )
        employees = (
            c.execute(
                insert(Employee).returning(Employee.id),  # type: ignore[arg-type]
                [
                    {
                        "company_id": company_id,
                        "name": f"员工{n}",
                        "id_number": f"{n:018d}",
                        "id_hash": f"{n:018d}",
                        "base": 5000,
                        "insured_city": "北京",
                        "first_day": first_day,
                        "status": "active",
                        "created_at": NOW,
                    }
                    for n in range(count)
                ],
            )
            .scalars()
            .all()
        )
        tasks = (
            c.execute(
                insert(Task).returning(Task.id),  # type: ignore[arg-type]
                [
                    {
                        "company_id": company_id,
                        "employee_id": e,
                        "kind": "registration",
                        "title": "社保登记",
                        "due_date": date(2026, 12, 31),
                        "status": "open",
                        "created_at": NOW,
                        "updated_at": NOW,
                    }
                    for e in employees
                ],
            )
            .scalars()
            .all()
        )
        send_at = NOW - timedelta(minutes=30)
        c.execute(
            insert(Reminder),
            [
                {
                    "company_id": company_id,
                    "subject": f"task:{t}",
                    "task_id": t,
                    "kind": "registration_normal",
                    "due_date": date(2026, 12, 24),
                    "send_at": send_at,
                    "next_attempt_at": send_at,
                    "status": "pending",
                    "attempts": 0,
                    "is_catch_up": False,
                    "is_snooze": False,
                    "owner_user_id": 1001,
                    "created_at": NOW,
                    "updated_at": NOW,
                }
                for t in tasks
            ],
        )


class CountingChannel:
    """Thread-safe: records which reminder each delivered message belongs to."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.delivered: Counter[int] = Counter()
        self.by_worker: Counter[str] = Counter()

    def for_worker(self, name: str) -> WorkerChannel:
        return WorkerChannel(self, name)


class WorkerChannel:
    kind = ChannelKind.TELEGRAM

    def __init__(self, shared: CountingChannel, name: str) -> None:
        self.shared = shared
        self.name = name

    async def send_text(self, endpoint: Endpoint, message: Rendered) -> Delivered:
        reminder_id = int(message.actions[0].callback_data.rsplit(":", 1)[1])
        await asyncio.sleep(0)  # let the other worker's transactions interleave
        with self.shared.lock:
            self.shared.delivered[reminder_id] += 1
            self.shared.by_worker[self.name] += 1
            return Delivered(sum(self.shared.delivered.values()))

    async def send_file(
        self, endpoint: Endpoint, filename: str, content: bytes, caption: Rendered | None
    ) -> Delivered:
        raise NotImplementedError


def run_worker(url: str, channel: WorkerChannel, barrier: threading.Barrier) -> None:
    engine = make_engine(url)
    scheduler = ReminderScheduler(
        engine, ManualClock(NOW), channel, ReminderDefaults(), present=present,
        worker=channel.name, batch=25,
    )

    async def drain() -> None:
        barrier.wait()
        while (await scheduler.tick()).claimed:
            pass

    try:
        asyncio.run(drain())
    finally:
        engine.dispose()


def test_two_schedulers_deliver_each_of_1000_reminders_once(pg_url: str) -> None:
    engine = make_engine(pg_url)
    seed_due_reminders(engine, COUNT)
    shared = CountingChannel()
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def guarded(name: str) -> None:
        try:
            run_worker(pg_url, shared.for_worker(name), barrier)
        except BaseException as error:  # surfaced below
            errors.append(error)

    threads = [threading.Thread(target=guarded, args=(n,)) for n in ("worker-a", "worker-b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not errors, errors
    assert len(shared.delivered) == COUNT
    assert set(shared.delivered.values()) == {1}, "a reminder was delivered twice"
    assert min(shared.by_worker.values()) > 0, f"both should have sent some: {shared.by_worker}"
    with engine.connect() as c:
        statuses = dict(
            c.execute(select(Reminder.status, func.count()).group_by(Reminder.status)).all()  # type: ignore[arg-type]
        )
        deliveries = c.execute(select(func.count()).select_from(ReminderDelivery)).scalar_one()
    assert statuses == {"sent": COUNT}
    assert deliveries == COUNT
    engine.dispose()
