"""The migration history is one line: plain `alembic upgrade head` works on an empty database.

Plain means what a person types: alembic's own `upgrade` command on the project's alembic
config, with only a database URL, so env.py opens its own engine (as the `alembic` CLI does) —
not the bot's `upgrade_schema`, which hands env.py a connection. It runs on an empty SQLite file
and, when HRBOT_TEST_PG_URL names a server, on an empty PostgreSQL schema of this run's own.
Afterwards every table the models declare must exist. The head is read from the scripts, never
written here, so new migrations need no edit to this file.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url
from sqlmodel import SQLModel

import models  # noqa: F401  (registers every table on SQLModel.metadata)
from models.db import alembic_config, make_engine, schema_revision

PG_URL = os.environ.get("HRBOT_TEST_PG_URL") or None


def test_migrations_have_a_single_head() -> None:
    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    assert len(heads) == 1, f"several migration heads {heads}: add a merge migration"


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'empty.sqlite'}"


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """An empty schema of this test's own on the test server, dropped afterwards."""
    if PG_URL is None:
        pytest.skip("set HRBOT_TEST_PG_URL to run the PostgreSQL upgrade")
    schema = f"hrbot_upgrade_{os.getpid()}_{secrets.token_hex(4)}"
    admin = make_engine(PG_URL)
    with admin.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        yield (
            make_url(PG_URL)
            .update_query_dict({"options": f"-csearch_path={schema}"})
            .render_as_string(hide_password=False)
        )
    finally:
        with admin.begin() as connection:
            connection.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        admin.dispose()


@pytest.mark.parametrize("backend", ["sqlite_url", "postgres_url"])
def test_plain_upgrade_head_on_an_empty_database(
    backend: str, request: pytest.FixtureRequest
) -> None:
    url: str = request.getfixturevalue(backend)
    config = alembic_config()
    # ConfigParser interpolates '%': the encoded search_path option must be escaped.
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    command.upgrade(config, "head")

    engine = make_engine(url)
    try:
        tables = set(inspect(engine).get_table_names())
        revision = schema_revision(engine)
    finally:
        engine.dispose()
    declared = set(SQLModel.metadata.tables)
    assert declared - tables == set(), "tables the models declare but `upgrade head` did not make"
    assert revision == ScriptDirectory.from_config(alembic_config()).get_current_head()
