"""/robot end to end: HR add, list, test, choose and remove group robots by chatting.

The robots are the local fake vendor server (tests/fakes/robot_server.py); the settings allow
its http://127.0.0.1 URLs (`robots.allow_local_webhooks`, off by default).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from harness import HR, STRANGER, BotHarness
from sqlalchemy import Engine, text

from bot.channels.base import ChannelKind
from bot.secret_box import new_key
from bot.settings import Settings, load_settings
from models import audit
from tests.fakes.robot_server import RobotServer

GROUP = -100777


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


def deleted_messages(bot: BotHarness) -> int:
    return sum(1 for c in bot.api.calls if c.method == "deleteMessage" and c.outcome == "ok")


async def test_add_test_list_remove(
    bot: BotHarness, vendor: RobotServer, engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    # as in production (bot/logging_setup.py): PTB at DEBUG logs whole updates, so it stays
    # at INFO; everything else, httpx included, is captured at DEBUG
    caplog.set_level(logging.INFO, logger="telegram")
    await bot.join_as_hr(HR)
    wecom = vendor.add(ChannelKind.WECOM)
    feishu = vendor.add(ChannelKind.FEISHU, secret="feishu-secret-1")
    ding = vendor.add(ChannelKind.DINGTALK, secret="SECdingtalk-secret")

    (added,) = await bot.say(HR, f"/robot add wecom {wecom.url}")
    assert added.text.startswith("✅ 已添加企业微信群机器人")
    assert f"…{wecom.credential[-4:]}" in added.text
    assert "已删除" in added.text and deleted_messages(bot) == 1
    (added,) = await bot.say(HR, f"/robot add feishu {feishu.url} feishu-secret-1")
    assert "已加签" in added.text
    await bot.say(HR, f"/robot add dingtalk {ding.url} SECdingtalk-secret")

    (again,) = await bot.say(HR, f"/robot add wecom {wecom.url}")
    assert "已添加（编号" in again.text and "无需重复添加" in again.text

    (result,) = await bot.say(HR, "/robot test")
    assert result.text.count("✅ 已送达") == 3, result.text
    assert len(wecom.messages) == len(feishu.messages) == len(ding.messages) == 1
    assert "示例餐饮" in wecom.messages[0]["markdown"]["content"]

    (listing,) = await bot.say(HR, "/robot list")
    assert listing.text.count("✅ 启用") == 3
    robot_id = int(listing.text.split("\n")[1].split(" ")[0])

    (removed,) = await bot.say(HR, f"/robot remove {robot_id}")
    assert removed.text.startswith("✅ 已删除企业微信群机器人")
    await bot.say(HR, "/robot test")
    assert len(wecom.messages) == 1  # a removed robot gets nothing
    (gone,) = await bot.say(HR, f"/robot remove {robot_id}")
    assert gone.text.startswith("❌ 没有编号为")

    # the URLs and secrets are nowhere in plain text: not in the database, logs or replies
    with engine.connect() as connection:
        dump = "\n".join(
            str(row)
            for table in ("robot_endpoint", "audit_log")
            for row in connection.execute(text(f"SELECT * FROM {table}"))
        )
    replies = "\n".join(m.text or "" for m in bot.api.sent(HR))
    for secret in (wecom.credential, feishu.credential, ding.credential, "feishu-secret-1",
                   "SECdingtalk-secret"):
        assert secret not in dump
        assert secret not in caplog.text
        assert secret not in replies
    with engine.connect() as connection:
        actions = [row[0] for row in connection.execute(
            text("SELECT action FROM audit_log WHERE action LIKE 'robot.%' ORDER BY id"))]
    assert actions == ["robot.added"] * 3 + ["robot.removed"]
    assert audit  # the audit rows carry the hint only (checked through the dump above)


async def test_refusals(bot: BotHarness, vendor: RobotServer) -> None:
    await bot.join_as_hr(HR)
    wecom = vendor.add(ChannelKind.WECOM)
    (usage,) = await bot.say(HR, "/robot")
    assert "/robot add wecom 网址" in usage.text
    (wrong,) = await bot.say(
        HR, "/robot add wecom https://evil.example/cgi-bin/webhook/send?key=12345678")
    assert wrong.text.startswith("❌ 这不是企业微信群机器人的网址（域名不对）")
    assert "evil.example" not in wrong.text
    (secret,) = await bot.say(HR, f"/robot add wecom {wecom.url} SECx")
    assert secret.text.startswith("❌ 企业微信群机器人没有签名密钥")
    (nobody,) = await bot.say(STRANGER, f"/robot add wecom {wecom.url}")
    assert "邀请" in nobody.text
    (empty,) = await bot.say(HR, "/robot test")
    assert "没有启用的群机器人" in empty.text


async def test_a_url_sent_in_a_group_is_deleted_and_refused(
    bot: BotHarness, vendor: RobotServer
) -> None:
    await bot.join_as_hr(HR)
    wecom = vendor.add(ChannelKind.WECOM)
    (refused,) = await bot.say(HR, f"/robot add wecom {wecom.url}", chat_id=GROUP,
                               chat_type="group", chat_title="HR群")
    assert refused.text.startswith("❌ 机器人网址相当于密码，请勿在群里发送")
    assert wecom.credential not in refused.text
    assert deleted_messages(bot) == 1


async def test_choose_notifications_with_buttons(bot: BotHarness) -> None:
    await bot.join_as_hr(HR)
    (shown,) = await bot.say(HR, "/robot notify")
    assert "（默认）" in shown.text
    assert "✅ 社保登记紧急提醒" in shown.text and "▫️ 社保登记普通提醒" in shown.text
    await bot.press(HR, "▫️ 社保登记普通提醒", expect=0)
    edited = bot.api.last(HR)
    assert "✅ 社保登记普通提醒" in edited.text and "（默认）" not in edited.text


async def test_start_r_opens_the_reminder_for_an_hr_of_its_company(bot: BotHarness) -> None:
    """The 查看 link of a robot message: https://t.me/<bot>?start=r<reminder id>."""
    from test_reminders import at, hire, tick_and_read

    from bot.callbacks import parse_reminder_payload, reminder_payload

    await bot.join_as_hr(HR)
    await hire(bot)
    await tick_and_read(bot, at(12, 24))
    with bot.engine.connect() as connection:
        reminder_id = connection.execute(text("SELECT min(id) FROM reminder")).scalar_one()
    assert parse_reminder_payload(reminder_payload(reminder_id)) == reminder_id
    (view,) = await bot.say(HR, f"/start r{reminder_id}")
    assert "陈明远" in view.text and "110101********1233" in view.text
    (stranger,) = await bot.say(STRANGER, f"/start r{reminder_id}")
    assert "陈明远" not in stranger.text
    await bot.join_as_hr(9002, company="别家公司")
    (other,) = await bot.say(9002, f"/start r{reminder_id}")
    assert "陈明远" not in other.text
    (missing,) = await bot.say(HR, "/start r999999")
    assert "找不到该提醒" in missing.text
