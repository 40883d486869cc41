"""The complaint dialogs survive a crash between the question and the answer, /cancel files
nothing, and starting /complaint drops another dialog left open."""

from __future__ import annotations

from harness import HR, BotHarness
from sqlmodel import Session, select
from test_employees import EMPLOYEE, bind_employee, hire, tick

from models.complaint import Complaint


def complaints(bot: BotHarness) -> list[Complaint]:
    with Session(bot.engine) as session:
        return list(session.exec(select(Complaint)))


async def test_complaint_and_reply_survive_a_crash(bot: BotHarness) -> None:
    await bot.join_as_hr(HR)
    await hire(bot, "陈明远", "123")
    await bind_employee(bot, EMPLOYEE, "陈明远")

    (asked,) = await bot.say(EMPLOYEE, "/complaint")
    assert "请直接输入" in asked.text
    await bot.restart(crash=True)
    (filed,) = await bot.say(EMPLOYEE, "公司还没给我交社保")
    assert "已提交" in filed.text
    assert [c.text for c in complaints(bot)] == ["公司还没给我交社保"]

    mark = bot.api.mark()
    await tick(bot)
    await bot.api.wait_for_messages(HR, count=1, since=mark)
    (ask_reply,) = await bot.press(HR, "💬 回复")
    assert "请输入回复内容" in ask_reply.text
    await bot.restart(crash=True)
    (replied,) = await bot.say(HR, "本月已办理，请查看 /me。")
    assert "已回复 陈明远" in replied.text
    assert complaints(bot)[0].reply == "本月已办理，请查看 /me。"


async def test_cancel_files_nothing_and_a_new_dialog_drops_the_open_one(
        bot: BotHarness) -> None:
    await bot.join_as_hr(HR)
    await hire(bot, "陈明远", "123")
    await bind_employee(bot, EMPLOYEE, "陈明远")

    await bot.say(EMPLOYEE, "/complaint")
    (cancelled,) = await bot.say(EMPLOYEE, "/cancel")
    assert "未提交投诉" in cancelled.text
    assert complaints(bot) == []

    # the text after /cancel is an ordinary question again, not a complaint
    await bot.say(EMPLOYEE, "社保缴费基数是多少")
    assert complaints(bot) == []

    # HR: a /hire left open is dropped when a complaint reply starts
    await bot.say(EMPLOYEE, "/complaint 基数不对")
    mark = bot.api.mark()
    await tick(bot)
    await bot.api.wait_for_messages(HR, count=1, since=mark)
    await bot.say(HR, "/hire")
    dropped, ask_reply = await bot.press(HR, "💬 回复", expect=2)
    assert "已放弃未完成的入职登记" in dropped.text
    assert "请输入回复内容" in ask_reply.text
