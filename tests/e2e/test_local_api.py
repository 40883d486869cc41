"""End-to-end checks of the fake Bot API: a real PTB Bot and Application talk to it over HTTP.

Every feature's end-to-end tests stand on this server, so these tests pin down the contract
they rely on: round trips through the updater, files both ways, and faults that surface as the
exceptions PTB raises against the real Telegram.
"""

from __future__ import annotations

import asyncio
import datetime as dtm
import hashlib
import threading
import time
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from telegram import Bot, BotCommand, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import (
    BadRequest,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TimedOut,
)
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.local_api import Activity, LocalBotApi

HR = 1001
EMPLOYEE = 1002
GROUP = -100777


@pytest.fixture
def api() -> Iterator[LocalBotApi]:
    with LocalBotApi() as server:
        yield server
    assert server.errors == []
    assert not [t for t in threading.enumerate() if t.name == "LocalBotApi"]


@pytest.fixture
async def bot(api: LocalBotApi) -> AsyncIterator[Bot]:
    async with Bot(api.token, base_url=api.base_url, base_file_url=api.base_file_url) as client:
        yield client


async def cmd_start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Greets with the deep-link arguments and offers two buttons, like a real menu."""
    assert update.effective_user is not None and update.message is not None
    keyboard = InlineKeyboardMarkup(
        [
            [InlineKeyboardButton("确认", callback_data="demo:confirm:7")],
            [InlineKeyboardButton("取消", callback_data="demo:cancel")],
        ]
    )
    await update.message.reply_text(
        f"你好，<b>{update.effective_user.first_name}</b>！参数：{' '.join(context.args or [])}",
        parse_mode="HTML",
        reply_markup=keyboard,
    )


async def on_demo_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer("已处理")
    await query.edit_message_text(f"已选择 {query.data}")


async def on_document(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Downloads the upload and sends back a digest plus the reversed bytes as a file."""
    assert update.message is not None and update.message.document is not None
    file = await update.message.document.get_file()
    data = bytes(await file.download_as_bytearray())
    digest = hashlib.sha256(data).hexdigest()[:12]
    await update.message.reply_text(f"收到 {update.message.document.file_name} {digest}")
    await update.message.reply_document(data[::-1], filename="回执.xlsx", caption="回执")


@pytest.fixture
async def app(api: LocalBotApi) -> AsyncIterator[Application]:
    application = (
        ApplicationBuilder()
        .token(api.token)
        .base_url(api.base_url)
        .base_file_url(api.base_file_url)
        .build()
    )
    application.add_handler(CommandHandler("start", cmd_start))
    application.add_handler(CallbackQueryHandler(on_demo_button, pattern=r"^demo:"))
    application.add_handler(MessageHandler(filters.Document.ALL, on_document))
    await application.initialize()
    await application.start()
    assert application.updater is not None
    await application.updater.start_polling(poll_interval=0.0, timeout=dtm.timedelta(seconds=1))
    try:
        yield application
    finally:
        started = time.monotonic()
        await application.updater.stop()
        await application.stop()
        await application.shutdown()
        # A 1 s long poll: stopping must not wait for more than a couple of poll rounds.
        assert time.monotonic() - started < 5.0, "polling did not stop promptly"


async def test_command_keyboard_press_and_edit_round_trip(
    api: LocalBotApi, app: Application
) -> None:
    api.user(HR, "王芳", "wangfang_hr")
    api.send_message(HR, "/start INVITE42")

    [greeting] = await api.wait_for_messages(HR)

    assert greeting.text == "你好，王芳！参数：INVITE42"
    assert greeting.raw_text == "你好，<b>王芳</b>！参数：INVITE42"
    assert api.buttons(greeting) == [("确认", "demo:confirm:7"), ("取消", "demo:cancel")]

    query_id = api.press_button(HR, greeting.message_id, "demo:confirm:7")
    edited = await api.wait_for_edit(HR, greeting.message_id)

    assert edited is greeting
    assert edited.text == "已选择 demo:confirm:7"
    assert edited.buttons == []  # editMessageText without reply_markup drops the keyboard
    assert edited.edits[0].text == "你好，王芳！参数：INVITE42"
    await api.wait_until(lambda: api.answered_callbacks)
    assert [(a.callback_query_id, a.text) for a in api.answered_callbacks] == [
        (query_id, "已处理")
    ]
    await api.wait_until(lambda: not api.pending_updates)


async def test_group_command_addressed_to_the_bot(api: LocalBotApi, app: Application) -> None:
    mark = api.mark()
    api.send_message(HR, "/start@hrbot_local_bot", chat_id=GROUP, chat_type="supergroup")

    [reply] = await api.wait_for_messages(GROUP, since=mark)

    assert reply.chat_id == GROUP
    assert reply.text == "你好，测试用户！参数："
    assert api.sent(HR) == []


