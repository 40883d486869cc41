"""Buttons on reminders in the HR group pressed by someone who may not act on them: the
refusal goes to that person as an alert, not as a new message to the whole group."""

from __future__ import annotations

from harness import HR, STRANGER, BotHarness
from test_reminders import GROUP, at, hire, tick_and_read


async def test_a_stranger_pressing_a_group_reminder_button_gets_an_alert_only(
        bot: BotHarness) -> None:
    await bot.join_as_hr(HR)
    await bot.say(HR, "/bindgroup", chat_id=GROUP, chat_type="group", chat_title="HR群")
    await hire(bot)
    await tick_and_read(bot, at(12, 29))
    bot.api.user(STRANGER, "路人", "passer")
    before = len(bot.api.sent(GROUP))
    answers = len(bot.api.answered_callbacks)
    bot.api.press_button_text(STRANGER, "✅ 已办理", chat_id=GROUP)
    await bot.eventually(lambda: len(bot.api.answered_callbacks) > answers)
    answered = bot.api.answered_callbacks[-1]
    assert "还没有加入任何公司" in (answered.text or "") and answered.show_alert
    assert len(bot.api.sent(GROUP)) == before
    (todo,) = await bot.say(HR, "/todo")
    assert "社保登记" in todo.text                          # nothing was marked done
