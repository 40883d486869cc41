"""/settings and 明天再提醒 as HR would misuse them: every refusal says what to type and
changes nothing; a snooze never silently lands after the deadline."""

from __future__ import annotations

from harness import HR, BotHarness
from test_reminders import hire


async def test_settings_with_extra_words_is_refused_and_changes_nothing(
        bot: BotHarness) -> None:
    await bot.join_as_hr(HR)
    await hire(bot)
    for text in ("/settings 25 28 abc", "/settings 25 28 3", "/settings 25 二十八"):
        (refused,) = await bot.say(HR, text)
        assert refused.text.startswith("❌") and "/settings 25 28" in refused.text, text
    (shown,) = await bot.say(HR, "/settings")
    assert "入职第 23 天" in shown.text and "入职第 28 天" in shown.text
