"""`hrbot status`, `hrbot backup` and JSON logs: what an operator relies on."""

from __future__ import annotations

import io
import json
import logging
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import Session

from bot.cli import main
from bot.logging_setup import JsonFormatter, RedactToken
from bot.services import onboarding, operations
from bot.settings import load_settings
from models.db import head_revision, make_engine, upgrade_schema
from models.reminder import Reminder, ReminderStatus

TOKEN = "123456:OPS-SECRET-TOKEN"


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'ops.sqlite'}"
    monkeypatch.setenv("HRBOT_DATABASE_URL", url)
    monkeypatch.setenv("HRBOT_CONFIG", str(tmp_path / "absent.toml"))
    return url


def add_reminder(session: Session, company_id: int, status: ReminderStatus, due: datetime,
                 n: int) -> None:
    session.add(Reminder(company_id=company_id, subject=f"task:{n}", kind="registration_normal",
                         due_date=due.date(), send_at=due, status=status, next_attempt_at=due))


def test_status_reports_schema_ticks_and_reminders(
    cli_env: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["status"]) == 1  # an empty database: schema behind, never ticked
    out = capsys.readouterr().out
    assert "可以连接" in out and f"最新为 {head_revision()}" in out and "从未" in out

    engine = make_engine(cli_env)
    upgrade_schema(engine)
    company = onboarding.create_company(engine, "示例餐饮", "北京", "Asia/Shanghai")
    assert company.id is not None
    now = datetime.now(UTC)
    with Session(engine) as session:
        add_reminder(session, company.id, ReminderStatus.PENDING, now - timedelta(hours=1), 1)
        add_reminder(session, company.id, ReminderStatus.PENDING, now + timedelta(days=3), 2)
        add_reminder(session, company.id, ReminderStatus.FAILED, now - timedelta(days=1), 3)
        session.commit()
    assert main(["status"]) == 1  # schema current, but no scheduler has ticked
    assert "✓ 数据库结构为最新版本" in capsys.readouterr().out

    started = now - timedelta(hours=2)
    operations.record_tick(engine, "web-1:4711:ab12", "worker", started, now)
    engine.dispose()
    assert main(["status"]) == 0
    out = capsys.readouterr().out
    beijing = now.astimezone(operations_zone())
    assert f"调度器最近一次运行：{beijing:%Y-%m-%d %H:%M:%S}（北京时间）" in out
    assert "web-1:4711:ab12（worker）" in out
    assert "待发送提醒 2 条（其中已到期 1 条），发送失败 1 条" in out

    assert main(["status", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["schema"]["current"] is True
    assert report["reminders"] == {"queued": 2, "due": 1, "failed": 1}
    assert report["scheduler"]["last_tick"] == now.isoformat()
    assert report["scheduler"]["stalled"] is False


def operations_zone():  # type: ignore[no-untyped-def]
    from zoneinfo import ZoneInfo

    return ZoneInfo("Asia/Shanghai")


def test_status_when_the_database_is_unreachable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("HRBOT_CONFIG", str(tmp_path / "absent.toml"))
    # A directory is not a database file: SQLite cannot open it.
    monkeypatch.setenv("HRBOT_DATABASE_URL", f"sqlite:///{tmp_path}")
    assert main(["status"]) == 1
    assert "无法连接：OperationalError" in capsys.readouterr().out


def test_a_stale_heartbeat_is_reported_as_stalled(
    cli_env: str, capsys: pytest.CaptureFixture[str]
) -> None:
    engine = make_engine(cli_env)
    upgrade_schema(engine)
    long_ago = datetime.now(UTC) - timedelta(minutes=10)  # 10 ticks of 60 s
    operations.record_tick(engine, "web-1:1:aa", "run", long_ago, long_ago)
    engine.dispose()
    assert main(["status"]) == 1
    assert "已超过 3 个周期（60 秒/次）未运行" in capsys.readouterr().out


def test_backup_copies_a_live_sqlite_database(
    cli_env: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    engine = make_engine(cli_env)
    upgrade_schema(engine)
    onboarding.create_company(engine, "示例餐饮", "北京", "Asia/Shanghai")
    target = tmp_path / "backups" / "hrbot.sqlite"
    # The bot is running: a connection is open in WAL mode with a write pending elsewhere.
    with engine.connect() as busy:
        busy.exec_driver_sql("SELECT 1")
        assert main(["backup", str(target)]) == 0
    engine.dispose()
    assert "已备份到" in capsys.readouterr().out
    copy = sqlite3.connect(target)
    try:
        assert copy.execute("SELECT name FROM company").fetchall() == [("示例餐饮",)]
        assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    finally:
        copy.close()
    assert main(["backup", str(target)]) == 2  # never overwrites an existing backup
    assert "已存在" in capsys.readouterr().err


def test_backup_on_postgresql_prints_the_pg_dump_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("HRBOT_CONFIG", str(tmp_path / "absent.toml"))
    monkeypatch.setenv("HRBOT_DATABASE_URL",
                       "postgresql+psycopg://hrbot:s3cret@db.internal:5433/hrbot")
    assert main(["backup", "/srv/backups/hrbot.dump"]) == 0
    out = capsys.readouterr().out
    assert ("pg_dump --format=custom --file=/srv/backups/hrbot.dump --host=db.internal "
            "--port=5433 --username=hrbot hrbot") in out
    assert "s3cret" not in out  # the password comes from PGPASSWORD or ~/.pgpass


def test_json_logs_are_one_object_per_line_without_the_token_or_exception_text() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactToken([TOKEN]))
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("hrbot.test.json")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning("POST https://api.telegram.org/bot%s/getUpdates", TOKEN)
        typed = {"id_number": "110101199003071233", "wage": "8888"}
        try:
            raise ValueError(f"身份证 {typed['id_number']} 工资 {typed['wage']}")
        except ValueError:
            logger.exception("tick failed")
    finally:
        logger.removeHandler(handler)
    first, second = (json.loads(line) for line in stream.getvalue().splitlines())
    assert first["message"] == "POST https://api.telegram.org/bot<token>/getUpdates"
    assert first["level"] == "WARNING" and first["logger"] == "hrbot.test.json"
    assert second["exception"] == "ValueError" and "raise ValueError" in second["frames"]
    assert "110101199003071233" not in stream.getvalue() and "8888" not in stream.getvalue()
    assert TOKEN not in stream.getvalue()


def test_json_logs_are_chosen_by_config_or_environment(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[logging]\nformat = "json"\n', encoding="utf-8")
    assert load_settings(config, env={}).logging.format == "json"
    assert load_settings(tmp_path / "absent.toml", env={}).logging.format == "text"
    for name in ("HRBOT_LOGGING_FORMAT", "HRBOT_LOG_FORMAT"):
        assert load_settings(tmp_path / "absent.toml", env={name: "json"}).logging.format == "json"
    with pytest.raises(ValueError, match="format"):
        load_settings(tmp_path / "absent.toml", env={"HRBOT_LOG_FORMAT": "xml"})
