"""A reply to HR goes out before a backlog of reminders (bot/send_lanes.py), end to end.

The real Application, its rate limiter and the local Bot API server: one company has many due
reminders, the tick delivers them at Telegram's 30 msg/s, and meanwhile another company's HR
types /todo. The order the server recorded the messages in shows who waited for whom.
"""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from typing import Any

import pytest
from harness import HR, OTHER_HR, BotHarness
from sqlmodel import Session

from bot.channels.base import ChannelKind
from bot.services import onboarding
from models.company import Membership
from models.employee import Employee
from models.reminder import Reminder
from models.task import Task
from policies.reminder_plan import ReminderKind

#: Due reminders in the backlog: about five seconds of sending at 30 msg/s.
BACKLOG = 200


def seed_due_reminders(bot: BotHarness, count: int) -> None:
    """A second company whose HR (OTHER_HR) has `count` registration reminders due now."""
    now = bot.clock.now()
    company = onboarding.create_company(bot.engine, "积压公司", "北京", "Asia/Shanghai")
    assert company.id is not None
    with Session(bot.engine) as session:
        session.add(Membership(company_id=company.id, telegram_user_id=OTHER_HR,
                               chat_id=OTHER_HR, display_name="HR", role="hr", active=True))
        for n in range(count):
            employee = Employee(company_id=company.id, name=f"员工{n}",
                                id_number=f"{n:018d}", id_hash=f"{n:018d}", base=5000,
                                insured_city="北京", first_day=date(2026, 11, 1),
                                status="active")
            session.add(employee)
            session.flush()
            task = Task(company_id=company.id, employee_id=employee.id, kind="registration",
                        title="社保登记", due_date=date(2026, 12, 1), status="open")
            session.add(task)
            session.flush()
            session.add(Reminder(company_id=company.id, subject=f"task:{task.id}",
                                 task_id=task.id, kind=ReminderKind.REGISTRATION_URGENT,
                                 due_date=date(2026, 11, 28), send_at=now - timedelta(hours=1),
                                 next_attempt_at=now - timedelta(minutes=1)))
        session.commit()


async def test_replies_are_sent_before_a_backlog_of_reminders_has_drained(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    await bot.join_as_hr(HR)
    seed_due_reminders(bot, BACKLOG)
    assert bot.app is not None and bot.app.services.reminders is not None
    scheduler = bot.app.services.reminders
    # Every due reminder in flight at once (the tick keeps 8), so the rate limiter alone
    # decides the order, as it does for any burst larger than what is in flight.
    scheduler.parallel = BACKLOG

    def reminders() -> int:
        return len(bot.api.sent(OTHER_HR))

    # What the rate limiter did, whichever the Application was built with: how many reminders
    # it had released when each request to HR's chat reached it.
    limiter_class = type(bot.app.bot.rate_limiter)
    process_request = limiter_class.process_request
    released: list[int] = []
    reached_limiter: list[int] = []

    async def noted(self: Any, callback: Any, args: Any, kwargs: Any, endpoint: str,
                    data: dict[str, Any], rate_limit_args: Any) -> Any:
        chat = data.get("chat_id")
        if chat == HR:
            reached_limiter.append(len(released))

        async def release(*call_args: Any, **call_kwargs: Any) -> Any:
            if chat == OTHER_HR:
                released.append(1)
            return await callback(*call_args, **call_kwargs)

        return await process_request(self, release, args, kwargs, endpoint, data,
                                     rate_limit_args)

    monkeypatch.setattr(limiter_class, "process_request", noted)
    channel = scheduler.channels[ChannelKind.TELEGRAM]
    handed: list[int] = []
    send_text = channel.send_text

    async def counted(*args: Any, **kwargs: Any) -> Any:
        handed.append(1)
        return await send_text(*args, **kwargs)

    monkeypatch.setattr(channel, "send_text", counted)
    tick = asyncio.create_task(scheduler.tick())
    # The whole backlog is composed and waits in the rate limiter, its delivery past the
    # first second's burst.
    await bot.eventually(lambda: len(handed) == BACKLOG, timeout=30)
    await bot.eventually(lambda: reminders() >= 45, timeout=30)

    # HR types three commands while the backlog drains.
    overtaken_by = []
    for _ in range(3):
        (reply,) = await bot.say(HR, "/todo")
        assert "待办" in reply.text
        order = [m.chat_id for m in bot.api.sent() if m.chat_id in (HR, OTHER_HR)]
        sent_before_reply = order[: len(order) - order[::-1].index(HR)].count(OTHER_HR)
        overtaken_by.append(sent_before_reply - reached_limiter[-1])
    report = await asyncio.wait_for(tick, timeout=60)

    # In the order the server recorded them, no reminder still waiting when a reply reached
    # the rate limiter went before it: the only ones in between were released with it (a
    # slot freed by a late timer releases at most a second's worth, 30, at once).
    assert all(n <= 30 for n in overtaken_by), overtaken_by
    assert len(released) > reached_limiter[-1] + 30, "the backlog had drained before the replies"
    assert report.claimed == BACKLOG
