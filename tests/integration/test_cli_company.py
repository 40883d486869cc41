"""`hrbot company create` prints a working one-time invite; `hrbot db upgrade` is idempotent.

Every engine a test or a command opens is disposed: on Python 3.13 an SQLite connection left to
the garbage collector raises "unclosed database" ResourceWarnings, which fail the run."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session, select

import bot.cli.common
from bot.cli import main
from models.company import Company, InviteCode
from models.db import head_revision, make_engine


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
    engine = make_engine(cli_env)
    with Session(engine) as session:
        company = session.exec(select(Company)).one()
        expected = ("示例餐饮", "北京", "Asia/Shanghai")
        assert (company.name, company.city, company.timezone) == expected
        assert session.exec(select(InviteCode)).one().code == code.group(1)
    engine.dispose()

    assert main(["company", "invite", str(company.id)]) == 0
    assert main(["company", "invite", "999"]) == 2
    assert "没有编号为 999 的公司" in capsys.readouterr().err
    assert main(["company", "list"]) == 0
    assert "示例餐饮" in capsys.readouterr().out


def test_db_upgrade_twice(cli_env: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["db", "upgrade"]) == 0
    first = capsys.readouterr().out
    assert f"已从 空库 升级到最新版本 {head_revision()}" in first  # not "already current"
    assert "已是最新" not in first
    assert main(["db", "upgrade"]) == 0
    assert f"数据库已是最新版本（{head_revision()}）" in capsys.readouterr().out


@pytest.mark.parametrize(("zone", "label"), [("Asia/Shanghai", "北京时间"),
                                             ("Asia/Urumqi", "Asia/Urumqi")])
def test_invite_expiry_is_printed_in_the_company_time_zone(
    cli_env: str, capsys: pytest.CaptureFixture[str], zone: str, label: str
) -> None:
    assert main(["company", "create", "示例餐饮", "--city", "北京", "--timezone", zone]) == 0
    assert main(["company", "invite", "1"]) == 0
    out = capsys.readouterr().out
    engine = make_engine(cli_env)
    with Session(engine) as session:
        invites = session.exec(select(InviteCode)).all()
    engine.dispose()
    assert len(invites) == 2
    for invite in invites:
        local: datetime = invite.expires_at.astimezone(ZoneInfo(zone))
        weekday = "一二三四五六日"[local.weekday()]
        expiry = f"{local:%Y-%m-%d}（周{weekday}） {local:%H:%M}（{label}）"
        assert f"{expiry}前有效）: {invite.code}" in out
    assert "UTC" not in out


@pytest.fixture
def opened_engines(monkeypatch: pytest.MonkeyPatch) -> Iterator[list]:  # type: ignore[type-arg]
    engines: list = []  # type: ignore[type-arg]

    def recording_make_engine(url: str, **kwargs: object):  # type: ignore[no-untyped-def]
        engine = make_engine(url, **kwargs)  # type: ignore[arg-type]
        engines.append(engine)
        return engine

    monkeypatch.setattr(bot.cli.common, "make_engine", recording_make_engine)
    yield engines


@pytest.mark.parametrize("argv", [
    ["company", "create", "示例餐饮", "--city", "北京"],
    ["company", "list"],
    ["db", "upgrade"],
    ["db", "current"],
])
def test_commands_close_their_database_connections(
    cli_env: str, opened_engines: list, argv: list[str]  # type: ignore[type-arg]
) -> None:
    assert main(argv) == 0
    assert opened_engines
    for engine in opened_engines:
        assert engine.pool.checkedin() == 0, "connection left open for the garbage collector"


def test_run_without_token_explains_hrbot_chat(
    cli_env: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("HRBOT_TOKEN", raising=False)
    assert main(["run"]) == 2
    assert "hrbot chat" in capsys.readouterr().err
