"""`hrbot policies check/import/show`, and the HR notification of a policy change."""

from __future__ import annotations

import asyncio
import shutil
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

import models  # noqa: F401  (registers every table)
from bot.channels.base import (
    ChannelKind,
    Delivered,
    DeliveryFailed,
    Endpoint,
    EndpointGone,
    Rendered,
)
from bot.channels.present import policy_update_html, present
from bot.cli import main
from bot.clock import ManualClock
from bot.render import macro
from bot.services import reminders
from bot.services.access import Member
from bot.services.policy_updates import record_policy_update
from bot.services.reminder_delivery import ReminderScheduler
from bot.settings import ReminderConfig as ReminderDefaults
from models.audit import AuditLog
from models.company import Company, Membership, Role
from models.db import unit_of_work
from models.reminder import Reminder, ReminderStatus
from policies.library import DEFAULT_DIRECTORY, diff_regions, load_region_file

ROOT = Path(__file__).resolve().parents[2]
SHANGHAI = ZoneInfo("Asia/Shanghai")
TUESDAY_MORNING = datetime(2026, 12, 1, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture
def policy_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database_url: str) -> Path:
    target = tmp_path / "policies"
    shutil.copytree(DEFAULT_DIRECTORY, target)
    monkeypatch.setenv("HRBOT_POLICIES_DIRECTORY", str(target))
    monkeypatch.setenv("HRBOT_DATABASE_URL", database_url)
    monkeypatch.delenv("HRBOT_TOKEN", raising=False)
    monkeypatch.setenv("HRBOT_CONFIG", str(tmp_path / "absent.toml"))
    return target


def add_company(engine: Engine, name: str, city: str, hr_user: int) -> int:
    with unit_of_work(engine) as session:
        company = Company(name=name, city=city)
        session.add(company)
        session.flush()
        assert company.id is not None
        session.add(Membership(company_id=company.id, telegram_user_id=hr_user, chat_id=hr_user,
                               role=Role.HR))
        return company.id


def changed_beijing(tmp_path: Path, floor: str) -> Path:
    text = (DEFAULT_DIRECTORY / "beijing.toml").read_text(encoding="utf-8")
    path = tmp_path / "beijing-new.toml"
    path.write_text(text.replace("value = 7162", f"value = {floor}"), encoding="utf-8")
    return path


def test_check_passes_on_the_shipped_tree(capsys) -> None:
    assert main(["policies", "check", str(ROOT / "policies")]) == 0
    out = capsys.readouterr().out
    assert "beijing.toml" in out and "national.toml" in out


def test_check_names_file_version_and_field_of_a_bad_file(tmp_path: Path, capsys) -> None:
    shutil.copytree(DEFAULT_DIRECTORY, tmp_path / "d")
    bad = tmp_path / "d" / "shanghai.toml"
    bad.write_text(bad.read_text(encoding="utf-8").replace("value = 0.16,", "value = 1.6,", 1),
                   encoding="utf-8")
    assert main(["policies", "check", str(tmp_path / "d")]) == 1
    err = capsys.readouterr().err
    assert "shanghai.toml" in err and "version 2024" in err
    assert "rates.pension.employer" in err


def test_import_installs_reports_changes_and_records_for_hr(policy_dir, engine, tmp_path,
                                                            capsys) -> None:
    beijing = add_company(engine, "京味餐饮", "北京", 1001)
    add_company(engine, "沪上咖啡", "上海", 1002)
    assert main(["policies", "import", str(changed_beijing(tmp_path, "7200"))]) == 0
    out = capsys.readouterr().out
    assert "缴费基数下限" in out and "7162" in out and "7200" in out
    assert "1 家北京公司" in out and "通知由运行中的机器人发送" in out
    assert "value = 7200" in (policy_dir / "beijing.toml").read_text(encoding="utf-8")
    with Session(engine) as session:
        entries = session.exec(select(AuditLog).where(AuditLog.action == "policy_update")).all()
    assert [e.company_id for e in entries] == [beijing]
    assert entries[0].detail["region"] == "beijing"
    assert "北京社保政策已更新" in entries[0].detail["text"]
    assert "¥7,200.00" in entries[0].detail["text"]


def notices(engine: Engine) -> list[Reminder]:
    with Session(engine) as session:
        return list(session.exec(select(Reminder).where(Reminder.kind == "policy_update")
                                 .order_by(Reminder.company_id)))