async def test_press_text_and_waiting_reads_like_a_conversation(
    api: LocalBotApi, app: Application
) -> None:
    api.send_message(EMPLOYEE, "/start")
    [first] = await api.wait_for_messages(EMPLOYEE)
    api.send_message(EMPLOYEE, "/start again")
    [second] = await api.wait_for_messages(EMPLOYEE)  # not `first` again

    assert (first.message_id, second.message_id) == (2, 4)
    api.press_button_text(EMPLOYEE, "取消")
    assert (await api.wait_for_edit(EMPLOYEE)).text == "已选择 demo:cancel"
    with pytest.raises(ValueError, match="no button"):
        api.press_button(EMPLOYEE, second.message_id, "demo:forged")
    with pytest.raises(TimeoutError, match=f"chat {EMPLOYEE}"):
        await api.wait_for_messages(EMPLOYEE, timeout=0.1)


async def test_uploaded_document_reaches_the_bot_and_its_reply_file_is_readable(
    api: LocalBotApi, app: Application
) -> None:
    payload = bytes(range(256)) * 40 + b"\r\n--boundary-lookalike\r\n"
    api.send_document(HR, "花名册.xlsx", payload, caption="入职")

    text, document = await api.wait_for_messages(HR, count=2)

    assert text.text == f"收到 花名册.xlsx {hashlib.sha256(payload).hexdigest()[:12]}"
    assert document.method == "sendDocument"
    assert document.document_name == "回执.xlsx"
    assert document.document_bytes == payload[::-1]
    assert document.text == "回执"
    assert document.document is not None
    assert document.document.mime_type is not None
    assert document.document.mime_type.endswith("spreadsheetml.sheet")


async def test_long_poll_returns_promptly_on_injection_and_offset_confirms(
    api: LocalBotApi, bot: Bot
) -> None:
    started = time.monotonic()
    poll = asyncio.create_task(bot.get_updates(timeout=dtm.timedelta(seconds=5)))
    await asyncio.sleep(0.05)
    update_id = api.send_message(HR, "你好")
    [update] = await asyncio.wait_for(poll, 4)

    # Well before the 5 s long-poll timeout: the injection woke the poll.
    assert time.monotonic() - started < 4.0
    assert update.update_id == update_id
    assert update.message is not None and update.message.text == "你好"
    assert update.message.entities == ()
    assert len(api.pending_updates) == 1
    assert await bot.get_updates(offset=update_id + 1, timeout=0) == ()
    assert api.pending_updates == []


async def test_edits_deletes_and_telegram_validation(api: LocalBotApi, bot: Bot) -> None:
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("好", callback_data="x:y")]])
    sent = await bot.send_message(HR, "123", reply_markup=keyboard)
    stored = api.last(HR)

    assert sent.text == "123" and stored.reply_markup == keyboard.to_dict()
    with pytest.raises(BadRequest, match="not modified"):
        await bot.edit_message_text("123", HR, sent.message_id, reply_markup=keyboard)
    await bot.edit_message_reply_markup(HR, sent.message_id)
    assert stored.buttons == [] and stored.text == "123" and len(stored.edits) == 1

    formatted = await bot.send_message(HR, "😀<b>粗</b>体 &lt;3", parse_mode="HTML")
    assert formatted.text == "😀粗体 <3"
    assert list(formatted.parse_entities().values()) == ["粗"]  # UTF-16 offsets line up

    with pytest.raises(BadRequest, match=r"(?i)unsupported start tag"):
        await bot.send_message(HR, "第一行<br>第二行", parse_mode="HTML")
    with pytest.raises(BadRequest, match="end tag"):
        await bot.send_message(HR, "<b>未闭合", parse_mode="HTML")
    with pytest.raises(BadRequest, match=r"(?i)button_data_invalid"):
        too_long = InlineKeyboardButton("长", callback_data="x" * 65)
        await bot.send_message(HR, "x", reply_markup=InlineKeyboardMarkup([[too_long]]))
    with pytest.raises(BadRequest, match="too long"):
        await bot.send_message(HR, "字" * 4097)

    assert await bot.delete_message(HR, sent.message_id)
    assert stored.deleted
    with pytest.raises(BadRequest, match="not found"):
        await bot.edit_message_text("新", HR, sent.message_id)
    assert [m.text for m in api.sent(HR)] == ["123", "😀粗体 <3"]


