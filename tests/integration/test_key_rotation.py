"""`hrbot keys rotate` re-seals every secret under a new key, resumably (issue 12), and
`hrbot run` refuses to start without a key (production mode)."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlmodel import Session, select

import models  # noqa: F401  (registers every table)
from bot.channels.base import ChannelKind
from bot.cli import main
from bot.services import keys, robots
from bot.services.access import Member
from bot.services.onboarding import create_company
from models.company import Role
from models.db import make_engine
from models.employee import Employee, employee_by_id_number
from models.ptb_state import PtbState
from models.sealed import secret_box_of
from models.secret_box import SecretBox, SecretUnreadable, read_key_file, write_key_file
from models.upload import PendingUpload

NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
IDS = ["110101199003071233", "110101199003075954", "11010119900307681X"]
DING = "https://oapi.dingtalk.com/robot/send?access_token=abcdef0123456789"


def seed(engine: Engine) -> int:
    company = create_company(engine, "甲公司", "北京", "Asia/Shanghai")
    assert company.id is not None
    with Session(engine) as session:
        for n, number in enumerate(IDS):
            session.add(Employee(company_id=company.id, name=f"员工{n}", id_number=number,
                                 base=Decimal(8000), insured_city="北京",
                                 first_day=date(2026, 11, 2)))
        session.add(PtbState(kind="user_data", key="7", data={"draft": {"id": IDS[0]}}))
        session.add(PendingUpload(company_id=company.id, user_id=7, filename="a.xlsx",
                                  content_hash="0" * 64, table_json=f'{{"rows": ["{IDS[1]}"]}}'))
        session.commit()
    member = Member(1000, company.id, "甲公司", "北京", "Asia/Shanghai", Role.HR)
    robots.add_robot(engine, secret_box_of(engine), member, ChannelKind.DINGTALK, DING, "SECx",
                     now=NOW)
    return company.id


def read_back(engine: Engine, company_id: int) -> None:
    """Everything opens, and 身份证 are found by their keyed hash."""
    with Session(engine) as session:
        for number in IDS:
            assert employee_by_id_number(session, company_id, number) is not None
        state = session.get(PtbState, ("user_data", "7"))
        assert state is not None and state.data == {"draft": {"id": IDS[0]}}
        upload = session.exec(select(PendingUpload)).one()
        assert IDS[1] in upload.table_json
    [robot] = robots.list_robots(engine, Member(1000, company_id, "甲公司", "北京",
                                                "Asia/Shanghai", Role.HR))
    target = robots.robot_target(engine, secret_box_of(engine), robot.robot_id)
    assert target is not None and target.url == DING and target.secret == "SECx"


@pytest.fixture
def key_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, engine: Engine) -> Path:
    """The installation's key in a key file (the engine's key), HRBOT_SECRET_KEY unset."""
    path = tmp_path / "secret.key"
    write_key_file(path, os.environ["HRBOT_SECRET_KEY"])
    monkeypatch.delenv("HRBOT_SECRET_KEY")
    monkeypatch.setenv("HRBOT_SECRETS_KEY_FILE", str(path))
    monkeypatch.setenv("HRBOT_CONFIG", str(tmp_path / "absent.toml"))
    monkeypatch.setenv("HRBOT_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    return path


def test_rotation_is_resumable_and_swaps_the_key_file(
    engine: Engine, key_file: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    company_id = seed(engine)
    old = read_key_file(key_file)

    # Interrupted after the employees: the key file is untouched, the new key waits.
    def crash(*_args: object, **_kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(keys, "BATCH", 1)
    monkeypatch.setattr(keys, "_rotate_robots", crash)
    with pytest.raises(KeyboardInterrupt):
        main(["keys", "rotate"])
    pending = key_file.with_name("secret.key.new")
    assert read_key_file(key_file) == old and pending.exists()
    monkeypatch.undo()
    monkeypatch.delenv("HRBOT_SECRET_KEY")
    monkeypatch.setenv("HRBOT_SECRETS_KEY_FILE", str(key_file))
    monkeypatch.setenv("HRBOT_CONFIG", str(key_file.parent / "absent.toml"))
    monkeypatch.setenv("HRBOT_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    capsys.readouterr()

    assert main(["keys", "rotate"]) == 0
    out = capsys.readouterr().out
    assert "员工身份证：重新加密 0 条，已是新密钥 3 条" in out  # finished by the first run
    assert "群机器人：重新加密 1 条" in out
    new = read_key_file(key_file)
    assert new != old and read_key_file(key_file.with_name("secret.key.old")) == old
    assert not pending.exists()

    fresh = make_engine(engine.url.render_as_string(hide_password=False),
                        secret_box=SecretBox(new))
    try:
        read_back(fresh, company_id)
    finally:
        fresh.dispose()
    stale = SecretBox(old)
    with engine.connect() as connection:
        stored = connection.execute(text("SELECT id_number FROM employee")).scalars().all()
    with pytest.raises(SecretUnreadable):
        stale.open_text(stored[0], "employee.id_number")

    # Running it again is a new, complete rotation; nothing is lost.
    assert main(["keys", "rotate"]) == 0
    fresh = make_engine(engine.url.render_as_string(hide_password=False),
                        secret_box=SecretBox(read_key_file(key_file)))
    try:
        read_back(fresh, company_id)
    finally:
        fresh.dispose()


def test_run_refuses_to_start_without_a_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("HRBOT_SECRET_KEY")
    monkeypatch.setenv("HRBOT_TOKEN", "123456:REAL-LOOKING-TOKEN")
    monkeypatch.setenv("HRBOT_CONFIG", str(tmp_path / "absent.toml"))
    monkeypatch.setenv("HRBOT_SECRETS_KEY_FILE", str(tmp_path / "secret.key"))
    monkeypatch.setenv("HRBOT_DATABASE_URL", f"sqlite:///{tmp_path / 'db.sqlite'}")
    assert main(["run"]) == 2
    assert main(["worker"]) == 2
    error = capsys.readouterr().err
    assert "未配置加密密钥，拒绝启动" in error and "hrbot keys new" in error
    assert not (tmp_path / "secret.key").exists() and not (tmp_path / "db.sqlite").exists()

    assert main(["keys", "new"]) == 0
    assert len(read_key_file(tmp_path / "secret.key")) == 32
    assert (tmp_path / "secret.key").stat().st_mode & 0o777 == 0o600
