"""Operating the bot: scheduler heartbeats, a status snapshot and backups.

`hrbot status` must answer even when the database is down or behind, so every step reports what
it found instead of raising; the CLI turns the result into text.
"""

from __future__ import annotations

import os
import secrets
import socket
import sqlite3
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, func, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, col, select

from models.db import head_revision, schema_revision, unit_of_work
from models.heartbeat import SchedulerHeartbeat
from models.reminder import OPEN_STATUSES, Reminder, ReminderStatus

#: Heartbeats of processes gone this long are deleted when another process ticks.
FORGET_AFTER = timedelta(days=7)


def worker_name() -> str:
    """This scheduler, as operators find it in `ps` on that host (pid), made unique per start."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(2)}"


def record_tick(engine: Engine, worker: str, mode: str, started_at: datetime,
                now: datetime) -> None:
    """Remember that this scheduler process ticked at `now` (durable, for `hrbot status`)."""
    with unit_of_work(engine) as session:
        beat = session.get(SchedulerHeartbeat, worker)
        if beat is None:
            session.add(SchedulerHeartbeat(worker=worker, mode=mode, started_at=started_at,
                                           ticked_at=now))
        else:
            beat.ticked_at = now
        stale = select(SchedulerHeartbeat).where(
            col(SchedulerHeartbeat.ticked_at) < now - FORGET_AFTER
        )
        for old in session.exec(stale):
            session.delete(old)


@dataclass(frozen=True)
class Heartbeat:
    worker: str
    mode: str
    started_at: datetime
    ticked_at: datetime


@dataclass
class Status:
    """What `hrbot status` shows; fields stay None when the step before them failed."""

    backend: str
    reachable: bool = False
    error: str | None = None
    revision: str | None = None
    head: str = field(default_factory=head_revision)
    heartbeats: list[Heartbeat] = field(default_factory=list)
    queued: int | None = None
    due: int | None = None
    failed: int | None = None

    @property
    def schema_current(self) -> bool:
        return self.revision == self.head

    @property
    def last_tick(self) -> datetime | None:
        return max((beat.ticked_at for beat in self.heartbeats), default=None)

    @property
    def healthy(self) -> bool:
        return self.reachable and self.schema_current


def read_status(engine: Engine, now: datetime) -> Status:
    """Database reachable, schema at the head, last ticks, queued/due/failed reminders."""
    status = Status(backend=engine.dialect.name)
    try:
        status.revision = schema_revision(engine)
        status.reachable = True
        tables = set(inspect(engine).get_table_names())
        with Session(engine) as session:
            if SchedulerHeartbeat.__tablename__ in tables:
                beats = session.exec(
                    select(SchedulerHeartbeat).order_by(col(SchedulerHeartbeat.ticked_at).desc())
                )
                status.heartbeats = [
                    Heartbeat(b.worker, b.mode, b.started_at, b.ticked_at) for b in beats
                ]
            if Reminder.__tablename__ in tables:
                status.queued, status.due, status.failed = _reminder_counts(session, now)
    except SQLAlchemyError as error:
        # The type only: a driver's message may carry the connection URL with its password.
        status.error = type(error.orig if hasattr(error, "orig") else error).__name__
    return status


def _reminder_counts(session: Session, now: datetime) -> tuple[int, int, int]:
    is_open = col(Reminder.status).in_([s.value for s in OPEN_STATUSES])
    count = select(func.count()).select_from(Reminder)
    queued = session.exec(count.where(is_open)).one()
    due = session.exec(count.where(is_open, col(Reminder.next_attempt_at) <= now)).one()
    failed = session.exec(count.where(Reminder.status == ReminderStatus.FAILED.value)).one()
    return queued, due, failed


class BackupRefused(Exception):
    """The backup was not made; `reason` says why, for the CLI to word."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def backup_sqlite(url: str, target: Path) -> int:
    """Copy a live SQLite database with SQLite's online backup API; returns the bytes written.

    Safe while the bot runs: the backup API copies a consistent snapshot page by page, unlike
    copying the file, which can catch a half-written transaction or miss the WAL.
    """
    source_path = make_url(url).database
    if not source_path or source_path == ":memory:":
        raise BackupRefused("memory")
    if not Path(source_path).is_file():
        raise BackupRefused("missing")
    if target.exists():
        raise BackupRefused("exists")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    source = sqlite3.connect(f"file:{source_path}?mode=ro", uri=True)
    try:
        copy = sqlite3.connect(partial)
        try:
            source.backup(copy, pages=1024)
        finally:
            copy.close()
    finally:
        source.close()
    partial.replace(target)
    return target.stat().st_size


def pg_dump_command(url: str, target: Path) -> list[str]:
    """The pg_dump call for a PostgreSQL URL; the password is left to PGPASSWORD or ~/.pgpass."""
    parsed = make_url(url)
    command = ["pg_dump", "--format=custom", f"--file={target}"]
    if parsed.host:
        command.append(f"--host={parsed.host}")
    if parsed.port:
        command.append(f"--port={parsed.port}")
    if parsed.username:
        command.append(f"--username={parsed.username}")
    options = parsed.query.get("options")
    if isinstance(options, str) and options.startswith("-csearch_path="):
        command.append(f"--schema={options.removeprefix('-csearch_path=')}")
    command.append(parsed.database or "")
    return command
