"""0009 keys deliveries by endpoint and adds group robots (issue 10).

Existing delivery rows become ``telegram:<chat_id>``; the unique key moves from (reminder, chat)
to (reminder, endpoint), so a robot delivery (no chat) fits beside a Telegram one. Runs on a
SQLite file and, with HRBOT_TEST_PG_URL, in a PostgreSQL schema of its own.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError

from models.db import alembic_config, make_engine

BEFORE = "0008_ops_install_heartbeat"
PG_URL = os.environ.get("HRBOT_TEST_PG_URL")

_REMINDER = (
    "INSERT INTO reminder (id, company_id, subject, task_id, kind, due_date, send_at, status,"
    " attempts, next_attempt_at, is_catch_up, is_snooze, created_at, updated_at) VALUES"
    " (:id, 7, :subject, NULL, 'declaration_due', '2026-11-25', '2026-11-25 01:00:00Z',"
    " 'sent', 0, '2026-11-25 01:00:00Z', false, false, '2026-11-20 01:00:00Z',"
    " '2026-11-20 01:00:00Z')"
)
_OLD_DELIVERY = (
    "INSERT INTO reminder_delivery (reminder_id, chat_id, message_id, outcome, at) VALUES"
    " (:reminder, :chat, :message, 'sent', '2026-11-25 01:00:05Z')"
)
_NEW_DELIVERY = (
    "INSERT INTO reminder_delivery (reminder_id, endpoint, chat_id, message_id, outcome, at)"
    " VALUES (:reminder, :endpoint, :chat, NULL, 'sent', '2026-11-25 01:00:05Z')"
)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'old.sqlite'}")
        yield engine
        engine.dispose()
        return
    if not PG_URL:
        pytest.skip("set HRBOT_TEST_PG_URL to run PostgreSQL tests")
    schema = f"hrbot_migration_{os.getpid()}_{secrets.token_hex(4)}"
    admin = make_engine(PG_URL)
    with admin.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    url = make_url(PG_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    engine = make_engine(url.render_as_string(hide_password=False))
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as connection:
            connection.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        admin.dispose()


def test_old_deliveries_become_telegram_endpoints_and_back(empty_engine: Engine) -> None:
    engine = empty_engine
    config = alembic_config()

    def migrate(step: str, revision: str) -> None:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            getattr(command, step)(config, revision)

    def deliveries(columns: str) -> list[tuple[object, ...]]:
        with engine.begin() as connection:
            rows = connection.execute(text(f"SELECT {columns} FROM reminder_delivery ORDER BY id"))
            return [tuple(row) for row in rows]

    migrate("upgrade", BEFORE)
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO company (id, name, city, timezone, created_at) VALUES"
                " (7, '公司7', '北京', 'Asia/Shanghai', '2026-11-01 00:00:00Z')"
            )
        )
        connection.execute(text(_REMINDER), {"id": 1, "subject": "task:1"})
        connection.execute(text(_REMINDER), {"id": 2, "subject": "task:2"})
        connection.execute(
            text(_OLD_DELIVERY), {"reminder": 1, "chat": 5001, "message": 11}
        )
        connection.execute(
            text(_OLD_DELIVERY), {"reminder": 1, "chat": -100777, "message": 12}
        )
        connection.execute(
            text(_OLD_DELIVERY), {"reminder": 2, "chat": 5001, "message": None}
        )
    migrate("upgrade", "head")
    assert deliveries("id, reminder_id, endpoint, chat_id, message_id") == [
        (1, 1, "telegram:5001", 5001, 11),
        (2, 1, "telegram:-100777", -100777, 12),
        (3, 2, "telegram:5001", 5001, None),
    ]
    with engine.begin() as connection:
        # a robot delivery: no chat, and the new ids continue after the copied ones
        connection.execute(
            text(_NEW_DELIVERY), {"reminder": 1, "endpoint": "robot:3", "chat": None}
        )
        connection.execute(
            text(
                "INSERT INTO robot_endpoint (company_id, kind, url_ciphertext, url_hint, active,"
                " created_by_user_id, created_at) VALUES (7, 'wecom', 'x', 'qyapi…abcd', true,"
                " 5001, '2026-11-25 01:00:00Z')"
            )
        )
        connection.execute(
            text("UPDATE company_settings SET robot_notifications = 'policy_update'")
        )
    assert deliveries("id, endpoint")[-1] == (4, "robot:3")
    with pytest.raises(IntegrityError), engine.begin() as connection:
        connection.execute(
            text(_NEW_DELIVERY), {"reminder": 1, "endpoint": "telegram:5001", "chat": 5001}
        )
    migrate("downgrade", BEFORE)
    assert deliveries("id, reminder_id, chat_id, message_id") == [
        (1, 1, 5001, 11),
        (2, 1, -100777, 12),
        (3, 2, 5001, None),
    ]
    with pytest.raises(IntegrityError), engine.begin() as connection:
        connection.execute(
            text(_OLD_DELIVERY), {"reminder": 1, "chat": 5001, "message": None}
        )
    migrate("upgrade", "head")  # and up again
    assert [e for (e,) in deliveries("endpoint")] == [
        "telegram:5001",
        "telegram:-100777",
        "telegram:5001",
    ]
