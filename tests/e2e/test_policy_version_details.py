"""/policy_version details an HR user can act on: a passed deadline says so and names the next
one; a city outside the library says the details are the national rules."""

from __future__ import annotations

from datetime import datetime

from harness import HR, SHANGHAI, BotHarness


async def test_a_passed_monthly_deadline_says_so_and_names_the_next(bot: BotHarness) -> None:
    await bot.join_as_hr(HR)                               # 北京: due the 25th
    bot.clock.set(datetime(2026, 12, 28, 10, 0, tzinfo=SHANGHAI))
    text = (await bot.say(HR, "/policy_version"))[0].text
    assert "本月缴费截止：2026-12-25（周五）（已过；下月截止 2027-01-25（周一））" in text


async def test_a_city_outside_the_library_is_said_to_be_national(bot: BotHarness) -> None:
    await bot.join_as_hr(HR)
    text = (await bot.say(HR, "/policy_version 南京"))[0].text
    assert "政策库未收录南京" in text and "全国详情" in text


async def test_an_assumed_monthly_deadline_is_marked_unconfirmed(bot: BotHarness) -> None:
    await bot.join_as_hr(HR)
    text = (await bot.say(HR, "/policy_version 广州"))[0].text   # the 15th is hrbot's assumption
    (line,) = [x for x in text.splitlines() if x.startswith("本月缴费截止")]
    assert "（未确认）" in line
    beijing = (await bot.say(HR, "/policy_version"))[0].text      # 北京's 25th is sourced
    (line,) = [x for x in beijing.splitlines() if x.startswith("本月缴费截止")]
    assert "未确认" not in line
