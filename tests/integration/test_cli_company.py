"""`hrbot company create` prints a working one-time invite; `hrbot db upgrade` is idempotent."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlmodel import Session, select

from bot.cli import main
from models.company import Company, InviteCode
from models.db import make_engine


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    monkeypatch.setenv("HRBOT_DATABASE_URL", url)
    monkeypatch.setenv("HRBOT_CONFIG", str(tmp_path / "absent.toml"))
    return url


def test_company_create_prints_invite_and_deep_link(
    cli_env: str, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["company", "create", "示例餐饮", "--city", "北京市", "--bot-username", "@hr_bot"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    code = re.search(r"邀请码.*: (\S+)", out)
    assert code is not None
    assert f"https://t.me/hr_bot?start={code.group(1)}" in out
    with Session(make_engine(cli_env)) as session:
        company = session.exec(select(Company)).one()
        expected = ("示例餐饮", "北京", "Asia/Shanghai")
        assert (company.name, company.city, company.timezone) == expected
        assert session.exec(select(InviteCode)).one().code == code.group(1)

    assert main(["company", "invite", str(company.id)]) == 0
    assert main(["company", "invite", "999"]) == 2
    assert "没有编号为 999 的公司" in capsys.readouterr().err
    assert main(["company", "list"]) == 0
    assert "示例餐饮" in capsys.readouterr().out


def test_db_upgrade_twice(cli_env: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["db", "upgrade"]) == 0
    assert main(["db", "upgrade"]) == 0
    assert "最新" in capsys.readouterr().out


def test_run_without_token_explains_hrbot_chat(
    cli_env: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("HRBOT_TOKEN", raising=False)
    assert main(["run"]) == 2
    assert "hrbot chat" in capsys.readouterr().err