async def test_bot_metadata_methods(api: LocalBotApi, bot: Bot) -> None:
    assert bot.username == "hrbot_local_bot"
    assert await bot.set_my_commands([BotCommand("start", "开始"), BotCommand("todo", "待办")])
    assert [c.command for c in await bot.get_my_commands()] == ["start", "todo"]
    assert api.commands()[1] == {"command": "todo", "description": "待办"}
    assert await bot.delete_my_commands()
    assert await bot.get_my_commands() == ()
    assert (await bot.get_webhook_info()).url == ""
    assert await bot.send_chat_action(HR, "typing")
    api.user(HR, "王芳")
    api.send_message(HR, "hi")
    assert (await bot.get_chat(HR)).first_name == "王芳"

    with pytest.raises(EndPointNotFound):
        await bot.do_api_request("sendTelepathy")
    assert api.calls_of("sendTelepathy")[0].outcome == "not_found"
    assert api.token not in repr(api.calls) + repr(api)


async def test_wrong_token_is_unauthorized(api: LocalBotApi) -> None:
    intruder = Bot("999:WRONG", base_url=api.base_url, base_file_url=api.base_file_url)
    with pytest.raises(InvalidToken):
        await intruder.initialize()
    await intruder.shutdown()


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("forbidden", Forbidden),
        ("server_error", NetworkError),
        ("bad_request", BadRequest),
        ("disconnect", NetworkError),
    ],
)
async def test_fault_raises_the_ptb_exception_and_sends_nothing(
    api: LocalBotApi, bot: Bot, kind: str, expected: type[Exception]
) -> None:
    api.fail_next("sendMessage", chat_id=HR, error=kind)  # type: ignore[arg-type]

    await bot.send_message(EMPLOYEE, "别的聊天不受影响")
    with pytest.raises(expected) as raised:
        await bot.send_message(HR, "第一次")
    await bot.send_message(HR, "第二次")

    if kind in {"server_error", "disconnect"}:
        assert type(raised.value) in {NetworkError, TimedOut}
    assert [m.text for m in api.sent(HR)] == ["第二次"]
    assert [c.outcome for c in api.calls_of("sendMessage")] == ["ok", kind, "ok"]


async def test_retry_after_fault_carries_the_delay(
    api: LocalBotApi, bot: Bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    # PTB 22 warns about int retry_after inside RetryAfter() itself unless this opt-in is set.
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    api.fail_next("send_message", error="retry_after", retry_after=3, times=2)

    for _ in range(2):
        with pytest.raises(RetryAfter) as raised:
            await bot.send_message(HR, "提醒")
        assert raised.value.retry_after == dtm.timedelta(seconds=3)
    await bot.send_message(HR, "提醒")

    assert len(api.sent(HR)) == 1
    assert api.max_calls_per_window(1.0, chat_id=HR) == 3


async def test_stop_wakes_a_pending_long_poll(bot: Bot) -> None:
    server = LocalBotApi().start()
    client = Bot(server.token, base_url=server.base_url, base_file_url=server.base_file_url)
    async with client:
        poll = asyncio.create_task(client.get_updates(timeout=dtm.timedelta(seconds=30)))
        await asyncio.sleep(0.1)
        started = time.monotonic()
        await asyncio.to_thread(server.stop)
        assert await asyncio.wait_for(poll, 10) == ()
        # Far below the 30 s long-poll timeout: stopping woke the poll.
        assert time.monotonic() - started < 10.0


async def test_blocked_user_and_subscribers(api: LocalBotApi, bot: Bot) -> None:
    seen: list[Activity] = []
    unsubscribe = api.subscribe(seen.append)
    await bot.send_message(HR, "第一条")
    api.block(HR)
    with pytest.raises(Forbidden, match="blocked"):
        await bot.send_message(HR, "第二条")
    api.unblock(HR)
    unsubscribe()
    await bot.send_message(HR, "第三条")

    assert [(a.kind, a.message.text) for a in seen] == [("sent", "第一条")]
    await api.expect_silence(HR, seconds=0.05)


async def test_json_bodies_and_query_strings_are_understood(api: LocalBotApi) -> None:
    """Other clients (curl, aiogram) send JSON or query strings; the server accepts both."""
    url = f"{api.base_url}{api.token}"
    async with httpx.AsyncClient() as client:
        markup = {"inline_keyboard": [[{"text": "是", "callback_data": "q:yes"}]]}
        response = await client.post(
            f"{url}/sendMessage", json={"chat_id": HR, "text": "true", "reply_markup": markup}
        )
        by_query = await client.get(f"{url}/sendMessage", params={"chat_id": HR, "text": "42"})

    assert response.json()["result"]["reply_markup"] == markup
    assert by_query.json()["ok"] is True
    assert [m.text for m in api.sent(HR)] == ["true", "42"]
