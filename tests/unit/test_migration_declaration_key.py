"""0006 gives existing declaration reminders their company (issue 8, item 1)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from sqlalchemy import text

from models.db import alembic_config, make_engine

_ROW = (
    "INSERT INTO reminder (id, company_id, subject, task_id, kind, due_date, send_at, status,"
    " attempts, next_attempt_at, is_catch_up, is_snooze, created_at, updated_at) VALUES"
    " (:id, :company, :subject, NULL, 'declaration_due', '2026-11-25', '2026-11-25 01:00:00',"
    " 'sent', 0, '2026-11-25 01:00:00', 0, 0, '2026-11-20 01:00:00', '2026-11-20 01:00:00')"
)


def test_declaration_subjects_gain_the_company_and_lose_it_again(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'old.sqlite'}")
    config = alembic_config()

    def migrate(step: str, revision: str) -> None:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            getattr(command, step)(config, revision)

    def subjects() -> list[str]:
        with engine.begin() as connection:
            return list(connection.scalars(text("SELECT subject FROM reminder ORDER BY id")))

    try:
        migrate("upgrade", "0005_faults_tenancy_current")
        with engine.begin() as connection:
            for company in (7, 8):
                connection.execute(
                    text(
                        "INSERT INTO company (id, name, city, timezone, created_at) VALUES"
                        " (:id, :name, '北京', 'Asia/Shanghai', '2026-11-01 00:00:00')"
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
        migrate("downgrade", "0005_faults_tenancy_current")
        assert subjects() == ["declaration:2026-11:北京", "task:3"]
    finally:
        engine.dispose()
