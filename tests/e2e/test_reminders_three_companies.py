"""Three companies, two in one city, over 40 simulated days (issue 8, item 1).

甲 and 乙 are both in 北京 and both have November still 待申报, so their declaration reminders
have the same month, city, kind and day. Each company's HR must get every registration
(day 23, day 28, overdue) and declaration reminder it is owed, exactly once, and nothing meant
for another company; and one company whose planning fails must not silence the others.

The real Application runs against the local Bot API server with a manual clock; the test
drives the same tick the JobQueue runs, once a day at 09:30 Beijing time.
"""

from __future__ import annotations

import logging
import re
from datetime import date, datetime, timedelta

import pytest
from harness import SHANGHAI, BotHarness
from sqlmodel import Session, select

from bot.services import reminder_planning
from bot.services.reminder_delivery import ReminderScheduler
from models.reminder import Reminder, ReminderStatus
from policies.idnumber import check_digit

HR_JIA, HR_YI, HR_BING = 3001, 3002, 3003

#: company → (its HR, its city, the employees it hires with first day 2026-11-20)
COMPANIES = {
    "甲公司": (HR_JIA, "北京", ["张伟", "李娜"]),
    "乙公司": (HR_YI, "北京", ["王强"]),
    "丙公司": (HR_BING, "成都", ["刘洋"]),
}

FIRST_DAY = date(2026, 11, 20)
DAYS = 40


def id_number(serial: int) -> str:
    first17 = f"11010119900307{serial:03d}"
    return first17 + check_digit(first17)


def at_0930(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 9, 30, tzinfo=SHANGHAI)


def scheduler_of(bot: BotHarness) -> ReminderScheduler:
    assert bot.app is not None and bot.app.services.reminders is not None
    return bot.app.services.reminders


async def hire(bot: BotHarness, hr: int, city: str, name: str, serial: int) -> None:
    await bot.say(hr, "/hire")
    await bot.say(hr, name)
    await bot.say(hr, id_number(serial))
    await bot.say(hr, "2026-11-20")
    await bot.say(hr, "后厨")
    await bot.say(hr, "6000")
    await bot.press(hr, f"{city}（默认）")
    replies = await bot.press(hr, "✅ 确认")
    assert "已登记" in replies[0].text


async def set_up_three_companies(bot: BotHarness) -> None:
    bot.clock.set(datetime(2026, 11, 20, 9, 0, tzinfo=SHANGHAI))
    serial = 100
    for company, (hr, city, names) in COMPANIES.items():
        await bot.join_as_hr(hr, company=company, city=city)
        for name in names:
            serial += 1
            await hire(bot, hr, city, name, serial)


_EMPLOYEE = re.compile(r"员工 (\S+?)（")


def describe(day: date, text: str) -> tuple[str, str, str]:
    """A received reminder as (day, what, about whom) for comparing with the expected list."""
    first = text.splitlines()[0]
    if "补发" in first:
        what = "补发 " + first
    elif first.startswith("⏰ 社保登记提醒"):
        what = "登记23天"
    elif first.startswith("⚠️ 紧急：社保登记即将到期"):
        what = "登记28天"
    elif first.startswith("⚠️ 紧急：社保登记已逾期"):
        what = "登记逾期"
    elif first.startswith("⏰ 社保申报提醒"):
        what = "申报提醒 " + first.split("\n")[0][len("⏰ 社保申报提醒") :] + text.splitlines()[1]
    elif first.startswith("⚠️ 紧急：") and "社保申报截止" in first:
        what = "申报截止 " + first[len("⚠️ 紧急：") :]
    else:
        what = first
    found = _EMPLOYEE.search(text)
    if found:
        who = found.group(1)
    else:
        who = " ".join(n for _, _, names in COMPANIES.values() for n in names if n in text)
    return f"{day:%m-%d}", what, who


def registration(name: str, *, overdue_days: tuple[str, ...]) -> list[tuple[str, str, str]]:
    """First day 11-20 (Friday): deadline 12-20 (day 30, a Sunday). Day 23 is Sunday 12-13,
    so it waits for Monday 12-14; day 28 is Friday 12-18; from day 31 (Monday 12-21) an
    overdue alert every working day."""
    return [
        ("12-14", "登记23天", name),
        ("12-18", "登记28天", name),
        *[(day, "登记逾期", name) for day in overdue_days],
    ]


#: Working days from 12-21 up to the last simulated day 12-29 (12-26/27 are a weekend).
OVERDUE = ("12-21", "12-22", "12-23", "12-24", "12-25", "12-28", "12-29")

#: 北京's November window closes Wednesday 11-25: five days before is Friday 11-20, the day
#: of the hires; then the deadline day itself. 成都's November deadline (the 15th) had already
#: passed when the hires were recorded, so no declaration reminder is owed there.
EXPECTED: dict[int, list[tuple[str, str, str]]] = {
    HR_JIA: sorted(
        [
            ("11-20", "申报提醒 北京 2026年11月社保尚有 2 人未申报：", "张伟 李娜"),
            ("11-25", "申报截止 北京 2026年11月社保申报截止", "张伟 李娜"),
            *registration("张伟", overdue_days=OVERDUE),
            *registration("李娜", overdue_days=OVERDUE),
        ]
    ),
    HR_YI: sorted(
        [
            ("11-20", "申报提醒 北京 2026年11月社保尚有 1 人未申报：", "王强"),
            ("11-25", "申报截止 北京 2026年11月社保申报截止", "王强"),
            *registration("王强", overdue_days=OVERDUE),
        ]
    ),
    HR_BING: sorted(registration("刘洋", overdue_days=OVERDUE)),
}


