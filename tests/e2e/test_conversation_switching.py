"""HR switch tasks mid-conversation: a new conversation's command ends the one left open."""

from __future__ import annotations

from harness import HR, BotHarness
from sqlmodel import Session, select

from models.employee import Employee

VALID_ID = "110101199003071233"


async def hire(bot: BotHarness, name: str, id_number: str) -> None:
    await bot.say(HR, "/hire")
    await bot.say(HR, name)
    await bot.say(HR, id_number)
    await bot.say(HR, "12月1日")
    await bot.say(HR, "后厨")
    await bot.say(HR, "8000")
    await bot.press(HR, "北京（默认）")
    await bot.press(HR, "✅ 确认")


async def test_leave_started_during_hire_gets_the_typed_answers(bot: BotHarness) -> None:
    await bot.join_as_hr(HR)
    await hire(bot, "陈明远", VALID_ID)

    # A new hire is half done (waiting for the name) when HR remember a resignation.
    await bot.say(HR, "/hire")
    notice, question = await bot.say(HR, "/leave", expect=2)
    assert "已放弃未完成的入职登记" in notice.text
    assert "离职登记" in question.text
    await bot.press(HR, "陈明远（后厨）")
    # The last working day goes to /leave, not to the abandoned /hire as a name.
    replies = await bot.say(HR, "2026-12-31")
    assert "离职原因" in replies[-1].text or "原因" in replies[-1].text, replies[-1].text
    assert "入职登记" not in replies[-1].text


async def test_hire_started_during_leave_leaves_no_leave_waiting(bot: BotHarness) -> None:
    await bot.join_as_hr(HR)
    await hire(bot, "陈明远", VALID_ID)

    await bot.say(HR, "/leave")
    await bot.press(HR, "陈明远（后厨）")  # /leave now waits for the last working day
    notice, _ = await bot.say(HR, "/hire", expect=2)
    assert "已放弃未完成的离职登记" in notice.text
    await bot.say(HR, "李静")
    await bot.say(HR, "110105198501010020")
    await bot.say(HR, "12月1日")
    await bot.say(HR, "后厨")
    await bot.say(HR, "8000")
    await bot.press(HR, "北京（默认）")
    await bot.press(HR, "✅ 确认")
    # After the hire, a typed date is not silently taken as 陈明远's last working day.
    replies = await bot.say(HR, "今天")
    assert "最后工作日" not in replies[-1].text and "原因" not in replies[-1].text
    with Session(bot.engine) as session:
        names = {e.name for e in session.exec(select(Employee)).all()}
    assert names == {"陈明远", "李静"}


async def test_todo_mark_during_hire_gets_the_typed_date(bot: BotHarness) -> None:
    await bot.join_as_hr(HR)
    await hire(bot, "陈明远", VALID_ID)

    await bot.say(HR, "/hire")
    await bot.say(HR, "李静")  # the hire now waits for a 身份证 number
    await bot.say(HR, "/todo")
    notice, question = await bot.press(HR, "✅ 陈明远 社保登记 已办理", expect=2)
    assert "已放弃未完成的入职登记" in notice.text
    assert "办理日期" in question.text
    replies = await bot.say(HR, "2026-12-01")
    assert "已记录" in replies[-1].text, replies[-1].text


async def test_ledger_takes_a_bare_month_with_full_width_digits(bot: BotHarness) -> None:
    await bot.join_as_hr(HR)
    await hire(bot, "陈明远", VALID_ID)
    replies = await bot.say(HR, "/ledger １２月")
    assert "2026年12月社保台账" in replies[0].text, replies[0].text
