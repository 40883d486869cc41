"""The migration history is one line: plain `alembic upgrade head` works on an empty database."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from models.db import alembic_config, make_engine


def test_migrations_have_a_single_head() -> None:
    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    assert len(heads) == 1, f"several migration heads {heads}: add a merge migration"


def test_plain_upgrade_head_on_an_empty_database(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'empty.sqlite'}")
    config = alembic_config()
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
        tables = set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
    assert {"company", "employee", "reminder", "ledger_month", "employment_period"} <= tables
