"""确认 pressed again after a crash between the commit and the reply (issue 8, item 11).

The hire was saved but the process died before "已登记" reached HR; after the restart the
conversation still waits at 确认. Pressing it again must answer with the saved hire's result,
not refuse it as registered "in another session", and must not register it twice.
"""

from __future__ import annotations

from typing import Any

import pytest
from harness import HR, BotHarness
from sqlmodel import Session, select

from bot.services import hiring
from models.employee import Employee
from models.ledger import LedgerMonth
from models.task import Task

VALID_ID = "110101199003071233"


def counts(bot: BotHarness) -> tuple[int, int, int]:
    with Session(bot.engine) as session:
        return (
            len(session.exec(select(Employee)).all()),
            len(session.exec(select(Task)).all()),
            len(session.exec(select(LedgerMonth)).all()),
        )


async def test_confirm_again_after_a_crash_between_commit_and_reply(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    await bot.join_as_hr(HR)
    for answer in ("/hire", "陈明远", VALID_ID, "12月1日", "后厨", "5000"):
        await bot.say(HR, answer)
    (summary,) = await bot.press(HR, "北京（默认）")
    real = hiring.register_hire

    def committed_then_killed(*args: Any, **kwargs: Any) -> hiring.HireResult:
        result = real(*args, **kwargs)
        # The process dies right here: nothing more is persisted, nothing reaches the user.
        bot.lose_persistence()
        bot.api.block(HR)
        return result

    monkeypatch.setattr(hiring, "register_hire", committed_then_killed)
    (confirm,) = [data for label, data in summary.buttons if label == "✅ 确认"]
    assert confirm is not None
    query_id = bot.api.press_button(HR, summary.message_id, confirm)
    await bot.eventually(lambda: counts(bot) == (1, 1, 1), timeout=15)
    await bot.eventually(
        lambda: any(a.callback_query_id == query_id for a in bot.api.answered_callbacks)
    )
    await bot.restart(crash=True)
    monkeypatch.setattr(hiring, "register_hire", real)
    bot.api.unblock(HR)
    assert not any("已登记" in (m.text or "") for m in bot.api.sent(HR))  # never seen

    replies = await bot.press(HR, "✅ 确认")  # still on the summary the user last saw
    assert "✅ 已登记" in replies[0].text and "陈明远" in replies[0].text
    assert "其他会话" not in replies[0].text
    assert counts(bot) == (1, 1, 1)
    # The conversation is over now: a third press explains instead of registering.
    before = len(bot.api.answered_callbacks)
    bot.api.press_button(HR, summary.message_id, confirm, strict=False)
    await bot.eventually(lambda: len(bot.api.answered_callbacks) > before)
    assert counts(bot) == (1, 1, 1)


async def test_the_same_id_number_from_another_draft_is_still_refused(bot: BotHarness) -> None:
    """The key is per draft: a second /hire of a registered 身份证 is refused as before."""
    await bot.join_as_hr(HR)
    for answer in ("/hire", "陈明远", VALID_ID, "12月1日", "后厨", "5000"):
        await bot.say(HR, answer)
    await bot.press(HR, "北京（默认）")
    assert "已登记" in (await bot.press(HR, "✅ 确认"))[0].text
    await bot.say(HR, "/hire")
    await bot.say(HR, "陈明远")
    replies = await bot.say(HR, VALID_ID)
    assert replies[0].text.startswith("❌ 该身份证号码已登记")
    assert counts(bot) == (1, 1, 1)
