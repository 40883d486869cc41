"""A deadline found on the working-day calendar of a year whose holiday notice (国务院放假安排)
is not published yet assumes no holiday shift, and the reminder and /todo say so.

2025 and 2026 are entered (policies/data/calendar); 2027 is not. 上海's deadline is the
second-to-last working day of the month, so its January 2027 date rests on weekends only;
北京's is the 25th, not moved for holidays, so it needs no caveat.
"""

from __future__ import annotations

from datetime import datetime

from harness import HR, SHANGHAI, BotHarness

from bot.local_api import SentMessage

CAVEAT = "2027年放假安排尚未公布，截止日按只有周末休息推算，未考虑节假日调休"


def at(month: int, day: int, hour: int = 9, minute: int = 1, year: int = 2027) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


async def hire_in_december(bot: BotHarness, city_button: str) -> None:
    """/hire in January 2027 of someone who started 2026-12-01 (so January is a month of its
    own, not one paid with the registration)."""
    await bot.say(HR, "/hire")
    await bot.say(HR, "陈明远")
    await bot.say(HR, "110101199003071233")
    warned = await bot.say(HR, "2026-12-01", expect=2)       # the overdue warning, then 4/6
    assert "已过" in warned[0].text and "4/6" in warned[1].text
    await bot.say(HR, "后厨")
    await bot.say(HR, "9000")
    await bot.press(HR, city_button)
    replies = await bot.press(HR, "✅ 确认")
    assert "已登记" in replies[0].text, replies[0].text


async def declaration_reminders(bot: BotHarness, days: range) -> list[SentMessage]:
    """Run the tick each morning of January 2027 and keep the declaration reminders sent."""
    assert bot.app is not None and bot.app.services.reminders is not None
    found: list[SentMessage] = []
    for day in days:
        before = len(bot.api.sent(HR))
        bot.clock.set(at(1, day))
        await bot.app.services.reminders.tick()
        found += [m for m in bot.api.sent(HR)[before:] if "申报" in (m.text or "")
                  and "2027年1月" in (m.text or "")]
    return found


async def test_shanghai_january_2027_deadline_says_it_assumes_no_holiday_shift(
        bot: BotHarness) -> None:
    await bot.join_as_hr(HR, company="沪上咖啡", city="上海")
    bot.clock.set(at(1, 4, 10, 0))
    await hire_in_december(bot, "上海（默认）")

    todo = (await bot.say(HR, "/todo"))[0].text
    # January's own deadline: second-to-last working day counting weekends only (01-28 Thu)
    assert "截止 2027-01-28（周四）※，" in todo
    assert f"※ {CAVEAT}。" in todo
    # December goes with the registration (natural days): no mark
    assert "12月社保待缴纳\n   截止 2026-12-31（周四），" in todo
    assert todo.count("※") == 2                                     # the item and the note

    reminders = await declaration_reminders(bot, range(20, 29))
    assert reminders, "no January declaration reminder arrived"
    for message in reminders:
        assert "2027-01-28（周四）" in message.text and CAVEAT in message.text, message.text


async def test_beijing_fixed_25th_needs_no_holiday_caveat(bot: BotHarness) -> None:
    await bot.join_as_hr(HR)                                        # a 北京 company
    bot.clock.set(at(1, 4, 10, 0))
    await hire_in_december(bot, "北京（默认）")

    todo = (await bot.say(HR, "/todo"))[0].text
    assert "截止 2027-01-25（周一），" in todo
    assert "放假安排尚未公布" not in todo and "※" not in todo

    reminders = await declaration_reminders(bot, range(18, 26))
    assert reminders, "no January declaration reminder arrived"
    for message in reminders:
        assert "2027-01-25（周一）" in message.text
        assert "放假安排尚未公布" not in message.text
