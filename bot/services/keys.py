"""Key rotation: every secret at rest re-sealed under a new key (`hrbot keys rotate`).

The secrets: 身份证 (`employee.id_number` and its keyed hash `id_hash`), saved conversations
(`ptb_state.data`), read uploads (`pending_upload.table_json`), the corrected fields of a
back-payment case (`backpay_case.changed_fields`) and group robots' webhook URLs
and signing secrets (`robot_endpoint`). The rows are read and written as raw text here — the
engine's sealed column types use one key, rotation needs two.

Idempotent and resumable: a value that already opens with the new key is left alone, and each
batch commits on its own, so a rotation stopped half-way is finished by running it again with
the same new key. Run it with the bot stopped: while it runs, some 身份证 hash under the old
key and some under the new, and the running bot knows only one (docs/deploy.md).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy import Engine

from bot.services.robots import secret_context, url_context
from models.employee import ID_NUMBER_PURPOSE
from models.secret_box import SecretBox, SecretUnreadable

#: Rows re-sealed per transaction.
BATCH = 200

_employee = sa.table("employee", sa.column("id", sa.Integer), sa.column("id_number", sa.Text),
                     sa.column("id_hash", sa.String))
_state = sa.table("ptb_state", sa.column("kind", sa.String), sa.column("key", sa.String),
                  sa.column("data", sa.JSON))
_upload = sa.table("pending_upload", sa.column("id", sa.Integer),
                   sa.column("table_json", sa.Text))
_case = sa.table("backpay_case", sa.column("id", sa.Integer),
                 sa.column("changed_fields", sa.JSON))
_robot = sa.table("robot_endpoint", sa.column("id", sa.Integer),
                  sa.column("company_id", sa.Integer), sa.column("url_ciphertext", sa.Text),
                  sa.column("secret_ciphertext", sa.Text))


@dataclass
class RotationReport:
    """How many values each table had re-sealed now, and how many were already new."""

    resealed: dict[str, int] = field(default_factory=dict)
    already_new: dict[str, int] = field(default_factory=dict)

    def count(self, table: str, *, changed: bool) -> None:
        target = self.resealed if changed else self.already_new
        target[table] = target.get(table, 0) + 1


def is_same_key(first: SecretBox, second: SecretBox) -> bool:
    """Both boxes hold the same key (compared through their keyed hashes, never the bytes)."""
    return first.keyed_hash("probe", "key-compare") == second.keyed_hash("probe", "key-compare")


def _resealed(old: SecretBox, new: SecretBox, stored: str, associated: str) -> str | None:
    """`stored` sealed under `new`, or None if it already is. Raises SecretUnreadable if it
    opens with neither key."""
    try:
        new.open_text(stored, associated)
        return None
    except SecretUnreadable:
        return new.seal_text(old.open_text(stored, associated), associated)


def rotate_secrets(
    engine: Engine,
    old: SecretBox,
    new: SecretBox,
    *,
    progress: Callable[[str, int], None] | None = None,
) -> RotationReport:
    """Re-seal every secret from `old` to `new`, batch by batch (see the module docstring)."""
    report = RotationReport()
    _rotate_employees(engine, old, new, report)
    _rotate_rows(engine, _state, ("kind", "key"), "data", old, new, report, json_value=True)
    _rotate_rows(engine, _upload, ("id",), "table_json", old, new, report)
    _rotate_rows(engine, _case, ("id",), "changed_fields", old, new, report, json_value=True)
    _rotate_robots(engine, old, new, report)
    if progress:
        for table, count in report.resealed.items():
            progress(table, count)
    return report


def _batches(engine: Engine, statement: sa.Select) -> list[list[sa.Row]]:  # type: ignore[type-arg]
    with engine.connect() as connection:
        rows = list(connection.execute(statement))
    return [rows[start:start + BATCH] for start in range(0, len(rows), BATCH)]


def _rotate_employees(engine: Engine, old: SecretBox, new: SecretBox,
                      report: RotationReport) -> None:
    for batch in _batches(engine, sa.select(_employee.c.id).order_by(_employee.c.id)):
        with engine.begin() as connection:
            ids = [row.id for row in batch]
            for row_id, stored in connection.execute(
                sa.select(_employee.c.id, _employee.c.id_number)
                .where(_employee.c.id.in_(ids))
            ):
                sealed = _resealed(old, new, stored, ID_NUMBER_PURPOSE)
                if sealed is None:
                    report.count("employee", changed=False)
                    continue
                plain = new.open_text(sealed, ID_NUMBER_PURPOSE)
                connection.execute(_employee.update().where(_employee.c.id == row_id).values(
                    id_number=sealed, id_hash=new.keyed_hash(plain, ID_NUMBER_PURPOSE)))
                report.count("employee", changed=True)


def _rotate_rows(engine: Engine, table: sa.TableClause, keys: tuple[str, ...], column: str,
                 old: SecretBox, new: SecretBox, report: RotationReport, *,
                 json_value: bool = False) -> None:
    purpose = f"{table.name}.{column}"
    key_columns = [table.c[name] for name in keys]
    for batch in _batches(engine, sa.select(*key_columns)):
        with engine.begin() as connection:
            for row in batch:
                where = [table.c[name] == getattr(row, name) for name in keys]
                stored = connection.execute(sa.select(table.c[column]).where(*where)).scalar()
                if stored is None:
                    continue
                if json_value and not isinstance(stored, str):
                    # Never sealed (written before 0015 ran): seal it now.
                    text = json.dumps(stored, ensure_ascii=False, separators=(",", ":"))
                    sealed: str | None = new.seal_text(text, purpose)
                else:
                    sealed = _resealed(old, new, stored, purpose)
                if sealed is None:
                    report.count(table.name, changed=False)
                    continue
                connection.execute(table.update().where(*where).values({column: sealed}))
                report.count(table.name, changed=True)


def _rotate_robots(engine: Engine, old: SecretBox, new: SecretBox,
                   report: RotationReport) -> None:
    for batch in _batches(engine, sa.select(_robot.c.id).order_by(_robot.c.id)):
        with engine.begin() as connection:
            for row in connection.execute(sa.select(_robot).where(
                    _robot.c.id.in_([r.id for r in batch]))):
                url = _resealed(old, new, row.url_ciphertext, url_context(row.company_id))
                secret = (_resealed(old, new, row.secret_ciphertext,
                                    secret_context(row.company_id))
                          if row.secret_ciphertext else None)
                if url is None and secret is None:
                    report.count("robot_endpoint", changed=False)
                    continue
                values = {}
                if url is not None:
                    values["url_ciphertext"] = url
                if secret is not None:
                    values["secret_ciphertext"] = secret
                connection.execute(_robot.update().where(_robot.c.id == row.id).values(values))
                report.count("robot_endpoint", changed=True)
