"""0015 seals the 身份证 already on file (and saved drafts, pending uploads) with the engine's
key and keys their uniqueness by the keyed hash; down again gives the clear text back. Runs on
a SQLite file and, with HRBOT_TEST_PG_URL, in a PostgreSQL schema of its own."""

from __future__ import annotations

import json

import pytest
from alembic import command
from sqlalchemy import Engine, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session
from test_migration_outbox_endpoints import empty_engine  # noqa: F401  (the fixture)

from models.db import alembic_config
from models.employee import employee_by_id_number
from models.ptb_state import PtbState
from models.upload import PendingUpload

BEFORE = "0014_employee_self_service"
FIRST, SECOND = "110101199003071233", "110101199003075954"


def test_existing_id_numbers_are_sealed_and_found_by_hash_and_back(
    empty_engine: Engine,  # noqa: F811
) -> None:
    engine = empty_engine
    config = alembic_config()

    def migrate(step: str, revision: str) -> None:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            getattr(command, step)(config, revision)

    def raw(sql: str) -> str:
        with engine.connect() as connection:
            return str(connection.execute(text(sql)).all())

    migrate("upgrade", BEFORE)
    with engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO company (id, name, city, timezone, created_at) VALUES"
            " (7, '公司7', '北京', 'Asia/Shanghai', '2026-11-01 00:00:00Z')"))
        for n, number in enumerate((FIRST, SECOND), start=1):
            connection.execute(text(
                "INSERT INTO employee (id, company_id, name, id_number, base, insured_city,"
                " first_day, status, created_at) VALUES (:id, 7, :name, :number, 800000, '北京',"
                " '2026-11-02', 'active', '2026-11-02 00:00:00Z')"),
                {"id": n, "name": f"员工{n}", "number": number})
        connection.execute(text("INSERT INTO ptb_state (kind, key, data) VALUES"
                                " ('user_data', '5', :data)"),
                           {"data": json.dumps({"hire_draft": {"id_number": FIRST}})})
        connection.execute(text(
            "INSERT INTO pending_upload (company_id, user_id, filename, content_hash, table_json,"
            " created_at) VALUES (7, 5, 'a.xlsx', 'h', :t, '2026-11-02 00:00:00Z')"),
            {"t": json.dumps({"rows": [[SECOND]]})})
    migrate("upgrade", "head")

    dump = raw("SELECT * FROM employee") + raw("SELECT * FROM ptb_state") + raw(
        "SELECT * FROM pending_upload")
    assert FIRST not in dump and SECOND not in dump
    with Session(engine) as session:
        found = employee_by_id_number(session, 7, SECOND)
        assert found is not None and found.name == "员工2" and found.id_number == SECOND
        state = session.get(PtbState, ("user_data", "5"))
        assert state is not None and state.data == {"hire_draft": {"id_number": FIRST}}
        upload = session.get(PendingUpload, 1)
        assert upload is not None and SECOND in upload.table_json
    with pytest.raises(IntegrityError), engine.begin() as connection:
        hashed = connection.execute(text("SELECT id_hash FROM employee WHERE id = 1")).scalar()
        connection.execute(text(
            "INSERT INTO employee (company_id, name, id_number, id_hash, base, insured_city,"
            " first_day, status, created_at) VALUES (7, '重复', 'v1.x', :h, 1, '北京',"
            " '2026-11-02', 'active', '2026-11-02 00:00:00Z')"), {"h": hashed})

    migrate("downgrade", BEFORE)
    assert FIRST in raw("SELECT id_number FROM employee") and FIRST in raw(
        "SELECT data FROM ptb_state")
    assert SECOND in raw("SELECT table_json FROM pending_upload")
    migrate("upgrade", "head")  # and up again
    assert FIRST not in raw("SELECT * FROM employee")
