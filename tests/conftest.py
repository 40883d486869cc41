"""Database fixtures shared by every test layer.

SQLite by default. Set HRBOT_TEST_DATABASE_URL (e.g. postgresql+psycopg://postgres@127.0.0.1/test)
to run the same suite on PostgreSQL: a schema of this run's own (`hrbot_test_<pid>_<random>`) is
migrated once per session, every table is truncated before each test, and the schema is dropped
at the end — so two runs on one server never clobber each other.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlmodel import SQLModel

import models  # noqa: F401  (registers tables)
from models.db import make_engine, upgrade_schema
from models.secret_box import new_key

PG_SCHEMA = f"hrbot_test_{os.getpid()}_{secrets.token_hex(4)}"

# PTB 22 warns on RetryAfter.retry_after unless timedelta mode is on; the bot runs with it on.
os.environ.setdefault("PTB_TIMEDELTA", "true")
# The tests' generated local key (issue 12): engines made without a box, the bot's
# subprocesses and `hrbot` commands in tests seal 身份证 with it; never a key file in the tree.
os.environ.setdefault("HRBOT_SECRET_KEY", new_key())


def _test_database_url() -> str | None:
    return os.environ.get("HRBOT_TEST_DATABASE_URL") or None


def _with_schema(url: str, schema: str) -> str:
    parsed = make_url(url)
    return parsed.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
        hide_password=False
    )


@pytest.fixture(scope="session")
def database_backend() -> str:
    url = _test_database_url()
    return make_url(url).get_backend_name() if url else "sqlite"


@pytest.fixture(scope="session")
def _migrated_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated database for the session: a SQLite template file or a PostgreSQL schema."""
    url = _test_database_url()
    if url is None:
        template = tmp_path_factory.mktemp("db") / "template.sqlite"
        engine = make_engine(f"sqlite:///{template}")
        upgrade_schema(engine)
        engine.dispose()
        yield str(template)
        return
    admin = make_engine(url)
    with admin.begin() as connection:
        connection.execute(text(f"DROP SCHEMA IF EXISTS {PG_SCHEMA} CASCADE"))
        connection.execute(text(f"CREATE SCHEMA {PG_SCHEMA}"))
    admin.dispose()
    engine = make_engine(_with_schema(url, PG_SCHEMA))
    upgrade_schema(engine)
    engine.dispose()
    try:
        yield _with_schema(url, PG_SCHEMA)
    finally:
        admin = make_engine(url)
        with admin.begin() as connection:
            connection.execute(text(f"DROP SCHEMA IF EXISTS {PG_SCHEMA} CASCADE"))
        admin.dispose()


@pytest.fixture
def database_url(_migrated_database: str, tmp_path: Path) -> str:
    """A clean, migrated database for one test."""
    if _test_database_url() is None:
        copy = tmp_path / "hrbot.sqlite"
        shutil.copy(_migrated_database, copy)
        return f"sqlite:///{copy}"
    engine = make_engine(_migrated_database)
    tables = ", ".join(t.name for t in SQLModel.metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()
    return _migrated_database


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()
