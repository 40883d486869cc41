"""Issue 14 through the bot: a city named in shorthand wins over the asker's city, comparisons
come side by side, bot tasks point to their command, and /backpay lists an assumed deadline and
shows a 补差 month both ways."""

from __future__ import annotations

from harness import HR, BotHarness


async def test_shorthand_city_in_the_question_wins_over_the_company_city(bot: BotHarness) -> None:
    await bot.join_as_hr(HR)                                   # a 北京 company
    answer = (await bot.say(HR, "沪医保断缴"))[0].text
    assert answer.startswith("📖 上海·医保断缴影响"), answer


async def test_a_comparison_is_answered_side_by_side(bot: BotHarness) -> None:
    await bot.join_as_hr(HR)
    answer = (await bot.say(HR, "北京和上海的社保基数一样吗"))[0].text
    assert answer.startswith("📖 北京、上海对比·缴费基数"), answer
    assert "▶ 北京" in answer and "▶ 上海" in answer
    assert "¥7,270.00" in answer and "¥7,546.00" in answer   # both 2026年度 (2026-12-01)


async def test_a_question_about_a_bot_task_points_to_the_command(bot: BotHarness) -> None:
    await bot.join_as_hr(HR)
    answer = (await bot.say(HR, "员工离职后社保怎么减员"))[0].text
    assert "/leave" in answer and "办理减员" in answer


async def test_waiver_question_cites_the_judicial_interpretation(bot: BotHarness) -> None:
    await bot.join_as_hr(HR)
    answer = (await bot.say(HR, "员工自愿放弃社保可以吗"))[0].text
    assert "法释〔2025〕12号第19条" in answer and "来源日期 2025-08-01" in answer


async def test_backpay_lists_an_assumed_deadline_as_unconfirmed(bot: BotHarness) -> None:
    await bot.join_as_hr(HR, company="羊城茶楼", city="广州")
    await bot.say(HR, "/backpay")
    await bot.say(HR, "6000")
    await bot.say(HR, "2025-12")
    result = (await bot.say(HR, "2026-01-20"))[0].text
    unconfirmed = next(line for line in result.splitlines() if line.startswith("未确认"))
    assert "每月缴费截止日" in unconfirmed


async def test_backpay_shows_the_old_base_charge_and_the_true_up(bot: BotHarness) -> None:
    await bot.join_as_hr(HR)
    await bot.say(HR, "/backpay")
    await bot.say(HR, "5000")
    await bot.say(HR, "2025-08")
    result = (await bot.say(HR, "2025-09-10"))[0].text
    assert "先按上年度基数 ¥6,821.00" in result
    assert "2025-12-31（周三）前缴纳补差不收滞纳金" in result
