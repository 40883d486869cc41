"""/policy 上海 (a city and nothing else) offers that city's topics instead of an apology."""

from __future__ import annotations

from harness import HR, BotHarness


async def test_policy_with_only_a_city_offers_that_city_s_topics(bot: BotHarness) -> None:
    await bot.join_as_hr(HR)                               # a 北京 company
    for asked in ("/policy 上海", "上海市"):
        (prompt,) = await bot.say(HR, asked)
        assert "抱歉" not in prompt.text, asked
        assert "上海跨年补缴需要什么材料" in prompt.text and "按上海回答" in prompt.text
    answer = (await bot.press(HR, "滞纳金"))[0].text
    assert answer.startswith("📖 上海·滞纳金")