async def tick_40_days(bot: BotHarness) -> dict[int, list[tuple[str, str, str]]]:
    """Tick daily at 09:30 from 11-20 on; return what each HR received, day by day."""
    received: dict[int, list[tuple[str, str, str]]] = {hr: [] for hr in EXPECTED}
    for offset in range(DAYS):
        day = FIRST_DAY + timedelta(days=offset)
        before = {hr: len(bot.api.sent(hr)) for hr in received}
        bot.clock.set(at_0930(day))
        await scheduler_of(bot).tick()
        for hr, messages in received.items():
            messages.extend(describe(day, m.text or "") for m in bot.api.sent(hr)[before[hr] :])
    return {hr: sorted(messages) for hr, messages in received.items()}


async def test_three_companies_two_in_one_city_each_get_theirs_exactly_once(
    bot: BotHarness,
) -> None:
    await set_up_three_companies(bot)
    received = await tick_40_days(bot)
    for hr, expected in EXPECTED.items():
        assert received[hr] == expected, hr
    assert bot.api.errors == []


async def test_one_company_failing_to_plan_does_not_silence_the_others(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Planning 甲's declarations raises every day: 乙 and 丙 still get everything."""
    await set_up_three_companies(bot)
    jia = bot.companies["甲公司"]
    real = reminder_planning.company_reminder_settings

    def failing_for_jia(session, company_id, defaults=None):  # type: ignore[no-untyped-def]
        if company_id == jia:
            raise RuntimeError("injected planning fault")
        return real(session, company_id, defaults)

    monkeypatch.setattr(reminder_planning, "company_reminder_settings", failing_for_jia)
    with caplog.at_level(logging.ERROR):
        received = await tick_40_days(bot)
    assert received[HR_YI] == EXPECTED[HR_YI]
    assert received[HR_BING] == EXPECTED[HR_BING]
    # 甲's own registration rows were planned at the hire, before the fault: they still go out.
    assert [m for m in received[HR_JIA] if m[1].startswith("申报")] == []
    assert [m for m in received[HR_JIA] if m[1].startswith("登记")] == [
        m for m in EXPECTED[HR_JIA] if m[1].startswith("登记")
    ]
    failures = [r for r in caplog.records if "planning" in r.getMessage()]
    assert failures and all(f"company {jia}" in r.getMessage() for r in failures)
    assert all("张伟" not in r.getMessage() for r in caplog.records)


async def test_one_reminder_failing_to_compose_does_not_stop_the_rest(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A row whose composing raises is retried and then failed; the batch goes on."""
    await set_up_three_companies(bot)
    import bot.services.reminder_delivery as delivery

    real = delivery.compose
    jia = bot.companies["甲公司"]

    def failing_for_jia(session, row, *args, **kwargs):  # type: ignore[no-untyped-def]
        if row.company_id == jia:
            raise RuntimeError("injected sending fault")
        return real(session, row, *args, **kwargs)

    monkeypatch.setattr(delivery, "compose", failing_for_jia)
    received = await tick_40_days(bot)
    assert received[HR_YI] == EXPECTED[HR_YI]
    assert received[HR_BING] == EXPECTED[HR_BING]
    assert received[HR_JIA] == []
    with Session(bot.engine) as session:
        statuses = {
            r.status for r in session.exec(select(Reminder).where(Reminder.company_id == jia))
        }
    assert ReminderStatus.CLAIMED not in statuses


async def test_done_and_snooze_act_on_their_own_company_only(bot: BotHarness) -> None:
    """甲 presses 已办理 on its 北京 declaration reminder, 乙 presses 明天再提醒 on its own:
    乙's deadline-day reminder still comes, 甲's does not, and 乙's snooze is its own."""
    await set_up_three_companies(bot)
    bot.clock.set(at_0930(FIRST_DAY))
    await scheduler_of(bot).tick()
    await bot.press(HR_JIA, "✅ 已办理", expect=0)
    await bot.eventually(lambda: "已办理" in (bot.api.last(HR_JIA).text or ""))
    assert "北京 2026年11月申报（2人）" in (bot.api.last(HR_JIA).text or "")
    await bot.press(HR_YI, "⏰ 明天再提醒", expect=0)
    await bot.eventually(lambda: "再次提醒" in (bot.api.last(HR_YI).text or ""))
    assert "2026-11-23（周一） 09:00" in (bot.api.last(HR_YI).text or "")

    def declarations(hr: int, since: int) -> list[str]:
        return [m.text for m in bot.api.sent(hr)[since:] if "申报" in (m.text or "")]

    before = {hr: len(bot.api.sent(hr)) for hr in (HR_JIA, HR_YI)}
    for day in (23, 24, 25):
        bot.clock.set(at_0930(date(2026, 11, day)))
        await scheduler_of(bot).tick()
    assert declarations(HR_JIA, before[HR_JIA]) == []
    again, due = declarations(HR_YI, before[HR_YI])
    assert again.startswith("⏰ 社保申报提醒") and "王强" in again
    assert "社保申报截止" in due and "王强" in due
