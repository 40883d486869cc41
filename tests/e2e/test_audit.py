"""`/audit` (issue 12): every view of personal data is recorded beside the writes, and HR read
the log by name or by day, a page at a time; logs carry ids, never a 身份证."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from harness import HR, OTHER_HR, STRANGER, BotHarness
from sqlmodel import Session
from test_conversation_switching import VALID_ID, hire
from test_transfer_flow import HEADER, confirm, make_id, send_file, xlsx

from models import audit


async def test_views_and_writes_are_listed_by_name_and_by_day(bot: BotHarness) -> None:
    await bot.join_as_hr(HR)
    await hire(bot, "陈明远", VALID_ID)
    await hire(bot, "李静", make_id(5))
    await bot.say(HR, "/employee 陈明远")
    [exported] = await bot.say(HR, "/export")
    assert exported.document_name

    [log] = await bot.say(HR, "/audit")
    assert log.text.startswith("审计日志\n共 6 条\n")
    assert "查看个人信息·导出（含完整身份证） 陈明远、李静" in log.text
    assert "查看个人信息·员工详情 陈明远" in log.text
    assert "入职登记 陈明远" in log.text and "入职登记 李静" in log.text
    assert f"用户 {HR}" in log.text and VALID_ID not in log.text

    [mine] = await bot.say(HR, "/audit 陈明远")
    assert "姓名包含“陈明远”" in mine.text
    assert "入职登记 陈明远" in mine.text and "员工详情 陈明远" in mine.text
    assert "入职登记 李静" not in mine.text
    # audit_log.at is the real time of the write (models.types.utcnow), not the test's clock
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    [by_day] = await bot.say(HR, f"/audit {today.isoformat()}")
    assert "入职登记 陈明远" in by_day.text
    [other_day] = await bot.say(HR, f"/audit {(today - timedelta(days=3)).isoformat()}")
    assert "没有记录" in other_day.text
    [nobody] = await bot.say(HR, "/audit 王五")
    assert "没有姓名包含“王五”的员工" in nobody.text


async def test_pages_of_ten_and_other_companies_never_shown(bot: BotHarness) -> None:
    company = await bot.join_as_hr(HR)
    other = await bot.join_as_hr(OTHER_HR, company="另一家公司")
    with Session(bot.engine) as session:
        for n in range(23):
            audit.record(session, company, HR, "task.done", task_id=n)
        audit.record(session, other, OTHER_HR, "employee.hired", employee_id=999)
        session.commit()
    [first] = await bot.say(HR, "/audit")
    assert "第 1/3 页" in first.text and first.text.count("完成待办") == 10
    [second] = await bot.press(HR, "下一页 ▶")
    assert "第 2/3 页" in second.text
    [theirs] = await bot.say(OTHER_HR, "/audit")
    assert "完成待办" not in theirs.text and "入职登记" in theirs.text
    # A stranger is refused; a forged page button for another company is stale.
    [refused] = await bot.say(STRANGER, "/audit")
    assert "审计日志" not in refused.text
    query_id = bot.api.press_button(OTHER_HR, theirs.message_id, f"audit:page:{company}:2:all",
                                    strict=False)
    await bot.api.wait_until(
        lambda: any(a.callback_query_id == query_id for a in bot.api.answered_callbacks))
    await bot.api.expect_silence(OTHER_HR)


async def test_logs_carry_no_id_number_over_hire_import_and_backpay(
    bot: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    # The levels `hrbot run` sets at its most verbose (bot/logging_setup.py): our code at
    # DEBUG; PTB and tornado, which log whole updates at DEBUG, held at INFO; httpx at WARNING.
    # (set_level also sets the capture handler's level: the root's DEBUG goes last)
    for chatty in ("telegram", "tornado"):
        caplog.set_level(logging.INFO, logger=chatty)
    caplog.set_level(logging.WARNING, logger="httpx")
    caplog.set_level(logging.DEBUG)
    await bot.join_as_hr(HR)
    await hire(bot, "陈明远", VALID_ID)
    await send_file(bot, "花名册.xlsx", xlsx([
        HEADER, ["王芳", make_id(42), "2026-11-02", "前厅", 8000, "北京", ""],
    ]))
    assert "新增 1 人" in (await confirm(bot)).text
    await bot.say(HR, "/backpay")
    await bot.press(HR, "陈明远")
    await bot.press(HR, "✅ 按未缴月份（1个）")
    [result] = await bot.say(HR, "2027-01-20")
    assert "滞纳金" in result.text
    await bot.say(HR, f"/employee {VALID_ID}")
    ours = [r for r in caplog.records if r.name.startswith("bot.services")]
    assert len(ours) >= 2, "the hire and the import log (ids): else this would prove nothing"
    logged = "\n".join(r.getMessage() + repr(r.args) for r in caplog.records) + caplog.text
    assert VALID_ID not in logged and make_id(42) not in logged
