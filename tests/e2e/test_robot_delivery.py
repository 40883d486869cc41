"""Reminders reach group robots through the outbox: the real Application, the local Bot API,
the fake WeCom / Feishu / DingTalk server, a manual clock.

HR add robots by chatting (/robot add); the reminder tick (the same one the JobQueue runs)
sends each due reminder to the Telegram HR chat and to every robot whose company setting
includes its kind, each endpoint with its own delivery row.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import timedelta

import pytest
from harness import HR, HR2, BotHarness
from sqlalchemy import Engine, text
from test_reminders import at, hire, tick, tick_and_read

from bot.channels.base import ChannelKind
from bot.secret_box import new_key
from bot.settings import Settings, load_settings
from tests.fakes.robot_server import FakeRobot, RobotServer

DAY_28 = at(12, 29)  # a 12-01 hire's urgent reminder (registration_urgent: a robot default)


@pytest.fixture
def settings() -> Settings:
    return load_settings(
        path="/nonexistent/config.toml",
        env={"HRBOT_SECRET_KEY": new_key(), "HRBOT_ROBOTS_ALLOW_LOCAL_WEBHOOKS": "true"},
    )


@pytest.fixture
def vendor() -> Iterator[RobotServer]:
    with RobotServer() as server:
        yield server


async def add(bot: BotHarness, robot: FakeRobot, secret: str | None = None) -> None:
    command = f"/robot add {robot.kind} {robot.url}" + (f" {secret}" if secret else "")
    (added,) = await bot.say(HR, command)
    assert added.text.startswith("✅ 已添加"), added.text


async def registration_only(bot: BotHarness) -> None:
    """/robot notify: robots get the registration reminders only (December's declaration
    reminders would reach them too by default)."""
    (shown,) = await bot.say(HR, "/robot notify")
    assert "✅ 申报截止日提醒" in shown.text
    for label in ("✅ 月度申报提前提醒", "✅ 申报截止日提醒"):
        await bot.press(HR, label, expect=0)


def urgent_in_telegram(bot: BotHarness) -> list[str]:
    return [m.text for m in bot.api.sent(HR) if (m.text or "").startswith("⚠️ 紧急：社保登记")]


def robot_text(body: dict) -> str:
    """What a robot message says, whatever the vendor's JSON."""
    if "markdown" in body:
        return body["markdown"].get("content") or body["markdown"]["text"]
    post = body["content"]["post"]["zh_cn"]
    return "\n".join(element.get("text", "") + element.get("href", "")
                     for line in post["content"] for element in line)


async def test_a_due_reminder_reaches_telegram_and_the_wecom_robot_once_each(
    bot: BotHarness, vendor: RobotServer, engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.INFO, logger="telegram")  # as in production (PTB logs updates)
    await bot.join_as_hr(HR)
    wecom = vendor.add(ChannelKind.WECOM)
    await add(bot, wecom)
    await registration_only(bot)
    await hire(bot)
    assert len(await tick_and_read(bot, at(12, 24))) == 1  # day 23: not a robot default
    assert wecom.messages == []

    await tick(bot, DAY_28)
    await tick(bot, DAY_28 + timedelta(minutes=1))
    await tick(bot, DAY_28 + timedelta(hours=3))
    assert len(urgent_in_telegram(bot)) == 1
    (body,) = wecom.messages
    content = robot_text(body)
    assert body["msgtype"] == "markdown"
    assert "**陈明远**" in content and "紧急" in content
    with engine.connect() as connection:
        reminder_id = connection.execute(text(
            "SELECT id FROM reminder WHERE kind = 'registration_urgent'")).scalar_one()
        rows = connection.execute(text(
            "SELECT endpoint FROM reminder_delivery WHERE reminder_id = :id ORDER BY endpoint"),
            {"id": reminder_id}).scalars().all()
    assert f"({'https://t.me/'}" in content and f"?start=r{reminder_id})" in content
    # no 身份证, wage or fee in a robot message; no press-only action
    for private in ("1101", "5000", "滞纳金", "已办理", "明天再提醒"):
        assert private not in content
    assert [r.split(":")[0] for r in rows] == ["robot", "telegram"]
    assert wecom.credential not in caplog.text


