"""Engine, schema upgrade and the unit of work every service uses."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlmodel import Session

from models.sealed import attach_secret_box
from models.secret_box import SecretBox, environment_box

MIGRATIONS = Path(__file__).parent / "migrations"
#: PostgreSQL advisory lock key held while migrating ("hrbot" in ASCII).
MIGRATION_LOCK = 0x687262_6F74


def make_engine(url: str, *, echo: bool = False, secret_box: SecretBox | None = None) -> Engine:
    """Create the engine; SQLite gets its folder, foreign keys, a busy timeout and
    `secure_delete`.

    `secret_box` seals the personal columns (models/sealed.py: 身份证, saved conversations, read
    uploads); the app passes the installation's (bot/secret_box.py `settings_box`). Without
    one the engine reads HRBOT_SECRET_KEY / HRBOT_SECRETS_KEY_FILE when it first needs a key
    (tests, plain `alembic upgrade head`).

    SQL parameters are hidden from logs and exception texts: they hold 身份证 numbers and wages.
    `secure_delete` overwrites deleted and replaced content with zeros: a finished or cancelled
    /hire draft (kept in `ptb_state` while HR answer, with the full 身份证) must not linger in
    the file's free pages.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            echo=echo,
            hide_parameters=True,
            connect_args={"check_same_thread": False, "timeout": 30},
        )
        attach_secret_box(engine, secret_box or environment_box())

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA secure_delete=ON")
            # In WAL mode NORMAL syncs at checkpoints, not at every commit: a killed process
            # loses nothing committed, a power cut may lose the last commits but never leaves
            # the file inconsistent. FULL cost ~11 ms of fsync per commit (docs/performance.md).
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return engine
    engine = create_engine(url, echo=echo, pool_pre_ping=True, hide_parameters=True)
    attach_secret_box(engine, secret_box or environment_box())
    return engine


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def upgrade_schema(engine: Engine, revision: str = "head") -> None:
    """Bring the schema up to date; the bot does this at every start.

    Migrations form one line (new ones revise the single head), so "head" is the target; a
    second head is a mistake that tests/unit/test_migrations.py catches.
    """
    config = alembic_config()
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # Several processes (an update process and workers) may start at once: one
            # migrates, the others wait here and then find nothing left to do.
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def schema_revision(engine: Engine) -> str | None:
    """The revision the database is at; None for a database never migrated."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str:
    """The newest migration shipped with this code: what upgrade_schema brings a database to."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


@contextmanager
def unit_of_work(engine: Engine) -> Iterator[Session]:
    """One transaction: commit once on success, roll back on any error."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def reading(engine: Engine) -> Connection:
    """A pooled connection for reads that need no snapshot shared between statements; on
    PostgreSQL in autocommit. Under READ COMMITTED (PostgreSQL's default) every statement of a
    transaction sees a fresh snapshot anyway, so only the BEGIN and ROLLBACK round trips go
    away. SQLite keeps its read transaction: it has no round trips, and switching its
    isolation level costs more than the transaction."""
    connection = engine.connect()
    if engine.dialect.name == "postgresql":
        connection = connection.execution_options(isolation_level="AUTOCOMMIT")
    return connection
