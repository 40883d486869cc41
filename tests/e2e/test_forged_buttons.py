"""Forged callback_data (the attack's crashing examples) gets one quiet "按钮已失效" answer:
no exception, no message, nothing written."""

from __future__ import annotations

import logging

import pytest
from harness import HR, BotHarness
from sqlalchemy import func
from sqlmodel import Session, select

from models.audit import AuditLog

CRASHED_IN_THE_ATTACK = [
    "ledger:decl",
    "ledger:paid:",
    "base:month:x",
    "ledger:page:abc:1",
    "ledger:bulk:x:2026-12",
    "todo:paid:9223372036854775808",
    "reminders:done:abc",
    "reminders:view:9223372036854775808",
    "hire:dept:x",
]


def _audit_rows(bot: BotHarness) -> int:
    with Session(bot.engine) as session:
        return session.exec(select(func.count()).select_from(AuditLog)).one()


async def _press_forged(bot: BotHarness, data: str, anchor: int) -> str | None:
    """Press `data` on message `anchor`; the text of the one answer the bot gave."""
    sent_before = len(bot.api.sent(HR))
    query_id = bot.api.press_button(HR, anchor, data, strict=False)
    await bot.eventually(
        lambda: any(a.callback_query_id == query_id for a in bot.api.answered_callbacks),
        timeout=10,
    )
    await bot.api.expect_silence(HR, seconds=0.3)
    assert len(bot.api.sent(HR)) == sent_before, "a forged press made the bot send a message"
    answers = [a for a in bot.api.answered_callbacks if a.callback_query_id == query_id]
    assert len(answers) == 1, answers
    return answers[0].text


@pytest.mark.parametrize("data", CRASHED_IN_THE_ATTACK)
async def test_forged_press_is_answered_quietly(
    bot: BotHarness, data: str, caplog: pytest.LogCaptureFixture
) -> None:
    await bot.join_as_hr(HR)
    await bot.say(HR, "/ledger")
    anchor = bot.api.last(HR).message_id
    before = _audit_rows(bot)
    with caplog.at_level(logging.ERROR):
        answer = await _press_forged(bot, data, anchor)
    assert answer is not None and "按钮已失效" in answer
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert _audit_rows(bot) == before
    assert bot.api.errors == []


async def test_forged_mapping_column_of_a_real_upload_is_answered_quietly(
    bot: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    await bot.join_as_hr(HR)
    csv = "姓名,身份证号,入职日期,缴费基数,备注栏\n陈明远,110101199003071233,2026-12-01,8000,x\n"
    mark = bot.api.mark()
    bot.api.send_document(HR, "两人.csv", csv.encode())
    [question] = await bot.api.wait_for_messages(HR, since=mark, timeout=15)
    assert "备注栏" in question.text
    with caplog.at_level(logging.ERROR):
        answer = await _press_forged(bot, "transfer:map:99:name", question.message_id)
    assert answer is not None and "按钮已失效" in answer
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_forged_leave_reason_out_of_range_is_answered_quietly(
    bot: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    await bot.join_as_hr(HR)
    await bot.say(HR, "/hire")
    for answer in ("陈明远", "110101199003071233", "12月1日", "后厨", "5000"):
        await bot.say(HR, answer)
    await bot.press(HR, "北京（默认）")
    await bot.press(HR, "✅ 确认")
    await bot.say(HR, "/leave")
    await bot.press(HR, "陈明远（后厨）")
    question = (await bot.say(HR, "今天"))[0]
    assert "离职原因" in question.text
    with caplog.at_level(logging.ERROR):
        answer = await _press_forged(bot, "leave:reason:99", question.message_id)
    assert answer is not None and "按钮已失效" in answer
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