async def test_a_rate_limited_robot_is_retried_later_and_gets_it_once(
    bot: BotHarness, vendor: RobotServer
) -> None:
    await bot.join_as_hr(HR)
    wecom = vendor.add(ChannelKind.WECOM)
    await add(bot, wecom)
    await registration_only(bot)
    await hire(bot)
    await tick(bot, at(12, 24))
    wecom.script.append("rate_limit")
    await tick(bot, DAY_28)
    assert len(urgent_in_telegram(bot)) == 1  # Telegram is not held up by the robot
    assert wecom.messages == [] and wecom.answers == ["45009"]
    await tick(bot, DAY_28 + timedelta(seconds=30))  # WeCom's minute has not passed
    assert wecom.answers == ["45009"]
    await tick(bot, DAY_28 + timedelta(seconds=61))
    await tick(bot, DAY_28 + timedelta(minutes=5))
    assert len(wecom.messages) == 1 and wecom.answers == ["45009", "ok"]
    assert len(urgent_in_telegram(bot)) == 1


async def test_a_removed_robot_gets_nothing(bot: BotHarness, vendor: RobotServer) -> None:
    await bot.join_as_hr(HR)
    wecom = vendor.add(ChannelKind.WECOM)
    ding = vendor.add(ChannelKind.DINGTALK)
    await add(bot, wecom)
    await add(bot, ding)
    (listing,) = await bot.say(HR, "/robot list")
    wecom_id = next(line.split(" ")[0] for line in listing.text.split("\n") if "企业微信" in line)
    await bot.say(HR, f"/robot remove {wecom_id}")
    await registration_only(bot)
    await hire(bot)
    await tick(bot, at(12, 24))
    await tick(bot, DAY_28)
    assert wecom.answers == [] and len(ding.messages) == 1
    assert len(urgent_in_telegram(bot)) == 1


async def test_feishu_and_dingtalk_signatures_are_verified(
    bot: BotHarness, vendor: RobotServer
) -> None:
    await bot.join_as_hr(HR)
    feishu = vendor.add(ChannelKind.FEISHU, secret="feishu-sign-secret")
    ding = vendor.add(ChannelKind.DINGTALK, secret="SECdingtalk0123456789")
    await add(bot, feishu, "feishu-sign-secret")
    await add(bot, ding, "SECdingtalk0123456789")
    await registration_only(bot)
    await hire(bot)
    await tick(bot, at(12, 24))
    await tick(bot, DAY_28)
    # the fake recomputed each signature with the secret and accepted it
    assert feishu.answers == ["ok"] and ding.answers == ["ok"]
    assert "陈明远" in robot_text(feishu.messages[0])
    assert "timestamp" in feishu.messages[0] and "sign" in feishu.messages[0]
    assert "**陈明远**" in robot_text(ding.messages[0])


async def test_a_robot_the_vendor_deleted_is_stopped_and_hr_told(
    bot: BotHarness, vendor: RobotServer
) -> None:
    await bot.join_as_hr(HR)
    wecom = vendor.add(ChannelKind.WECOM)
    await add(bot, wecom)
    await registration_only(bot)
    await hire(bot)
    await tick(bot, at(12, 24))
    vendor.remove(wecom)  # the group owner deleted the robot
    await tick(bot, DAY_28)
    await tick(bot, DAY_28 + timedelta(minutes=2))
    assert wecom.answers == ["93000"]  # asked once, then never again
    (listing,) = await bot.say(HR, "/robot list")
    assert "⚠️ 已停用" in listing.text and "93000" in listing.text
    await tick(bot, DAY_28 + timedelta(minutes=3))  # the "robot gone" note is outbox too
    told = [m.text for m in bot.api.sent(HR) if "企业微信群机器人（" in (m.text or "")
            and "已失效" in (m.text or "")]
    assert len(told) == 1, "HR are told once that the robot stopped"


