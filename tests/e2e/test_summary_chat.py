"""/summary through the real Application: HR get the company, a manager only their
departments; the chart and the .xlsx open and hold the numbers of the message."""

from __future__ import annotations

import io
from datetime import date, datetime
from decimal import Decimal

from harness import HR, SHANGHAI, BotHarness
from openpyxl import load_workbook
from PIL import Image
from test_reminders import hire

from models.company import Membership, Role
from models.db import unit_of_work
from models.employee import Employee, get_or_create_department

MANAGER = 3001
MONDAY = datetime(2026, 12, 7, 10, tzinfo=SHANGHAI)


def add_front_desk_hire(bot: BotHarness, company_id: int) -> int:
    """王芳 starts 2026-12-02 in 前厅; returns the department id."""
    with unit_of_work(bot.engine) as session:
        dept = get_or_create_department(session, company_id, "前厅")
        assert dept.id is not None
        session.add(
            Employee(
                company_id=company_id,
                name="王芳",
                id_number="110101199003070011",
                department_id=dept.id,
                base=Decimal(6000),
                insured_city="北京",
                first_day=date(2026, 12, 2),
            )
        )
        session.add(
            Membership(
                company_id=company_id,
                telegram_user_id=MANAGER,
                chat_id=MANAGER,
                display_name="前厅经理",
                role=Role.MANAGER,
                scope={"departments": [dept.id]},
            )
        )
        return dept.id


def sheet_rows(data: bytes, title: str) -> list[list[object]]:
    book = load_workbook(io.BytesIO(data))
    return [list(row) for row in book[title].iter_rows(values_only=True)]


async def test_hr_summary_message_chart_and_workbook_agree(bot: BotHarness) -> None:
    company_id = await bot.join_as_hr(HR)
    await hire(bot)  # 陈明远, 后厨, first day 2026-12-01
    add_front_desk_hire(bot, company_id)
    bot.clock.set(MONDAY)
    text, chart, workbook = await bot.say(HR, "/summary", expect=3)
    assert "每周社保简报 2026-11-30 至 2026-12-06" in text.text
    assert "新入职 2 人：陈明远、王芳" in text.text
    assert "HR部门：" in text.text and "后厨：" in text.text and "前厅：" in text.text
    assert chart.photo is not None and chart.document_bytes is not None
    image = Image.open(io.BytesIO(chart.document_bytes))
    assert image.format == "PNG" and image.size[0] > 300
    assert workbook.document_name == "summary-2026-11-30.xlsx"
    assert workbook.document_bytes is not None
    counts = dict(sheet_rows(workbook.document_bytes, "汇总"))
    assert counts["新入职"] == 2
    hires = sheet_rows(workbook.document_bytes, "新入职")[1:]
    assert [row[0] for row in hires] == ["陈明远", "王芳"]
    scores = sheet_rows(workbook.document_bytes, "考核得分")[1:]
    for tag, name, score, previous, _change, weight in scores:
        label = "HR部门" if tag == "HR" else name
        shown = f"{Decimal(str(score)).normalize():f} / {weight} 分"
        before = f"{Decimal(str(previous)).normalize():f}"
        assert f"{label}：{shown}（上周 {before}" in text.text


async def test_a_manager_gets_only_their_departments(bot: BotHarness) -> None:
    company_id = await bot.join_as_hr(HR)
    await hire(bot)
    add_front_desk_hire(bot, company_id)
    bot.clock.set(MONDAY)
    text, _chart, workbook = await bot.say(MANAGER, "/summary", expect=3)
    assert "范围：前厅" in text.text and "新入职 1 人：王芳" in text.text
    assert "后厨" not in text.text and "陈明远" not in text.text and "HR部门" not in text.text
    assert workbook.document_bytes is not None
    assert [r[1] for r in sheet_rows(workbook.document_bytes, "考核得分")[1:]] == ["前厅"]
    assert "陈明远" not in str(sheet_rows(workbook.document_bytes, "新入职"))
