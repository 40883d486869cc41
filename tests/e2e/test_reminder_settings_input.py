"""/settings and 明天再提醒 as HR would misuse them: every refusal says what to type and
changes nothing; a snooze never silently lands after the deadline."""

from __future__ import annotations

from harness import HR, BotHarness
from test_reminders import at, hire, tick_and_read


async def test_settings_with_extra_words_is_refused_and_changes_nothing(
        bot: BotHarness) -> None:
    await bot.join_as_hr(HR)
    await hire(bot)
    for text in ("/settings 25 28 abc", "/settings 25 28 3", "/settings 25 二十八"):
        (refused,) = await bot.say(HR, text)
        assert refused.text.startswith("❌") and "/settings 25 28" in refused.text, text
    (shown,) = await bot.say(HR, "/settings")
    assert "入职第 23 天" in shown.text and "入职第 28 天" in shown.text


async def test_snooze_on_the_friday_before_a_sunday_deadline_warns(bot: BotHarness) -> None:
    await bot.join_as_hr(HR)
    await hire(bot, first_day="12月11日")              # deadline 2027-01-10, a Sunday
    (urgent,) = await tick_and_read(bot, at(1, 8, year=2027))   # day 28, Friday
    assert "2027-01-10（周日）" in urgent.text
    await bot.press(HR, "⏰ 明天再提醒", expect=0)
    edited = bot.api.message(HR, urgent.message_id).text
    assert "2027-01-11（周一） 09:00" in edited
    assert "截止日是 2027-01-10（周日）" in edited and "今天办理" in edited


async def test_snooze_well_before_the_deadline_has_no_warning(bot: BotHarness) -> None:
    await bot.join_as_hr(HR)
    await hire(bot)
    (reminder,) = await tick_and_read(bot, at(12, 24))
    await bot.press(HR, "⏰ 明天再提醒", expect=0)
    edited = bot.api.message(HR, reminder.message_id).text
    assert "2026-12-25（周五） 09:00" in edited and "注意" not in edited


async def test_view_shows_the_status_on_its_own_line(bot: BotHarness) -> None:
    await bot.join_as_hr(HR)
    await hire(bot)
    await tick_and_read(bot, at(12, 24))
    (details,) = await bot.press(HR, "📄 查看")
    lines = details.text.splitlines()
    assert "状态 待办理" in lines
    assert lines[-1] == "发送 /todo 查看全部待办。"


async def test_snooze_on_the_declaration_deadline_day_warns(bot: BotHarness) -> None:
    await bot.join_as_hr(HR)
    await hire(bot)
    due = await tick_and_read(bot, at(12, 25), about="申报截止")
    assert due, "the declaration deadline reminder goes out on 2026-12-25"
    # Press this reminder's own button: the same tick also sends the registration reminder,
    # and "the newest message with the button" was sometimes that one (parallel sends).
    reminder = due[-1]
    snooze = next(data for label, data in reminder.buttons if label == "⏰ 明天再提醒")
    mark = bot.api.mark()
    bot.api.press_button(HR, reminder.message_id, snooze)
    edited = (await bot.api.wait_for_edit(HR, reminder.message_id, since=mark, timeout=15)).text
    assert "2026-12-28（周一） 09:00" in edited
    assert "截止日是 2026-12-25（周五）" in edited