def test_import_plans_a_notice_for_exactly_the_companies_in_the_region(
        policy_dir, engine, tmp_path, monkeypatch, capsys) -> None:
    first = add_company(engine, "京味餐饮", "北京", 1001)
    second = add_company(engine, "京城物流", "北京市", 1003)
    add_company(engine, "沪上咖啡", "上海", 1002)
    add_company(engine, "羊城茶楼", "广州", 1004)
    monkeypatch.setattr("bot.cli.policies.SystemClock", lambda: ManualClock(TUESDAY_MORNING))
    assert main(["policies", "import", str(changed_beijing(tmp_path, "7200"))]) == 0
    out = capsys.readouterr().out
    assert "将通知这 2 家公司的HR" in out and "最早发送时间：2026-12-01 10:00" in out
    rows = notices(engine)
    assert [r.company_id for r in rows] == [first, second]
    with Session(engine) as session:
        entries = {e.id: e for e in session.exec(
            select(AuditLog).where(AuditLog.action == "policy_update"))}
    for row in rows:
        audit_id = int(row.subject.removeprefix("policy_update:"))
        assert entries[audit_id].company_id == row.company_id
        assert row.status == ReminderStatus.PENDING and row.task_id is None
        assert row.next_attempt_at == row.send_at == TUESDAY_MORNING
    # An unchanged re-import plans nothing more; a night-time import waits for the send hour.
    assert main(["policies", "import", str(changed_beijing(tmp_path, "7200"))]) == 0
    assert len(notices(engine)) == 2
    monkeypatch.setattr("bot.cli.policies.SystemClock",
                        lambda: ManualClock(TUESDAY_MORNING.replace(hour=22)))
    assert main(["policies", "import", str(changed_beijing(tmp_path, "7300"))]) == 0
    later = [r for r in notices(engine) if r.send_at != TUESDAY_MORNING]
    assert [r.company_id for r in later] == [first, second]
    assert {r.send_at for r in later} == {datetime(2026, 12, 2, 9, 0, tzinfo=SHANGHAI)}


def test_no_notify_installs_without_recording(policy_dir, engine, tmp_path, capsys) -> None:
    add_company(engine, "京味餐饮", "北京", 1001)
    assert main(["policies", "import", str(changed_beijing(tmp_path, "7200")),
                 "--no-notify"]) == 0
    assert notices(engine) == []


def test_bad_import_changes_nothing(policy_dir, engine, tmp_path, capsys) -> None:
    before = (policy_dir / "beijing.toml").read_text(encoding="utf-8")
    assert main(["policies", "import", str(changed_beijing(tmp_path, "99999"))]) == 1
    err = capsys.readouterr().err
    assert "未安装" in err and "base.floor" in err and "version 2025" in err
    assert (policy_dir / "beijing.toml").read_text(encoding="utf-8") == before


def test_show_prints_version_in_force(policy_dir, capsys) -> None:
    assert main(["policies", "show", "杭州", "--date", "2026-08-01"]) == 0
    out = capsys.readouterr().out
    assert "杭州2026年度（未公布，沿用2025年度）" in out
    assert "2026年度基数未公布，沿用2025年度" in out


class FakeChannel:
    kind = ChannelKind.TELEGRAM

    def __init__(self, blocked: set[int]) -> None:
        self.sent: list[tuple[int, str]] = []
        self.blocked = blocked

    async def send_text(self, endpoint: Endpoint, message: Rendered) -> Delivered:
        assert not endpoint.is_group and not message.actions
        if endpoint.address in self.blocked:
            raise EndpointGone("blocked")
        self.sent.append((endpoint.address, message.html))
        return Delivered(len(self.sent))

    async def send_file(
        self, endpoint: Endpoint, filename: str, content: bytes, caption: Rendered | None
    ) -> Delivered:
        raise DeliveryFailed("unsupported")


def test_the_tick_delivers_the_notice_to_hr_of_every_company_in_the_region(engine) -> None:
    first = add_company(engine, "京味餐饮", "北京", 2001)
    second = add_company(engine, "京城物流", "北京市", 2002)
    blocked = add_company(engine, "京北超市", "北京", 2003)
    add_company(engine, "沪上咖啡", "上海", 2004)
    old = load_region_file(DEFAULT_DIRECTORY / "beijing.toml")
    new = old.__class__(**{**old.__dict__, "versions": old.versions[:-1]})
    changes = diff_regions(old, new)
    record = record_policy_update(engine, new, changes, file_name="beijing.toml",
                                  now=TUESDAY_MORNING)
    assert record.company_ids == [first, second, blocked]
    text = policy_update_html(record.facts)
    assert "北京社保政策已更新" in text and "版本" in text
    channel = FakeChannel(blocked={2003})
    clock = ManualClock(TUESDAY_MORNING)
    scheduler = ReminderScheduler(engine, clock, channel, ReminderDefaults(), present=present)
    asyncio.run(scheduler.tick())
    assert sorted(chat for chat, _ in channel.sent) == [2001, 2002]
    assert all(sent == text for _, sent in channel.sent)
    with Session(engine) as session:
        hr = session.exec(select(Membership).where(Membership.telegram_user_id == 2003)).one()
    assert not hr.active  # Forbidden: the blocked chat is deactivated, the others still told
    status = {r.company_id: r.status for r in notices(engine)}
    assert status[first] == status[second] == ReminderStatus.SENT
    clock.advance(timedelta(hours=1))  # nobody left to tell at the blocked company
    asyncio.run(scheduler.tick())
    assert len(channel.sent) == 2
    assert {r.company_id: r.status for r in notices(engine)}[blocked] == ReminderStatus.CANCELLED


