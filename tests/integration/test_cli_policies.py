"""`hrbot policies check/import/show`, and the HR notification of a policy change."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

import models  # noqa: F401  (registers every table)
from bot.cli import main
from bot.services.notify import Notification, Recipient, RecipientBlocked
from bot.services.policy_updates import notify_policy_update, record_policy_update
from models.audit import AuditLog
from models.company import Company, Membership, Role
from models.db import unit_of_work
from policies.library import DEFAULT_DIRECTORY, diff_regions, load_region_file

ROOT = Path(__file__).resolve().parents[2]


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
    assert "1 家北京公司" in out
    assert "未配置机器人令牌" in out
    assert "value = 7200" in (policy_dir / "beijing.toml").read_text(encoding="utf-8")
    with Session(engine) as session:
        entries = session.exec(select(AuditLog).where(AuditLog.action == "policy_update")).all()
    assert [e.company_id for e in entries] == [beijing]
    assert entries[0].detail["region"] == "beijing"


def test_bad_import_changes_nothing(policy_dir, engine, tmp_path, capsys) -> None:
    before = (policy_dir / "beijing.toml").read_text(encoding="utf-8")
    assert main(["policies", "import", str(changed_beijing(tmp_path, "99999"))]) == 1
    err = capsys.readouterr().err
    assert "未安装" in err and "base.floor" in err and "version 2025" in err
    assert (policy_dir / "beijing.toml").read_text(encoding="utf-8") == before


def test_show_prints_version_in_force(policy_dir, capsys) -> None:
    assert main(["policies", "show", "北京", "--date", "2026-08-01"]) == 0
    out = capsys.readouterr().out
    assert "北京2026年度（未公布，沿用2025年度）" in out
    assert "2026年度基数未公布，沿用2025年度" in out


class FakeChannel:
    def __init__(self, blocked: set[int]) -> None:
        self.sent: list[tuple[int, str]] = []
        self.blocked = blocked

    async def deliver(self, recipient: Recipient, note: Notification) -> int:
        if recipient.chat_id in self.blocked:
            raise RecipientBlocked("blocked")
        self.sent.append((recipient.chat_id, note.text))
        return len(self.sent)


def test_notification_reaches_hr_of_every_company_in_the_region(engine) -> None:
    first = add_company(engine, "京味餐饮", "北京", 2001)
    second = add_company(engine, "京城物流", "北京市", 2002)
    blocked = add_company(engine, "京北超市", "北京", 2003)
    add_company(engine, "沪上咖啡", "上海", 2004)
    old = load_region_file(DEFAULT_DIRECTORY / "beijing.toml")
    new = old.__class__(**{**old.__dict__, "versions": old.versions[:-1]})
    changes = diff_regions(old, new)
    record = record_policy_update(engine, new, changes, file_name="beijing.toml")
    assert record.company_ids == [first, second, blocked]
    assert "北京社保政策已更新" in record.text and "版本" in record.text
    channel = FakeChannel(blocked={2003})
    sent = asyncio.run(notify_policy_update(channel, engine, record))
    assert sent == {first: 1, second: 1, blocked: 0}
    assert sorted(chat for chat, _ in channel.sent) == [2001, 2002]


def test_import_with_a_token_messages_hr_through_the_bot_api(policy_dir, engine, tmp_path,
                                                             monkeypatch, capsys) -> None:
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
        assert "已通知 1 家公司的HR（共 1 条消息）" in capsys.readouterr().out
        sent = api.sent(1001)
        assert len(sent) == 1
        assert "北京社保政策已更新" in sent[0].text and "缴费基数下限" in sent[0].text
        assert "7300" in sent[0].text
    finally:
        api.stop()
