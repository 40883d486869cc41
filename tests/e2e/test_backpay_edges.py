"""/backpay edge cases an HR user meets: a December paid in January is 跨年 only by calendar
year, so the answer must say how it counted and whom to ask."""

from __future__ import annotations

from harness import HR, BotHarness

from policies.backpay import CROSS_YEAR_BASIS_NOTE


async def test_cross_year_warning_says_it_counts_calendar_years(bot: BotHarness) -> None:
    await bot.join_as_hr(HR)
    await bot.say(HR, "/backpay")
    await bot.say(HR, "5000")
    await bot.say(HR, "2025-12 2026-01")
    result = (await bot.say(HR, "2026-01-20"))[0].text
    assert "跨年补缴" in result
    assert "按自然年" in CROSS_YEAR_BASIS_NOTE and "7月至次年6月" in CROSS_YEAR_BASIS_NOTE
    assert CROSS_YEAR_BASIS_NOTE in result


async def test_no_cross_year_note_within_one_calendar_year(bot: BotHarness) -> None:
    await bot.join_as_hr(HR)
    await bot.say(HR, "/backpay")
    await bot.say(HR, "5000")
    await bot.say(HR, "2026-09 2026-10")
    result = (await bot.say(HR, "2026-11-20"))[0].text
    assert "跨年补缴" not in result and "7月至次年6月" not in result


async def test_totals_resting_on_unconfirmed_rates_say_so(bot: BotHarness) -> None:
    await bot.join_as_hr(HR)
    await bot.say(HR, "/backpay")
    await bot.say(HR, "5000")
    await bot.say(HR, "2026-01")
    result = (await bot.say(HR, "2026-02-10"))[0].text
    # 2026 unemployment rates and the class-1 work-injury rate are U in the library
    assert "失业保险（未确认）：单位" in result
    assert "工伤保险（未确认）：单位" in result
    assert "养老保险：单位" in result                      # confirmed figures stay plain
    assert "（含未确认数值，仅供估算）" in result.split("总计")[1].splitlines()[0]


async def test_a_bad_base_without_employees_does_not_point_at_missing_buttons(
        bot: BotHarness) -> None:
    await bot.join_as_hr(HR)
    (ask,) = await bot.say(HR, "/backpay")
    assert ask.buttons == [] or all("backpay:emp" not in data for _, data in ask.buttons)
    (refused,) = await bot.say(HR, "五千块")
    assert "不是有效金额" in refused.text and "例如 5000" in refused.text
    assert "员工按钮" not in refused.text


async def test_typed_angle_brackets_are_refused_not_crashing(bot: BotHarness) -> None:
    """A refusal quotes what HR typed; a `<` in it must not break the HTML reply."""
    await bot.join_as_hr(HR)
    await bot.say(HR, "/backpay")
    (refused,) = await bot.say(HR, "<5000>")
    assert "<5000>" in refused.text and "抱歉" not in refused.text
    await bot.say(HR, "5000")
    (months,) = await bot.say(HR, "2026-13<")
    assert "2026-13<" in months.text and "抱歉" not in months.text
    assert bot.api.errors == []
