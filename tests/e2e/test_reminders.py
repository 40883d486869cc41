"""Deadline reminders end to end: the real Application, the local Bot API, a manual clock.

Each test hires by conversation as HR would, moves the clock, runs the scheduler tick (the
same one the JobQueue runs every minute) and reads what arrived in the HR chats.
"""

from __future__ import annotations

import shutil
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from harness import HR, HR2, OTHER_HR, SHANGHAI, BotHarness
from sqlmodel import Session, select

from bot.cli import main
from bot.local_api import SentMessage
from bot.services.reminder_delivery import ReminderScheduler, claim_due
from models.company import Membership
from models.reminder import CompanySettings, Reminder, ReminderStatus
from policies.library import DEFAULT_DIRECTORY

GROUP = -100500
ID_NUMBERS = ["110101199003071233", "11010119900307217X", "110101199003073113"]


def at(month: int, day: int, hour: int = 9, minute: int = 0, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def scheduler_of(bot: BotHarness) -> ReminderScheduler:
    assert bot.app is not None
    assert bot.app.services.reminders is not None
    return bot.app.services.reminders


async def tick(bot: BotHarness, instant: datetime) -> None:
    bot.clock.set(instant)
    await scheduler_of(bot).tick()


async def tick_and_read(
    bot: BotHarness, instant: datetime, chat_id: int = HR, about: str = "社保登记"
) -> list[SentMessage]:
    """Run one tick and return what it sent to ``chat_id`` about ``about``.

    The tick awaits every delivery, so the local server has recorded them when it returns.
    December's declaration reminders (the hire's month is 待申报) are left out by ``about``.
    """
    before = len(bot.api.sent(chat_id))
    await tick(bot, instant)
    return [m for m in bot.api.sent(chat_id)[before:] if about in (m.text or "")]


async def hire(
    bot: BotHarness,
    name: str = "陈明远",
    id_number: str = ID_NUMBERS[0],
    first_day: str = "12月1日",
) -> None:
    """/hire by conversation: 后厨, base 5000, 北京."""
    await bot.say(HR, "/hire")
    await bot.say(HR, name)
    await bot.say(HR, id_number)
    await bot.say(HR, first_day)
    await bot.say(HR, "后厨")
    await bot.say(HR, "5000")
    await bot.press(HR, "北京（默认）")
    replies = await bot.press(HR, "✅ 确认")
    assert "已登记" in replies[0].text


async def test_day_23_reminder_then_done_stops_later_ones(bot: BotHarness) -> None:
    await bot.join_as_hr(HR)
    await hire(bot)
    assert await tick_and_read(bot, at(12, 24, 8, 59)) == []
    (reminder,) = await tick_and_read(bot, at(12, 24))
    assert reminder.text.startswith("⏰ 社保登记提醒")
    assert "员工 陈明远（后厨）入职已满 23 天" in reminder.text
    assert "2026-12-31（周四）" in reminder.text and "剩余 7 天" in reminder.text
    assert [b for b, _ in reminder.buttons] == ["✅ 已办理", "⏰ 明天再提醒", "📄 查看"]
    await bot.press(HR, "✅ 已办理", expect=0)
    assert "✅ 已办理：陈明远" in bot.api.message(HR, reminder.message_id).text
    for instant in (at(12, 29), at(1, 4, year=2027), at(1, 5, year=2027)):
        assert await tick_and_read(bot, instant) == []
    replies = await bot.say(HR, "/todo")
    assert "社保登记" not in replies[0].text


async def test_day_28_urgent_reaches_every_hr_and_the_group(bot: BotHarness) -> None:
    await bot.join_as_hr(HR)
    await bot.join_as_hr(HR2)
    replies = await bot.say(HR, "/bindgroup", chat_id=GROUP, chat_type="group", chat_title="HR群")
    assert "已将本群绑定" in replies[0].text
    await hire(bot)
    assert len(await tick_and_read(bot, at(12, 24))) == 1
    before = {chat: len(bot.api.sent(chat)) for chat in (HR2, GROUP)}
    (mine,) = await tick_and_read(bot, at(12, 29))
    (theirs,) = [m for m in bot.api.sent(HR2)[before[HR2] :] if "社保登记" in m.text]
    (group,) = [m for m in bot.api.sent(GROUP)[before[GROUP] :] if "社保登记" in m.text]
    for message in (mine, theirs, group):
        assert message.text.startswith("⚠️ 紧急：社保登记即将到期")
        assert "入职已满 28 天" in message.text
    assert "1101" not in group.text and "5000" not in group.text


async def test_day_31_overdue_daily_with_late_fee_note(bot: BotHarness) -> None:
    await bot.join_as_hr(HR)
    await hire(bot)
    assert len(await tick_and_read(bot, at(12, 24))) == 1
    assert len(await tick_and_read(bot, at(12, 29))) == 1
    # 2027 has no State Council notice yet, so working days are weekdays only (issue 14): the
    # first overdue alert goes out on Friday 2027-01-01 instead of a guessed 元旦 day off
    (first,) = await tick_and_read(bot, at(1, 1, year=2027))
    assert "已逾期 1 天" in first.text
    (overdue,) = await tick_and_read(bot, at(1, 4, year=2027))
    assert "已逾期 4 天" in overdue.text and "预计滞纳金 ¥" in overdue.text
    (again,) = await tick_and_read(bot, at(1, 5, year=2027))
    assert "已逾期 5 天" in again.text
    assert await tick_and_read(bot, at(1, 5, 15, year=2027)) == []


async def test_custom_threshold_25_via_settings(bot: BotHarness) -> None:
    await bot.join_as_hr(HR)
    await hire(bot)
    replies = await bot.say(HR, "/settings")
    assert "入职第 23 天" in replies[0].text
    replies = await bot.say(HR, "/settings 30 31")
    assert replies[0].text.startswith("❌") and "/settings 25 28" in replies[0].text
    replies = await bot.say(HR, "/settings 25")
    assert "普通提醒 入职第 25 天" in replies[0].text and "重新安排 1 项" in replies[0].text
    assert await tick_and_read(bot, at(12, 24)) == []
    assert await tick_and_read(bot, at(12, 26)) == []  # day 25 is a Saturday
    (reminder,) = await tick_and_read(bot, at(12, 28))
    assert "入职已满 27 天" in reminder.text


async def test_snooze_and_view(bot: BotHarness) -> None:
    await bot.join_as_hr(HR)
    await hire(bot)
    (reminder,) = await tick_and_read(bot, at(12, 24))
    (details,) = await bot.press(HR, "📄 查看")
    assert "110101********1233" in details.text and "2026-12-31（周四）" in details.text
    await bot.press(HR, "⏰ 明天再提醒", expect=0)
    assert "2026-12-25（周五） 09:00" in bot.api.message(HR, reminder.message_id).text
    assert await tick_and_read(bot, at(12, 24, 18)) == []
    (again,) = await tick_and_read(bot, at(12, 25))
    assert "入职已满 24 天" in again.text


async def test_downtime_catch_up_after_restart(bot: BotHarness) -> None:
    await bot.join_as_hr(HR)
    await hire(bot)
    await bot.stop()
    bot.clock.set(at(12, 30, 8))  # down from 12-01 to 12-30: day 23 and 28 passed unsent
    before = len(bot.api.sent(HR))

    def registration_messages() -> list[SentMessage]:
        return [m for m in bot.api.sent(HR)[before:] if "社保登记" in (m.text or "")]

    await bot.start()  # the tick also runs once at start: no need to wait for the next minute
    (caught_up,) = await bot.api.wait_until(registration_messages)
    assert caught_up.text.startswith("⚠️ 紧急：社保登记即将到期（补发，原定 2026-12-29（周二））")
    assert await tick_and_read(bot, at(12, 30, 9)) == []
    assert len(registration_messages()) == 1
    with Session(bot.engine) as session:
        kinds = {r.kind: r.status for r in session.exec(select(Reminder))}
    assert kinds["registration_normal"] == ReminderStatus.SUPERSEDED


async def test_crash_between_claim_and_send(bot: BotHarness) -> None:
    await bot.join_as_hr(HR)
    await hire(bot)
    bot.clock.set(at(12, 24, 8))
    await scheduler_of(bot).tick()  # plans December's declaration reminders out of the way
    assert len(claim_due(bot.engine, "process-that-died", at(12, 24, 9, 1))) == 1
    await bot.restart(crash=True)
    assert await tick_and_read(bot, at(12, 24, 9, 2)) == []  # the dead process holds the lease
    (reminder,) = await tick_and_read(bot, at(12, 24, 9, 7))
    assert "入职已满 23 天" in reminder.text
    assert await tick_and_read(bot, at(12, 24, 9, 30)) == []


async def test_retry_after_from_the_bot_api(bot: BotHarness, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("PTB_TIMEDELTA", "true")  # PTB 22 warns on the int form otherwise
    await bot.join_as_hr(HR)
    await hire(bot)
    bot.api.fail_next("sendMessage", chat_id=HR, error="retry_after", retry_after=7)
    assert await tick_and_read(bot, at(12, 24)) == []
    with Session(bot.engine) as session:
        row = session.exec(select(Reminder).where(Reminder.kind == "registration_normal")).one()
    assert row.status == ReminderStatus.PENDING and row.attempts == 0
    assert row.next_attempt_at == at(12, 24) + timedelta(seconds=7)
    assert await tick_and_read(bot, at(12, 24) + timedelta(seconds=5)) == []
    assert len(await tick_and_read(bot, at(12, 24) + timedelta(seconds=8))) == 1
    assert len([m for m in bot.api.sent(HR) if "入职已满" in (m.text or "")]) == 1


async def test_network_errors_from_the_bot_api_are_retried(bot: BotHarness) -> None:
    await bot.join_as_hr(HR)
    await hire(bot)
    bot.api.fail_next("sendMessage", chat_id=HR, error="server_error")
    assert await tick_and_read(bot, at(12, 24)) == []
    bot.api.fail_next("sendMessage", chat_id=HR, error="disconnect")
    assert await tick_and_read(bot, at(12, 24, 9, 1)) == []
    assert len(await tick_and_read(bot, at(12, 24, 9, 5))) == 1
    assert len([m for m in bot.api.sent(HR) if "入职已满" in (m.text or "")]) == 1
    with Session(bot.engine) as session:
        row = session.exec(select(Reminder).where(Reminder.kind == "registration_normal")).one()
    assert row.status == ReminderStatus.SENT and row.attempts >= 2


async def test_failed_after_max_attempts_shows_in_todo(bot: BotHarness) -> None:
    await bot.join_as_hr(HR)
    await hire(bot)
    bot.clock.set(at(12, 24, 8))
    await scheduler_of(bot).tick()  # plans December's declaration reminders out of the way
    bot.api.fail_next("sendMessage", chat_id=HR, error="server_error", times=100)
    instant = at(12, 24)
    for _ in range(bot.settings.reminders.max_attempts):
        await tick(bot, instant)
        instant += timedelta(hours=1)
    bot.api.clear_faults()
    with Session(bot.engine) as session:
        row = session.exec(select(Reminder).where(Reminder.kind == "registration_normal")).one()
    assert row.status == ReminderStatus.FAILED
    replies = await bot.say(HR, "/todo")
    assert "提醒发送失败" in replies[0].text


async def test_forbidden_marks_inactive_and_tells_another_hr(bot: BotHarness) -> None:
    await bot.join_as_hr(HR)
    await bot.join_as_hr(HR2)
    await hire(bot)
    bot.api.block(HR)
    before = len(bot.api.sent(HR2))
    await tick(bot, at(12, 29))  # urgent: to every HR
    texts = [m.text for m in bot.api.sent(HR2)[before:]]
    assert any("社保登记即将到期" in t for t in texts)
    assert any("已屏蔽机器人" in t for t in texts)
    with Session(bot.engine) as session:
        hr = session.exec(select(Membership).where(Membership.telegram_user_id == HR)).one()
    assert not hr.active


async def test_group_blocking_unbinds_it(bot: BotHarness) -> None:
    await bot.join_as_hr(HR)
    await bot.say(HR, "/bindgroup", chat_id=GROUP, chat_type="group", chat_title="HR群")
    await hire(bot)
    bot.api.block(GROUP)
    (blocked,) = await tick_and_read(bot, at(12, 29), about="HR群已屏蔽机器人")
    assert "/bindgroup" in blocked.text
    with Session(bot.engine) as session:
        assert session.exec(select(CompanySettings)).one().group_chat_id is None


async def test_holiday_shift_brings_the_urgent_reminder_before_national_day(
    bot: BotHarness,
) -> None:
    bot.clock.set(at(9, 7, 10))
    await bot.join_as_hr(HR)
    await hire(bot, first_day="2026-09-05")
    # day 28 is 10-03 and the deadline 10-05, both inside the National Day break:
    # waiting would miss the deadline, so the urgent reminder goes out on Wednesday 09-30.
    assert len(await tick_and_read(bot, at(9, 28))) == 1  # day 23, a Monday
    (urgent,) = await tick_and_read(bot, at(9, 30))
    assert urgent.text.startswith("⚠️ 紧急") and "入职已满 25 天" in urgent.text
    assert "2026-10-05（周一）" in urgent.text
    for day in (3, 5, 7):
        assert await tick_and_read(bot, at(10, day)) == []
    (overdue,) = await tick_and_read(bot, at(10, 8))
    assert "已逾期 3 天" in overdue.text


async def test_policy_import_is_delivered_by_the_tick_once_to_that_city_only(
    bot: BotHarness, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    await bot.join_as_hr(HR, company="京味餐饮", city="北京")
    await bot.join_as_hr(OTHER_HR, company="沪上咖啡", city="上海")
    shutil.copytree(DEFAULT_DIRECTORY, tmp_path / "policies")
    monkeypatch.setenv("HRBOT_POLICIES_DIRECTORY", str(tmp_path / "policies"))
    monkeypatch.setenv("HRBOT_DATABASE_URL", database_url)
    monkeypatch.setenv("HRBOT_CONFIG", str(tmp_path / "absent.toml"))
    monkeypatch.delenv("HRBOT_TOKEN", raising=False)
    monkeypatch.setattr("bot.cli.policies.SystemClock", lambda: bot.clock)
    changed = tmp_path / "beijing.toml"
    text = (DEFAULT_DIRECTORY / "beijing.toml").read_text(encoding="utf-8")
    changed.write_text(text.replace("value = 7162", "value = 7300"), encoding="utf-8")

    def notices(chat_id: int) -> list[SentMessage]:
        return [m for m in bot.api.sent(chat_id) if "社保政策已更新" in (m.text or "")]

    assert main(["policies", "import", str(changed)]) == 0  # the import itself sends nothing
    assert notices(HR) == []
    await tick(bot, at(12, 1, 10, 1))
    (notice,) = notices(HR)
    assert notice.text.startswith("📋 北京社保政策已更新")
    assert "缴费基数下限" in notice.text and "¥7,300.00" in notice.text
    assert "/policy_version" in notice.text and notice.buttons == []
    assert notices(OTHER_HR) == []
    await tick(bot, at(12, 1, 10, 30))
    await bot.restart(crash=True)
    await tick(bot, at(12, 2, 9))
    assert len(notices(HR)) == 1 and notices(OTHER_HR) == []
    with Session(bot.engine) as session:
        (row,) = session.exec(select(Reminder).where(Reminder.kind == "policy_update")).all()
    assert row.status == ReminderStatus.SENT


async def test_monthly_declaration_reminders_before_and_on_the_deadline(bot: BotHarness) -> None:
    """Beijing's December window closes 12-25: five days before, then on the day (urgent).

    Five days before is Sunday 12-20; Monday still leaves working days, so it waits for Monday.
    """
    await bot.join_as_hr(HR)
    await hire(bot)
    assert await tick_and_read(bot, at(12, 20, 9, 1), about="申报") == []
    (upcoming,) = await tick_and_read(bot, at(12, 21, 9, 1), about="申报")
    assert "陈明远" in upcoming.text and "2026-12-25（周五）" in upcoming.text
    assert "剩余 4 天" in upcoming.text and "110101" not in upcoming.text
    (due,) = await tick_and_read(bot, at(12, 25, 9, 1), about="申报")
    assert due.text.startswith("⚠️") and "就是今天" in due.text and "陈明远" in due.text


async def test_no_deadline_day_reminder_once_the_month_is_declared(bot: BotHarness) -> None:
    await bot.join_as_hr(HR)
    await hire(bot)
    assert len(await tick_and_read(bot, at(12, 21, 9, 1), about="申报")) == 1
    await bot.say(HR, "/ledger 2026-12")
    await bot.press(HR, "📝 陈明远 已申报", expect=0)
    await bot.eventually(lambda: "已标记为已申报" in (bot.api.last(HR).text or ""))
    assert await tick_and_read(bot, at(12, 25, 9, 1), about="申报截止") == []
