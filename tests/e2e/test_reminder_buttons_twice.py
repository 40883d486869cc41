"""Reminder buttons pressed twice, or by the wrong company, answer truthfully (issue 8, item 9).

A double tap on ⏰ 明天再提醒 edits the message to the text it already shows: Telegram refuses
with "message is not modified", which is success, not an error. 查看 on another company's
reminder in a shared group is refused to the presser alone, with exactly one callback answer.
"""

from __future__ import annotations

from datetime import datetime

from harness import HR, OTHER_HR, SHANGHAI, BotHarness
from sqlmodel import Session, select

from bot.local_api import SentMessage
from models.audit import AuditLog
from models.reminder import Reminder

GROUP = -100777


async def hire_and_get_reminder(bot: BotHarness, instant: datetime) -> SentMessage:
    await bot.say(HR, "/hire")
    for answer in ("陈明远", "110101199003071233", "12月1日", "后厨", "5000"):
        await bot.say(HR, answer)
    await bot.press(HR, "北京（默认）")
    replies = await bot.press(HR, "✅ 确认")
    assert "已登记" in replies[0].text
    bot.clock.set(instant)
    assert bot.app is not None and bot.app.services.reminders is not None
    await bot.app.services.reminders.tick()
    return next(m for m in reversed(bot.api.sent(HR)) if "社保登记" in (m.text or ""))


def data_of(message: SentMessage, label: str) -> str:
    (data,) = [d for text, d in message.buttons if text == label]
    assert data is not None
    return data


async def test_snooze_tapped_twice_is_saved_once_and_shows_no_error(bot: BotHarness) -> None:
    await bot.join_as_hr(HR)
    reminder = await hire_and_get_reminder(bot, datetime(2026, 12, 24, 9, tzinfo=SHANGHAI))
    snooze = data_of(reminder, "⏰ 明天再提醒")
    answered = len(bot.api.answered_callbacks)
    before = len(bot.api.sent(HR))
    bot.api.press_button(HR, reminder.message_id, snooze)
    bot.api.press_button(HR, reminder.message_id, snooze)  # the second tap of a double tap
    await bot.api.wait_until(lambda: len(bot.api.answered_callbacks) >= answered + 2)
    await bot.api.expect_silence(HR, seconds=0.5)
    assert bot.api.sent(HR)[before:] == []  # no "抱歉…未保存任何更改"
    shown = bot.api.message(HR, reminder.message_id).text
    assert shown == "⏰ 好的，将于 2026-12-25（周五） 09:00 再次提醒。"
    assert bot.api.errors == []
    with Session(bot.engine) as session:
        snoozes = session.exec(select(Reminder).where(Reminder.is_snooze)).all()
        entries = session.exec(select(AuditLog).where(AuditLog.action == "reminder.snoozed")).all()
    assert len(snoozes) == 1 and len(entries) == 1


async def test_view_on_another_companys_reminder_in_a_shared_group_answers_once(
    bot: BotHarness,
) -> None:
    await bot.join_as_hr(HR, company="京味餐饮")
    await bot.join_as_hr(OTHER_HR, company="沪上咖啡", city="上海")
    replies = await bot.say(HR, "/bindgroup", chat_id=GROUP, chat_type="group", chat_title="群")
    assert "已将本群绑定" in replies[0].text
    await hire_and_get_reminder(bot, datetime(2026, 12, 29, 9, tzinfo=SHANGHAI))  # urgent
    urgent = next(m for m in reversed(bot.api.sent(GROUP)) if "社保登记" in (m.text or ""))
    before, before_private = len(bot.api.sent(GROUP)), len(bot.api.sent(OTHER_HR))
    query_id = bot.api.press_button(
        OTHER_HR, urgent.message_id, data_of(urgent, "📄 查看"), chat_id=GROUP
    )
    await bot.api.wait_until(
        lambda: any(a.callback_query_id == query_id for a in bot.api.answered_callbacks)
    )
    await bot.api.expect_silence(GROUP, seconds=0.5)
    (answer,) = [a for a in bot.api.answered_callbacks if a.callback_query_id == query_id]
    assert answer.show_alert and answer.text is not None and "找不到该提醒" in answer.text
    assert bot.api.sent(GROUP)[before:] == []  # nothing posted in the group, no generic error
    assert bot.api.sent(OTHER_HR)[before_private:] == []
    assert bot.api.errors == []