async def test_a_chat_that_always_fails_does_not_stop_the_other_hr_or_the_robot(
    bot: BotHarness, vendor: RobotServer, engine: Engine
) -> None:
    await bot.join_as_hr(HR)
    await bot.join_as_hr(HR2)
    wecom = vendor.add(ChannelKind.WECOM)
    await add(bot, wecom)
    await registration_only(bot)
    await hire(bot)
    await tick(bot, at(12, 24))
    bot.api.fail_next("sendMessage", chat_id=HR, error="bad_request",
                      description="Bad Request: chat not found", times=100)
    instant = DAY_28
    for _ in range(bot.settings.reminders.max_attempts + 1):
        await tick(bot, instant)
        instant += timedelta(hours=1)
    bot.api.clear_faults()
    to_hr2 = [m for m in bot.api.sent(HR2) if (m.text or "").startswith("⚠️ 紧急：社保登记")]
    assert len(to_hr2) == 1 and len(wecom.messages) == 1
    assert urgent_in_telegram(bot) == []
    with engine.connect() as connection:
        status, attempts, reminder_id = connection.execute(text(
            "SELECT status, attempts, id FROM reminder WHERE kind = 'registration_urgent'")).one()
        rows = dict(connection.execute(text(
            "SELECT endpoint, outcome FROM reminder_delivery WHERE reminder_id = :id"),
            {"id": reminder_id}).all())
    # an HR got it: sent, and the chat that kept failing is recorded as failed after the
    # bounded retries (never `failed`, which /todo would list as 提醒发送失败)
    assert status == "sent" and attempts == bot.settings.reminders.max_attempts
    assert rows[f"telegram:{HR}"] == "failed" and rows[f"telegram:{HR2}"] == "sent"
    assert [e.split(":")[0] for e in rows].count("robot") == 1
    (todo,) = await bot.say(HR2, "/todo")
    assert "提醒发送失败" not in todo.text


OLD_GROUP, SUPERGROUP = -4001, -1004001


async def bind_group(bot: BotHarness) -> None:
    (bound,) = await bot.say(HR, "/bindgroup", chat_id=OLD_GROUP, chat_type="group",
                             chat_title="HR群")
    assert "已将本群绑定" in bound.text


def urgent_in(bot: BotHarness, chat: int) -> list[str]:
    return [m.text for m in bot.api.sent(chat) if (m.text or "").startswith("⚠️ 紧急：社保登记")]


async def test_a_group_upgraded_to_a_supergroup_is_rebound_and_everyone_gets_it_once(
    bot: BotHarness, vendor: RobotServer, engine: Engine
) -> None:
    await bot.join_as_hr(HR)
    await bind_group(bot)
    wecom = vendor.add(ChannelKind.WECOM)
    await add(bot, wecom)
    await registration_only(bot)
    await hire(bot)
    await tick(bot, at(12, 24))
    # the bot missed the upgrade (downtime): Telegram answers the old id with the new one
    bot.api.fail_next("sendMessage", chat_id=OLD_GROUP, error="migrated",
                      migrate_to_chat_id=SUPERGROUP, times=100)
    for instant in (DAY_28, DAY_28 + timedelta(minutes=1), DAY_28 + timedelta(hours=3)):
        await tick(bot, instant)
    assert len(urgent_in(bot, HR)) == 1
    assert len(urgent_in(bot, SUPERGROUP)) == 1 and urgent_in(bot, OLD_GROUP) == []
    assert len(wecom.messages) == 1
    with engine.connect() as connection:
        assert connection.execute(text(
            "SELECT group_chat_id FROM company_settings")).scalar_one() == SUPERGROUP
        status = connection.execute(text(
            "SELECT status FROM reminder WHERE kind = 'registration_urgent'")).scalar_one()
        assert status == "sent"
        assert connection.execute(text(
            "SELECT count(*) FROM audit_log WHERE action = 'group.migrated'")).scalar_one() == 1
    # the next escalated reminder goes straight to the supergroup
    for instant in (at(1, 4, year=2027), at(1, 4, 10, year=2027)):
        await tick(bot, instant)
    assert any("逾期" in t for t in (m.text or "" for m in bot.api.sent(SUPERGROUP)))


async def test_the_upgrade_service_message_rebinds_the_group(
    bot: BotHarness, engine: Engine
) -> None:
    await bot.join_as_hr(HR)
    await bind_group(bot)
    bot.api.migrate_group(HR, OLD_GROUP, SUPERGROUP, chat_title="HR群")

    def rebound() -> bool:
        with engine.connect() as connection:
            return connection.execute(text(
                "SELECT group_chat_id FROM company_settings")).scalar_one() == SUPERGROUP

    await bot.eventually(rebound)
    await hire(bot)
    await tick(bot, at(12, 24))
    await tick(bot, DAY_28)
    assert len(urgent_in(bot, SUPERGROUP)) == 1 and urgent_in(bot, OLD_GROUP) == []
