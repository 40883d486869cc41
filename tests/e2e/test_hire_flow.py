"""/hire end to end: HR records a hire by conversation; the obligations exist at once."""

from __future__ import annotations

from harness import HR, BotHarness
from sqlmodel import Session, select

from models.employee import Employee
from models.ledger import LedgerMonth
from models.task import Task

VALID_ID = "110101199003071233"


async def test_smoke_hire(bot: BotHarness) -> None:
    await bot.join_as_hr(HR)
    replies = await bot.say(HR, "/hire")
    assert "入职登记（1/6）" in replies[0].text
    replies = await bot.say(HR, "陈明远")
    assert "身份证" in replies[0].text
    replies = await bot.say(HR, VALID_ID)
    assert "用工之日" in replies[0].text
    replies = await bot.say(HR, "12月1日")
    assert "部门" in replies[0].text
    replies = await bot.say(HR, "后厨")
    assert "缴费工资基数" in replies[0].text
    replies = await bot.say(HR, "5000")
    assert "参保地" in replies[0].text
    replies = await bot.press(HR, "北京（默认）")
    assert "请核对入职信息" in replies[0].text
    assert "110101********1233" in replies[0].text
    assert "2026-12-31（周四）" in replies[0].text
    replies = await bot.press(HR, "✅ 确认")
    assert "已登记" in replies[0].text
    with Session(bot.engine) as session:
        assert session.exec(select(Employee)).one().name == "陈明远"
        assert session.exec(select(Task)).one().due_date.isoformat() == "2026-12-31"
        assert session.exec(select(LedgerMonth)).one().month.isoformat() == "2026-12-01"
