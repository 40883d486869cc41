"""An HR serving several companies (issue 8, item 8): /company switches, every message names its
company, and buttons act on the company they came from."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime

import pytest
from harness import HR, HR2, OTHER_HR, SHANGHAI, BotHarness
from sqlmodel import Session, select

from bot.local_api import SentMessage
from models.ledger import LedgerMonth
from models.reminder import Reminder
from models.task import Task

ID_NUMBER = "110101199003071233"
JIA, YI, BING = "甲公司", "乙公司", "丙公司"


def at(month: int, day: int, hour: int = 9, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, 0, tzinfo=SHANGHAI)


async def hire(bot: BotHarness, user: int, name: str = "陈明远") -> None:
    await bot.say(user, "/hire")
    for answer in (name, ID_NUMBER, "12月1日", "后厨", "5000"):
        await bot.say(user, answer)
    await bot.press(user, "北京（默认）")
    replies = await bot.press(user, "✅ 确认")
    assert "已登记" in replies[0].text, replies[0].text


async def tick(bot: BotHarness, instant: datetime, chat_id: int) -> list[SentMessage]:
    assert bot.app is not None and bot.app.services.reminders is not None
    before = len(bot.api.sent(chat_id))
    bot.clock.set(instant)
    await bot.app.services.reminders.tick()
    return [m for m in bot.api.sent(chat_id)[before:] if "社保登记" in (m.text or "")]


async def test_an_hr_of_two_companies_switches_and_keeps_both(bot: BotHarness) -> None:
    await bot.join_as_hr(HR, company=JIA)
    await hire(bot, HR)
    # A single-company HR sees no company line.
    todo = (await bot.say(HR, "/todo"))[0]
    assert not todo.text.startswith("【") and "陈明远" in todo.text

    joined = (await bot.say(HR, f"/start {bot.create_company(YI, '北京')[1]}"))[0]
    assert "已加入" in joined.text and YI in joined.text
    # Joining made 乙 current: /todo shows 乙's (empty) list, headed by its name.
    todo = (await bot.say(HR, "/todo"))[0]
    assert todo.text.startswith(f"【{YI}】") and "陈明远" not in todo.text

    listing = (await bot.say(HR, "/company"))[0]
    assert listing.text.startswith(f"【{YI}】") and JIA in listing.text
    assert [label for label, _ in listing.buttons] == [f"✅ {YI}（当前）", JIA]
    switched = (await bot.press(HR, JIA, expect=0), bot.api.message(HR, listing.message_id))[1]
    assert switched.text.startswith(f"【{JIA}】") and "已切换到" in switched.text
    todo = (await bot.say(HR, "/todo"))[0]
    assert todo.text.startswith(f"【{JIA}】") and "陈明远" in todo.text

    # Typed, by name; the choice is in the database, so it survives a restart.
    assert "已切换到" in (await bot.say(HR, f"/company {YI}"))[0].text
    await bot.restart(crash=True)
    assert (await bot.say(HR, "/todo"))[0].text.startswith(f"【{YI}】")
    unknown = (await bot.say(HR, "/company 不存在的公司"))[0]
    assert "没有加入" in unknown.text and len(unknown.buttons) == 2


async def test_a_reminder_of_one_company_works_while_another_is_current(
    bot: BotHarness,
) -> None:
    await bot.join_as_hr(HR, company=JIA)
    await hire(bot, HR)
    await bot.join_as_hr(HR, company=YI)  # 乙 is current from here on
    (reminder,) = await tick(bot, at(12, 24), HR)
    assert reminder.text.startswith(f"【{JIA}】\n⏰ 社保登记提醒"), reminder.text

    view = await bot.press(HR, "📄 查看")
    assert view[0].text.startswith(f"【{JIA}】") and "陈明远" in view[0].text
    await bot.press(HR, "✅ 已办理", expect=0)
    await bot.eventually(lambda: "已办理" in bot.api.message(HR, reminder.message_id).text)
    done = bot.api.message(HR, reminder.message_id).text
    assert done.startswith(f"【{JIA}】") and "✅ 已办理：陈明远" in done
    assert "找不到" not in " ".join(m.text or "" for m in bot.api.sent(HR))
    with Session(bot.engine) as session:
        assert session.exec(select(Task)).one().status == "done"
    # the current company did not change by acting in another
    assert (await bot.say(HR, "/todo"))[0].text.startswith(f"【{YI}】")


async def test_a_todo_button_of_one_company_works_while_another_is_current(
    bot: BotHarness,
) -> None:
    await bot.join_as_hr(HR, company=JIA)
    await hire(bot, HR)
    todo = (await bot.say(HR, "/todo"))[0]
    await bot.join_as_hr(HR, company=YI)
    label = "✅ 陈明远 社保登记 已办理"
    data = next(d for t, d in todo.buttons if t == label)
    assert data is not None
    mark = bot.api.mark()
    bot.api.press_button(HR, todo.message_id, data)
    [asked] = await bot.api.wait_for_messages(HR, since=mark, timeout=15)
    assert asked.text.startswith(f"【{JIA}】") and "陈明远" in asked.text
    [done] = await bot.press(HR, "今天")
    assert done.text.startswith(f"【{JIA}】") and "已记录" in done.text
    with Session(bot.engine) as session:
        assert session.exec(select(Task)).one().status == "done"


async def test_a_member_of_another_company_gets_nothing_from_forged_buttons(
    bot: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    await bot.join_as_hr(HR, company=JIA)
    await hire(bot, HR)
    (reminder,) = await tick(bot, at(12, 24), HR)
    await bot.join_as_hr(OTHER_HR, company=BING)
    await bot.join_as_hr(HR2, company=BING)  # 丙 has two HR; OTHER_HR serves 丙 only
    with Session(bot.engine) as session:
        reminder_id = session.exec(select(Reminder)).first().id  # type: ignore[union-attr]
        task_id = session.exec(select(Task)).one().id
        row_id = session.exec(select(LedgerMonth)).one().id
    anchor = (await bot.say(OTHER_HR, "/todo"))[0]
    assert not anchor.text.startswith("【")  # one company: no company line
    forged = [
        f"reminders:done:{reminder_id}",
        f"reminders:snooze:{reminder_id}",
        f"reminders:view:{reminder_id}",
        f"todo:done:{task_id}",
        f"todo:paid:{row_id}",
        f"ledger:decl:{row_id}",
        f"ledger:paid:{row_id}",
        f"ledger:page:{bot.companies[JIA]}:2026-12:1",
        f"ledger:bulk:{bot.companies[JIA]}:decl:2026-12",
        f"ledger:bulkok:{bot.companies[JIA]}:decl:2026-12:0123456789ab",
        f"todo:page:{bot.companies[JIA]}:1",
        f"emp:page:{bot.companies[JIA]}:1",
    ]
    with caplog.at_level(logging.ERROR):
        for data in forged:
            before = len(bot.api.answered_callbacks)
            bot.api.press_button(OTHER_HR, anchor.message_id, data, strict=False)
            await bot.eventually(lambda b=before: len(bot.api.answered_callbacks) > b, timeout=10)
        await asyncio.sleep(0.5)  # let the last press's answer arrive
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert bot.api.errors == []
    seen = " ".join((m.text or "") for m in bot.api.sent(OTHER_HR))
    assert "陈明远" not in seen and JIA not in seen
    with Session(bot.engine) as session:
        assert session.exec(select(Task)).one().status == "open"
        assert session.exec(select(LedgerMonth)).one().state == "pending"
        statuses = {r.status for r in session.exec(select(Reminder))}
        assert "done" not in statuses
    assert bot.api.message(HR, reminder.message_id).text == reminder.text


async def test_a_ledger_shown_for_one_company_is_marked_there_after_a_switch(
    bot: BotHarness,
) -> None:
    await bot.join_as_hr(HR, company=JIA)
    await hire(bot, HR)
    view = (await bot.say(HR, "/ledger 2026-12"))[0]
    await bot.join_as_hr(HR, company=YI)  # 乙 is current; the 甲 ledger is still on screen
    mark = bot.api.mark()
    bot.api.press_button(HR, view.message_id, next(d for t, d in view.buttons if "全部" in t))
    asked = await bot.api.wait_for_edit(HR, view.message_id, since=mark, timeout=15)
    assert asked.text.startswith(f"【{JIA}】") and "<b>1</b> 人" in (asked.raw_text or "")
    mark = bot.api.mark()
    bot.api.press_button(HR, asked.message_id, next(d for t, d in asked.buttons if t == "✅ 确认"))
    done = await bot.api.wait_for_edit(HR, asked.message_id, since=mark, timeout=15)
    assert done.text.startswith(f"【{JIA}】") and "标记为已申报" in done.text
    with Session(bot.engine) as session:
        assert session.exec(select(LedgerMonth)).one().state == "declared"
