"""The outbox's edge: the presenter words a typed notification per audience, and the Telegram
adapter maps python-telegram-bot's errors onto the channel contract."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from telegram.error import Forbidden, NetworkError, RetryAfter

from bot.channels.base import (
    ChannelKind,
    DeliveryFailed,
    Endpoint,
    EndpointGone,
    Rendered,
    RetryLater,
)
from bot.channels.present import present
from bot.channels.telegram import TelegramChannel
from bot.services.notifications import (
    Addressee,
    DeclarationReminderFacts,
    EndpointGoneFacts,
    Notification,
    PendingDeclarant,
    RegistrationReminderFacts,
)
from policies.reminder_plan import ReminderKind

OVERDUE = RegistrationReminderFacts(
    employee_name="陈明远",
    department="后厨",
    left_on=None,
    days_employed=34,
    deadline=date(2026, 12, 31),
    days_left=-4,
    days_overdue=4,
    month=date(2026, 12, 1),
    late_fee=Decimal("12.34"),
)


def note(facts: Any, kind: ReminderKind, *addressees: Addressee) -> Notification:
    return Notification(
        reminder_id=42,
        company_id=1,
        kind=kind,
        facts=facts,
        addressees=addressees,
        already_delivered=0,
        catch_up=False,
        due_date=date(2027, 1, 4),
    )


def test_the_private_text_names_the_late_fee_the_group_and_robot_text_never() -> None:
    hr = Addressee(Endpoint.telegram(1001), membership_id=1, also_told=("李强",),
                   also_group=True)
    group = Addressee(Endpoint.telegram(-5001, is_group=True), also_told=("王芳", "李强"))
    robot = Addressee(Endpoint.robot(3, ChannelKind.WECOM))
    notification = note(OVERDUE, ReminderKind.REGISTRATION_OVERDUE, hr, group, robot)
    private = present(notification, hr)
    assert "¥12.34" in private.html and private.personal
    assert "已同时提醒：李强、HR群。" in private.html
    for shared in (present(notification, group), present(notification, robot)):
        assert "¥12.34" not in shared.html and "滞纳金" not in shared.html
        assert not shared.personal
    assert "已提醒：王芳、李强。" in present(notification, group).html
    assert private.title == "社保登记逾期提醒"
    labels = [(a.label, a.callback_data, a.start_payload) for a in private.actions]
    assert labels == [
        ("✅ 已办理", "reminders:done:42", None),
        ("⏰ 明天再提醒", "reminders:snooze:42", None),
        ("📄 查看", "reminders:view:42", "r42"),
    ]


def test_someone_serving_several_companies_reads_the_company_first() -> None:
    hr = Addressee(Endpoint.telegram(1001), membership_id=1, company_name="示例<餐饮>")
    facts = DeclarationReminderFacts(
        city="北京",
        month=date(2026, 12, 1),
        names=(PendingDeclarant("赵敏"), PendingDeclarant("陈明远", date(2026, 12, 31))),
        deadline=date(2026, 12, 25),
        days_left=4,
    )
    text = present(note(facts, ReminderKind.DECLARATION_UPCOMING, hr), hr).html
    assert text.startswith("【示例&lt;餐饮&gt;】\n⏰ 社保申报提醒")
    assert "· 赵敏\n" in text and "· 陈明远（新员工，可随登记缴纳至 2026-12-31（周四））" in text


def test_the_gone_notes() -> None:
    hr = Addressee(Endpoint.telegram(1002), membership_id=2)
    kind = ReminderKind.RECIPIENT_GONE
    blocked = present(note(EndpointGoneFacts(member_name="王芳"), kind, hr), hr)
    assert "HR 王芳已屏蔽机器人" in blocked.html and "/start" in blocked.html
    assert not blocked.actions
    group = present(note(EndpointGoneFacts(group=True), kind, hr), hr)
    assert "HR群已屏蔽机器人或将其移出群" in group.html and "/bindgroup" in group.html
    robot = present(
        note(EndpointGoneFacts(robot_kind="dingtalk", robot_hint="oapi…1234"), kind, hr), hr
    )
    assert "钉钉群机器人（oapi…1234）已失效" in robot.html and "/robot add" in robot.html


class FakeBot:
    def __init__(self, error: Exception | None = None) -> None:
        self.error = error
        self.calls: list[dict[str, Any]] = []

    async def send_message(self, **kwargs: Any) -> Any:
        self.calls.append(kwargs)
        if self.error is not None:
            raise self.error

        class Sent:
            message_id = 77

        return Sent()


async def test_the_telegram_adapter_sends_buttons_and_maps_errors() -> None:
    bot = FakeBot()
    channel = TelegramChannel(bot)  # type: ignore[arg-type]
    hr = Addressee(Endpoint.telegram(1001), membership_id=1)
    message = present(note(OVERDUE, ReminderKind.REGISTRATION_OVERDUE, hr), hr)
    delivered = await channel.send_text(hr.endpoint, message)
    assert delivered.message_id == 77
    (call,) = bot.calls
    assert call["chat_id"] == 1001 and call["parse_mode"] == "HTML"
    (row,) = call["reply_markup"].inline_keyboard
    assert [b.callback_data for b in row] == [a.callback_data for a in message.actions]
    with pytest.raises(ValueError):
        await channel.send_text(Endpoint.telegram(-5001, is_group=True), message)
    for error, expected in (
        (RetryAfter(timedelta(seconds=7)), RetryLater),
        (Forbidden("bot was blocked by the user"), EndpointGone),
        (NetworkError("502 Bad Gateway"), DeliveryFailed),
    ):
        failing = TelegramChannel(FakeBot(error))  # type: ignore[arg-type]
        with pytest.raises(expected) as raised:
            await failing.send_text(hr.endpoint, Rendered(title="t", html="x"))
        if isinstance(raised.value, RetryLater):
            assert raised.value.seconds == 7 and raised.value.whole_channel
