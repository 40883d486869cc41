"""The weekly summary through the durable outbox: every Monday at the send hour each HR gets
the company and each manager only their departments, with the chart and the .xlsx; a restart
on Monday does not send it twice."""

from __future__ import annotations

import io
from datetime import datetime

import pytest
from harness import HR, SHANGHAI, BotHarness
from openpyxl import load_workbook
from PIL import Image
from sqlmodel import Session, select
from test_reminders import hire, scheduler_of
from test_summary_chat import MANAGER, add_front_desk_hire

from bot.services.reminder_planning import plan_weekly_summaries
from bot.settings import Settings, load_settings
from models.db import unit_of_work
from models.reminder import Reminder

MONDAY_9 = datetime(2026, 12, 7, 9, 0, tzinfo=SHANGHAI)


@pytest.fixture
def settings() -> Settings:
    """The shipped config.toml turns the Monday push on; the bare defaults do not."""
    return load_settings(path="/nonexistent/config.toml", env={"HRBOT_KPI_WEEKLY_SUMMARY": "1"})


def summaries(bot: BotHarness, chat_id: int) -> list:
    return [m for m in bot.api.sent(chat_id) if "每周社保简报" in (m.text or "")]


def files(bot: BotHarness, chat_id: int) -> list:
    return [m for m in bot.api.sent(chat_id) if m.document_bytes is not None]


async def tick(bot: BotHarness, instant: datetime) -> None:
    bot.clock.set(instant)
    await scheduler_of(bot).tick()


async def test_monday_summary_goes_to_each_reader_once_with_its_files(bot: BotHarness) -> None:
    company_id = await bot.join_as_hr(HR)
    await hire(bot)  # 陈明远, 后厨
    add_front_desk_hire(bot, company_id)  # 王芳, 前厅; MANAGER scoped to 前厅
    await tick(bot, datetime(2026, 12, 7, 8, 0, tzinfo=SHANGHAI))
    assert summaries(bot, HR) == [], "not before the send hour"
    await tick(bot, MONDAY_9)
    (hr_text,) = summaries(bot, HR)
    assert "新入职 2 人" in hr_text.text and "HR部门" in hr_text.text
    (manager_text,) = summaries(bot, MANAGER)
    assert "范围：前厅" in manager_text.text and "新入职 1 人：王芳" in manager_text.text
    assert "后厨" not in manager_text.text and "陈明远" not in manager_text.text
    chart, workbook = files(bot, MANAGER)
    assert chart.document_bytes is not None and workbook.document_bytes is not None
    assert Image.open(io.BytesIO(chart.document_bytes)).format == "PNG"
    book = load_workbook(io.BytesIO(workbook.document_bytes))
    assert [r[0] for r in book["新入职"].iter_rows(min_row=2, values_only=True)] == ["王芳"]
    assert len(files(bot, HR)) == 2

    await bot.restart()
    await tick(bot, datetime(2026, 12, 7, 9, 30, tzinfo=SHANGHAI))
    await tick(bot, datetime(2026, 12, 7, 15, 0, tzinfo=SHANGHAI))
    assert len(summaries(bot, HR)) == 1 and len(summaries(bot, MANAGER)) == 1
    assert len(files(bot, HR)) == 2 and len(files(bot, MANAGER)) == 2


async def test_planning_twice_makes_one_row_per_reader_and_week(bot: BotHarness) -> None:
    company_id = await bot.join_as_hr(HR)
    add_front_desk_hire(bot, company_id)
    for _ in range(2):  # a second scheduler's planning finds the rows and adds none
        with unit_of_work(bot.engine) as session:
            plan_weekly_summaries(session, company_id, now=MONDAY_9)
    with Session(bot.engine) as session:
        rows = session.exec(select(Reminder).where(Reminder.kind == "weekly_summary")).all()
    assert len(rows) == 2 and {r.due_date.isoformat() for r in rows} == {"2026-12-07"}
    with unit_of_work(bot.engine) as session:  # Thursday: past the catch-up window
        assert plan_weekly_summaries(
            session, company_id, now=datetime(2026, 12, 10, 9, tzinfo=SHANGHAI)
        ) == 0

