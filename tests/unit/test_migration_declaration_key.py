"""0006 gives existing declaration reminders their company (issue 8, item 1).

Runs on a SQLite file and, with HRBOT_TEST_PG_URL, in a PostgreSQL schema of its own.
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

from models.db import alembic_config, make_engine

BEFORE = "0005_faults_tenancy_current"
PG_URL = os.environ.get("HRBOT_TEST_PG_URL")

_ROW = (
    "INSERT INTO reminder (id, company_id, subject, task_id, kind, due_date, send_at, status,"
    " attempts, next_attempt_at, is_catch_up, is_snooze, created_at, updated_at) VALUES"
    " (:id, :company, :subject, NULL, 'declaration_due', '2026-11-25', '2026-11-25 01:00:00Z',"
    " 'sent', 0, '2026-11-25 01:00:00Z', false, false, '2026-11-20 01:00:00Z',"
    " '2026-11-20 01:00:00Z')"
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


def test_declaration_subjects_gain_the_company_and_lose_it_again(empty_engine: Engine) -> None:
    engine = empty_engine
    config = alembic_config()

    def migrate(step: str, revision: str) -> None:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            getattr(command, step)(config, revision)

    def subjects() -> list[str]:
        with engine.begin() as connection:
            return list(connection.scalars(text("SELECT subject FROM reminder ORDER BY id")))

    migrate("upgrade", BEFORE)
    with engine.begin() as connection:
        for company in (7, 8):
            connection.execute(
                text(
                    "INSERT INTO company (id, name, city, timezone, created_at) VALUES"
                    " (:id, :name, '北京', 'Asia/Shanghai', '2026-11-01 00:00:00Z')"
                ),
                {"id": company, "name": f"公司{company}"},
            )
        connection.execute(
            text(_ROW), {"id": 1, "company": 7, "subject": "declaration:2026-11:北京"}
        )
        connection.execute(text(_ROW), {"id": 2, "company": 7, "subject": "task:3"})
    migrate("upgrade", "head")
    assert subjects() == ["declaration:7:2026-11:北京", "task:3"]
    with engine.begin() as connection:  # now a second company in the same city fits
        connection.execute(
            text(_ROW), {"id": 3, "company": 8, "subject": "declaration:8:2026-11:北京"}
        )
    migrate("downgrade", BEFORE)
    assert subjects() == ["declaration:2026-11:北京", "task:3"]
