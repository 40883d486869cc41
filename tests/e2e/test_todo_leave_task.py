"""/todo after a /leave: the 减员 task is told apart from the registration task."""

from __future__ import annotations

from harness import HR, BotHarness
from test_conversation_switching import VALID_ID, hire


async def test_leave_task_button_and_replies_name_the_leave(bot: BotHarness) -> None:
    await bot.join_as_hr(HR)
    await hire(bot, "陈明远", VALID_ID)
    await bot.say(HR, "/leave")
    await bot.press(HR, "陈明远（后厨）")
    await bot.say(HR, "12月31日")
    await bot.press(HR, "主动离职")
    await bot.press(HR, "✅ 确认")

    [listing] = await bot.say(HR, "/todo")
    labels = [text for text, _ in listing.buttons]
    assert len(labels) == len(set(labels)), labels  # no two buttons read the same
    assert "✅ 陈明远 社保登记 已办理" in labels and "✅ 陈明远 社保减员 已办理" in labels

    [question] = await bot.press(HR, "✅ 陈明远 社保减员 已办理")
    assert "社保减员" in question.text and "社保登记" not in question.text
    [done] = await bot.say(HR, "今天")
    assert "社保减员已办理" in done.text and "社保登记" not in done.text, done.text


async def test_ledger_offers_bulk_marks_only_while_something_is_left(bot: BotHarness) -> None:
    await bot.join_as_hr(HR)
    await hire(bot, "陈明远", VALID_ID)
    [view] = await bot.say(HR, "/ledger")
    labels = [text for text, _ in view.buttons]
    assert "📝 全部标记已申报" in labels and "💰 全部标记已缴纳" in labels
    await bot.press(HR, "📝 陈明远 已申报", expect=0)
    [view] = await bot.say(HR, "/ledger")
    labels = [text for text, _ in view.buttons]
    assert "📝 全部标记已申报" not in labels and "💰 全部标记已缴纳" in labels
    # A bulk mark skips people whose registration is still open (issue 9): record it first.
    await bot.say(HR, "/todo")
    await bot.press(HR, "✅ 陈明远 社保登记 已办理")
    await bot.press(HR, "今天")
    await bot.say(HR, "/ledger")
    await bot.press(HR, "💰 全部标记已缴纳", expect=0)
    await bot.press(HR, "✅ 确认", expect=0)
    [view] = await bot.say(HR, "/ledger")
    assert "已缴纳 1 人" in view.text
    assert not [text for text, _ in view.buttons if "全部标记" in text], view.buttons
