"""A sticker or photo where an answer is expected gets told what to send, in every flow."""

from __future__ import annotations

from harness import HR, BotHarness
from test_conversation_switching import VALID_ID, hire

from bot.local_api import SentMessage


async def send_sticker(bot: BotHarness) -> list[SentMessage]:
    api = bot.api
    mark = api.mark()
    sticker = {
        "file_id": "sticker-1",
        "file_unique_id": "sticker-u1",
        "width": 512,
        "height": 512,
        "is_animated": False,
        "is_video": False,
        "type": "regular",
    }
    with api._lock:
        chat = api._chat_for_user(HR, None, "private", None, None)
        message = api._new_user_message(chat, HR, None, {"sticker": sticker})
        api._push_update("message", message)
    return await api.wait_for_messages(HR, since=mark)


async def test_sticker_during_leave_and_base_is_answered(bot: BotHarness) -> None:
    await bot.join_as_hr(HR)
    await hire(bot, "陈明远", VALID_ID)

    await bot.say(HR, "/leave")
    await bot.press(HR, "陈明远（后厨）")
    [hint] = await send_sticker(bot)
    assert "/cancel" in hint.text and "离职" in hint.text

    notice, _ = await bot.say(HR, "/base", expect=2)  # the open /leave is dropped first
    assert "已放弃未完成的离职登记" in notice.text
    await bot.press(HR, "陈明远（后厨）")
    [hint] = await send_sticker(bot)
    assert "/cancel" in hint.text and "金额" in hint.text


async def test_base_commands_with_no_employees_say_what_to_do_first(bot: BotHarness) -> None:
    await bot.join_as_hr(HR)
    [answer] = await bot.say(HR, "/base")
    assert "/hire" in answer.text
    [answer] = await bot.say(HR, "/base_all")
    assert "没有在职员工" in answer.text and "/hire" in answer.text and not answer.buttons