class DownChannel:
    kind = ChannelKind.TELEGRAM

    async def send_text(self, endpoint: Endpoint, message: Rendered) -> Delivered:
        raise DeliveryFailed("502 Bad Gateway")

    async def send_file(
        self, endpoint: Endpoint, filename: str, content: bytes, caption: Rendered | None
    ) -> Delivered:
        raise DeliveryFailed("502 Bad Gateway")


def test_an_undeliverable_notice_ends_failed_and_shows_in_todo(engine) -> None:
    company = add_company(engine, "京味餐饮", "北京", 2001)
    old = load_region_file(DEFAULT_DIRECTORY / "beijing.toml")
    new = old.__class__(**{**old.__dict__, "versions": old.versions[:-1]})
    record_policy_update(engine, new, diff_regions(old, new), file_name="beijing.toml",
                         now=TUESDAY_MORNING)
    defaults = ReminderDefaults()
    clock = ManualClock(TUESDAY_MORNING)
    scheduler = ReminderScheduler(engine, clock, DownChannel(), defaults, present=present)
    for _ in range(defaults.max_attempts):
        asyncio.run(scheduler.tick())
        clock.advance(timedelta(hours=1))
    assert [r.status for r in notices(engine)] == [ReminderStatus.FAILED]
    member = Member(user_id=2001, company_id=company, company_name="京味餐饮", city="北京",
                    timezone="Asia/Shanghai", role=Role.HR)
    (failed,) = reminders.failed_for_todo(engine, member)
    label = macro("labels", "failed_reminder", failed)
    assert "社保政策更新通知" in label and "/policy_version" in label


def test_import_with_a_token_sends_nothing_itself(policy_dir, engine, tmp_path, monkeypatch,
                                                  capsys) -> None:
    """The CLI only records: delivery belongs to the running bot's reminder tick."""
    from bot.local_api import LocalBotApi

    api = LocalBotApi().start()
    try:
        api.user(1001)
        api.send_message(1001, "你好")            # the HR's private chat exists
        add_company(engine, "京味餐饮", "北京", 1001)
        monkeypatch.setenv("HRBOT_TOKEN", api.token)
        monkeypatch.setenv("HRBOT_BASE_URL", api.base_url)
        monkeypatch.setenv("HRBOT_BASE_FILE_URL", api.base_file_url)
        assert main(["policies", "import", str(changed_beijing(tmp_path, "7300"))]) == 0
        assert "通知由运行中的机器人发送" in capsys.readouterr().out
        assert api.sent(1001) == []
        assert len(notices(engine)) == 1
    finally:
        api.stop()


def test_dry_run_lists_changes_and_companies_and_installs_nothing(policy_dir, engine, tmp_path,
                                                                 capsys) -> None:
    add_company(engine, "京味餐饮", "北京", 1001)
    add_company(engine, "沪上咖啡", "上海", 1002)
    before = (policy_dir / "beijing.toml").read_text(encoding="utf-8")
    assert main(["policies", "import", str(changed_beijing(tmp_path, "7200")), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "试运行" in out and "缴费基数下限：¥7,162.00 → ¥7,200.00" in out
    assert "京味餐饮（北京）" in out and "沪上咖啡" not in out
    assert (policy_dir / "beijing.toml").read_text(encoding="utf-8") == before
    assert notices(engine) == []


def test_import_names_the_companies_told(policy_dir, engine, tmp_path, capsys) -> None:
    add_company(engine, "京味餐饮", "北京", 1001)
    assert main(["policies", "import", str(changed_beijing(tmp_path, "7200"))]) == 0
    out = capsys.readouterr().out
    assert "已计划通知以下 1 家公司的HR" in out and "京味餐饮（北京）" in out
