"""A dialog left half done by the version before the one dialog handler survives the upgrade.

That version kept one ConversationHandler per dialog ("conversation:hire" rows with integer
states) and untyped drafts under "hire_draft", "leave_draft" … in user_data. After the
upgrade the same chat goes on at the same step, with the same answers, and a confirm button
sent before the upgrade still confirms (handlers/dialog.py, handlers/drafts.py).
"""

from __future__ import annotations

import json
from typing import Any

from harness import HR, BotHarness
from sqlmodel import Session, select
from test_conversation_switching import VALID_ID, hire

from models.employee import Employee
from models.ptb_state import PtbState


def rows(bot: BotHarness) -> dict[tuple[str, str], Any]:
    with Session(bot.engine) as session:
        return {(r.kind, r.key): r.data for r in session.exec(select(PtbState))}


def rewrite_as_before(
    bot: BotHarness, name: str, state: int, legacy: dict[str, Any]
) -> None:
    """Turn the stored dialog of HR into what the old version stored at the same step."""
    with Session(bot.engine) as session:
        [dialog] = session.exec(
            select(PtbState).where(PtbState.kind == "conversation:dialog")
        ).all()
        key = dialog.key
        session.delete(dialog)
        user = session.exec(
            select(PtbState).where(PtbState.kind == "user_data", PtbState.key == str(HR))
        ).one()
        user.data = legacy
        session.add(user)
        session.add(PtbState(kind=f"conversation:{name}", key=key, data=state))
        session.commit()


def stored_draft(bot: BotHarness) -> dict[str, Any]:
    data = rows(bot)[("user_data", str(HR))]
    assert isinstance(data, dict)
    return data["dialog"]["draft"]


async def test_a_leave_waiting_for_the_last_day_goes_on_after_the_upgrade(
    bot: BotHarness,
) -> None:
    await bot.join_as_hr(HR)
    await hire(bot, "陈明远", VALID_ID)
    await bot.say(HR, "/leave")
    await bot.press(HR, "陈明远（后厨）")
    await bot.stop()
    with Session(bot.engine) as session:
        employee_id = session.exec(select(Employee)).one().id
    rewrite_as_before(
        bot,
        "leave",
        1,  # the old LeaveState.LAST_DAY
        {
            "leave_draft": {"employee_id": employee_id, "name": "陈明远"},
            "leave_draft_nonce": "0123456789ab",
            "hire_draft": {"name": "早已放弃的入职"},  # a leftover the old version kept
        },
    )
    await bot.start()

    replies = await bot.say(HR, "2026-12-31")
    assert "原因" in replies[-1].text, replies[-1].text
    stored = rows(bot)
    assert not any(kind == "conversation:leave" for kind, _ in stored)
    assert [data for (kind, _), data in stored.items() if kind == "conversation:dialog"] == [
        "leave.reason"
    ]
    user_data = stored[("user_data", str(HR))]
    assert set(user_data) == {"dialog"}  # the old keys are gone
    assert stored_draft(bot)["nonce"] == "0123456789ab"
    await bot.press(HR, "主动离职")
    replies = await bot.press(HR, "✅ 确认")
    assert "陈明远" in replies[-1].text and "离职" in replies[-1].text, replies[-1].text


async def test_a_hire_preview_sent_before_the_upgrade_still_confirms(bot: BotHarness) -> None:
    await bot.join_as_hr(HR)
    for answer in ("/hire", "陈明远", VALID_ID, "12月1日", "后厨", "5000"):
        await bot.say(HR, answer)
    await bot.press(HR, "北京（默认）")  # the summary with ✅ 确认
    draft = stored_draft(bot)
    await bot.stop()
    rewrite_as_before(
        bot,
        "hire",
        7,  # the old HireState.CONFIRM
        {
            "hire_draft": draft["answers"],
            "hire_draft_nonce": draft["nonce"],
            "hire_editing": False,
        },
    )
    await bot.start()

    # The button on the summary carries the old token: a digest of the same nonce and answers.
    replies = await bot.press(HR, "✅ 确认")
    assert "已登记" in replies[0].text and "陈明远" in replies[0].text, replies[0].text
    with Session(bot.engine) as session:
        assert [e.name for e in session.exec(select(Employee))] == ["陈明远"]


async def test_an_unreadable_stored_draft_ends_the_dialog_with_a_message(
    bot: BotHarness,
) -> None:
    await bot.join_as_hr(HR)
    await bot.say(HR, "/hire")
    await bot.stop()
    rewrite_as_before(bot, "hire", 1, {"hire_draft": "not a dict"})  # waiting for the 身份证
    await bot.start()

    replies = await bot.say(HR, VALID_ID)
    assert "已失效" in replies[-1].text and "/hire" in replies[-1].text, replies[-1].text
    assert not any(kind.startswith("conversation:") for kind, _ in rows(bot))
    assert json.dumps(rows(bot).get(("user_data", str(HR)), {})).find(VALID_ID) == -1


async def test_a_malformed_old_draft_ends_the_dialog_with_a_message(bot: BotHarness) -> None:
    await bot.join_as_hr(HR)
    await bot.say(HR, "/hire")
    await bot.stop()
    # a todo mark waiting for its date, stored without its item
    rewrite_as_before(bot, "todo_mark", 0, {"todo_pending": {"action": "done"}})
    await bot.start()

    replies = await bot.say(HR, "今天")
    assert "已过期" in replies[-1].text and "/todo" in replies[-1].text, replies[-1].text
    # the end is flushed after the reply (this step writes no checkpoint)
    await bot.eventually(lambda: not any(k.startswith("conversation:") for k, _ in rows(bot)))
