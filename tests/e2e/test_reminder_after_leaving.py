"""A hire who left before being registered: the registration is still owed for the days worked,
so reminders continue, but they say the person has left and price only the months worked."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from harness import HR, BotHarness
from test_reminders import at, hire, tick_and_read

from policies.backpay import back_payment
from policies.library import load_library


async def leave_on(bot: BotHarness, last_day: str) -> None:
    await bot.say(HR, "/leave")
    await bot.press(HR, "陈明远（后厨）")
    await bot.say(HR, last_day)
    await bot.press(HR, "合同到期")
    (done,) = await bot.press(HR, "✅ 确认")
    assert "已登记离职" in done.text


async def test_reminders_for_a_hire_who_left_say_so(bot: BotHarness) -> None:
    await bot.join_as_hr(HR)
    await hire(bot)                                        # first day 2026-12-01, 北京, 5000
    await leave_on(bot, "12月10日")
    (normal,) = await tick_and_read(bot, at(12, 24))
    assert "入职已满" not in normal.text
    assert "已于 2026-12-10（周四）离职" in normal.text
    assert "2026-12-31（周四）" in normal.text and "剩余 7 天" in normal.text


async def test_overdue_late_fee_counts_only_the_months_worked(bot: BotHarness) -> None:
    await bot.join_as_hr(HR)
    await hire(bot)
    await leave_on(bot, "12月10日")
    (overdue,) = await tick_and_read(bot, at(2, 1, year=2027))
    worked = back_payment(load_library().region("北京"), Decimal("5000"),
                          [date(2026, 12, 1)], date(2027, 2, 1)).late_fee
    assert f"预计滞纳金 ¥{worked:,.2f}" in overdue.text
    assert "已于 2026-12-10（周四）离职" in overdue.text
