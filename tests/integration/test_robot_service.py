"""bot/services/robots.py against a migrated database: storage, scoping, the adapters' lookup."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, text
from sqlmodel import Session

import models  # noqa: F401  (registers every table)
from bot.channels.base import ChannelKind
from bot.secret_box import load_secret_box, new_key
from bot.services import robots
from bot.services.access import Member
from bot.services.onboarding import create_company
from models.company import Role
from models.robot import RobotEndpoint
from policies.reminder_plan import ReminderKind

NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
WECOM = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7aaa-4bc4-97a0-0ec2sifa5aaa"
DING = "https://oapi.dingtalk.com/robot/send?access_token=abcdef0123456789"


def hr_of(engine: Engine, name: str) -> Member:
    company = create_company(engine, name, "北京", "Asia/Shanghai")
    assert company.id is not None
    return Member(1000 + company.id, company.id, name, "北京", "Asia/Shanghai", Role.HR)


def test_stored_encrypted_bound_to_the_company_and_scoped(engine: Engine) -> None:
    box = load_secret_box(new_key(), "unused")
    mine, theirs = hr_of(engine, "甲公司"), hr_of(engine, "乙公司")
    wecom = robots.add_robot(engine, box, mine, ChannelKind.WECOM, WECOM, None, now=NOW)
    ding = robots.add_robot(engine, box, mine, ChannelKind.DINGTALK, DING, "SECabc", now=NOW)
    other = robots.add_robot(engine, box, theirs, ChannelKind.WECOM,
                             WECOM.replace("5aaa", "6bbb"), None, now=NOW)
    assert wecom.hint == "qyapi.weixin.qq.com …5aaa" and ding.signed and not wecom.signed
    with engine.connect() as connection:
        dump = str(connection.execute(text("SELECT * FROM robot_endpoint")).all())
    assert "693a91f6" not in dump and "abcdef0123456789" not in dump and "SECabc" not in dump

    target = robots.robot_target(engine, box, ding.robot_id)
    assert target is not None and target.url == DING and target.secret == "SECabc"
    assert "abcdef" not in repr(target)
    assert [r.robot_id for r in robots.list_robots(engine, mine)] == [wecom.robot_id,
                                                                       ding.robot_id]
    with pytest.raises(robots.RobotNotFound):
        robots.remove_robot(engine, theirs, wecom.robot_id, now=NOW)
    with pytest.raises(robots.RobotAlreadyAdded):
        robots.add_robot(engine, box, mine, ChannelKind.WECOM, f" {WECOM} ", None, now=NOW)

    # a ciphertext copied into another company's row does not open there
    with Session(engine) as session:
        source = session.get(RobotEndpoint, wecom.robot_id)
        copy = session.get(RobotEndpoint, other.robot_id)
        assert source is not None and copy is not None
        copy.url_ciphertext = source.url_ciphertext
        session.add(copy)
        session.commit()
    assert robots.robot_target(engine, box, other.robot_id) is None

    robots.remove_robot(engine, mine, wecom.robot_id, now=NOW)
    assert robots.robot_target(engine, box, wecom.robot_id) is None
    assert [r.robot_id for r in robots.list_robots(engine, mine)] == [ding.robot_id]
    robots.record_robot_gone(engine, ding.robot_id, "dingtalk errcode 300001", now=NOW)
    (gone,) = robots.list_robots(engine, mine)
    assert not gone.active and gone.last_error == "dingtalk errcode 300001"
    assert robots.robot_target(engine, box, ding.robot_id) is None


def test_notification_choice_starts_from_the_default_and_is_per_company(engine: Engine) -> None:
    mine, theirs = hr_of(engine, "甲公司"), hr_of(engine, "乙公司")
    first = robots.robot_notifications(engine, mine)
    assert first.is_default and ReminderKind.REGISTRATION_URGENT in first.selected
    assert ReminderKind.REGISTRATION_NORMAL not in first.selected
    changed = robots.toggle_robot_notification(engine, mine, ReminderKind.REGISTRATION_NORMAL,
                                               now=NOW)
    assert not changed.is_default and ReminderKind.REGISTRATION_NORMAL in changed.selected
    assert first.selected < changed.selected
    assert robots.robot_notifications(engine, theirs).is_default
    for kind in changed.selected:  # an empty choice is kept, not read as "default"
        robots.toggle_robot_notification(engine, mine, kind, now=NOW)
    empty = robots.robot_notifications(engine, mine)
    assert empty.selected == frozenset() and not empty.is_default


def test_limits_and_refusals(engine: Engine) -> None:
    box = load_secret_box(new_key(), "unused")
    mine = hr_of(engine, "甲公司")
    with pytest.raises(robots.RobotSecretNotUsed):
        robots.add_robot(engine, box, mine, ChannelKind.WECOM, WECOM, "SECx", now=NOW)
    with pytest.raises(robots.RobotSecretInvalid):
        robots.add_robot(engine, box, mine, ChannelKind.DINGTALK, DING, "SEC x", now=NOW)
    with pytest.raises(robots.RobotUrlInvalid) as wrong:
        robots.add_robot(engine, box, mine, ChannelKind.FEISHU, DING, None, now=NOW)
    assert wrong.value.reason == "host"
    for n in range(robots.MAX_ROBOTS):
        robots.add_robot(engine, box, mine, ChannelKind.DINGTALK, f"{DING}{n}", None, now=NOW)
    with pytest.raises(robots.TooManyRobots):
        robots.add_robot(engine, box, mine, ChannelKind.DINGTALK, f"{DING}x", None, now=NOW)
