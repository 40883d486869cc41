"""/trend through the real Application: the figures with their n, a plain warning when n is
too small, and cases per quarter before and after the bot."""

from __future__ import annotations

from datetime import datetime

from harness import HR, SHANGHAI, BotHarness
from test_reminders import hire


async def test_trend_says_when_n_is_too_small(bot: BotHarness) -> None:
    await bot.join_as_hr(HR)
    await hire(bot)  # 陈明远, 后厨: registration due 2026-12-31, never done
    bot.clock.set(datetime(2027, 1, 20, 10, tzinfo=SHANGHAI))
    (report,) = await bot.say(HR, "/trend")
    text = report.text
    assert "社保趋势分析（2026-01-20 至 2027-01-20）" in text
    assert "后厨：及时率 0%（2 项），离职率 0%（0/1 人）" in text
    assert "相关系数：无法计算（n = 1" in text
    assert "2026Q3（使用前）：0 个" in text and "2027Q1：0 个" in text
    assert "不画趋势线" in text
