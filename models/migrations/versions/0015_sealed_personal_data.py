"""身份证 sealed at rest, with a keyed hash for lookups; saved conversations and read uploads
sealed too (issue 12, models/sealed.py).

- `employee.id_number` becomes AES-GCM ciphertext (TEXT); the new `employee.id_hash` (HMAC,
  models/secret_box.py) carries the uniqueness per company in the unique index
  `uq_employee_company_id_hash`. PostgreSQL drops the old (company_id, id_number) constraint;
  SQLite keeps its unnamed one (dropping it means rebuilding a table other tables reference,
  with foreign keys on inside the migration's transaction), harmless: ciphertexts never repeat;
  for the same reason `id_hash` stays nullable there (the model always sets it).
- `ptb_state.data` (a /hire draft holds the typed 身份证), `pending_upload.table_json` and
  `backpay_case.changed_fields` (a corrected 身份证 may be typed there) are sealed in place; the
  columns keep their types.

The key is the engine's (models.db.make_engine's `secret_box`: the app passes the configured
HRBOT_SECRET_KEY or key file); plain `alembic upgrade head` reads HRBOT_SECRET_KEY or
HRBOT_SECRETS_KEY_FILE (models.secret_box.environment_box). Values already sealed are left as
they are, so a re-run after a crash finishes the job.

Revision ID: 0015_sealed_personal_data
Revises: 0014_employee_self_service
"""

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from models.sealed import secret_box_of

revision: str = "0015_sealed_personal_data"
down_revision: str | Sequence[str] | None = "0014_employee_self_service"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = "employee.id_number"
_STATE = "ptb_state.data"
_UPLOAD = "pending_upload.table_json"
_INDEX = "uq_employee_company_id_hash"
_SEALED = "v1."

_employee = sa.table(
    "employee", sa.column("id", sa.Integer), sa.column("id_number", sa.Text),
    sa.column("id_hash", sa.String),
)
_state = sa.table(
    "ptb_state", sa.column("kind", sa.String), sa.column("key", sa.String),
    sa.column("data", sa.JSON),
)
_upload = sa.table("pending_upload", sa.column("id", sa.Integer), sa.column("table_json", sa.Text))
_CHANGES = "backpay_case.changed_fields"
_case = sa.table("backpay_case", sa.column("id", sa.Integer),
                 sa.column("changed_fields", sa.JSON))


def _old_unique_name(connection: sa.Connection) -> str | None:
    for unique in sa.inspect(connection).get_unique_constraints("employee"):
        if sorted(unique["column_names"]) == ["company_id", "id_number"]:
            return unique["name"]
    return None


def upgrade() -> None:
    connection = op.get_bind()
    box = secret_box_of(connection.dialect)
    op.add_column("employee", sa.Column("id_hash", sa.String(length=64), nullable=True))
    if connection.dialect.name != "sqlite":
        old = _old_unique_name(connection)
        if old is not None:
            op.drop_constraint(old, "employee", type_="unique")
        op.alter_column("employee", "id_number", type_=sa.Text(),
                        existing_type=sa.String(length=18))
    for row_id, number in connection.execute(sa.select(_employee.c.id, _employee.c.id_number)):
        plain = box.open_text(number, _ID) if number.startswith(_SEALED) else number
        connection.execute(
            _employee.update().where(_employee.c.id == row_id).values(
                id_number=number if number.startswith(_SEALED) else box.seal_text(plain, _ID),
                id_hash=box.keyed_hash(plain, _ID),
            )
        )
    if connection.dialect.name != "sqlite":  # SQLite would rebuild the table; the model sets it
        op.alter_column("employee", "id_hash", existing_type=sa.String(length=64),
                        nullable=False)
    op.create_index(_INDEX, "employee", ["company_id", "id_hash"], unique=True)

    for kind, key, data in connection.execute(sa.select(_state.c.kind, _state.c.key,
                                                        _state.c.data)):
        if data is None or (isinstance(data, str) and data.startswith(_SEALED)):
            continue
        sealed = box.seal_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")),
                               _STATE)
        connection.execute(_state.update().where(_state.c.kind == kind, _state.c.key == key)
                           .values(data=sealed))
    for row_id, table_json in connection.execute(sa.select(_upload.c.id, _upload.c.table_json)):
        if not table_json.startswith(_SEALED):
            connection.execute(_upload.update().where(_upload.c.id == row_id)
                               .values(table_json=box.seal_text(table_json, _UPLOAD)))
    for row_id, changes in connection.execute(sa.select(_case.c.id, _case.c.changed_fields)):
        if changes is None or (isinstance(changes, str) and changes.startswith(_SEALED)):
            continue
        sealed = box.seal_text(json.dumps(changes, ensure_ascii=False, separators=(",", ":")),
                               _CHANGES)
        connection.execute(_case.update().where(_case.c.id == row_id)
                           .values(changed_fields=sealed))


def downgrade() -> None:
    """Back to clear text (needs the key)."""
    connection = op.get_bind()
    box = secret_box_of(connection.dialect)
    for row_id, changes in connection.execute(sa.select(_case.c.id, _case.c.changed_fields)):
        if isinstance(changes, str) and changes.startswith(_SEALED):
            connection.execute(_case.update().where(_case.c.id == row_id).values(
                changed_fields=json.loads(box.open_text(changes, _CHANGES))))
    for row_id, table_json in connection.execute(sa.select(_upload.c.id, _upload.c.table_json)):
        if table_json.startswith(_SEALED):
            connection.execute(_upload.update().where(_upload.c.id == row_id)
                               .values(table_json=box.open_text(table_json, _UPLOAD)))
    for kind, key, data in connection.execute(sa.select(_state.c.kind, _state.c.key,
                                                        _state.c.data)):
        if isinstance(data, str) and data.startswith(_SEALED):
            connection.execute(_state.update().where(_state.c.kind == kind, _state.c.key == key)
                               .values(data=json.loads(box.open_text(data, _STATE))))
    op.drop_index(_INDEX, table_name="employee")
    for row_id, number in connection.execute(sa.select(_employee.c.id, _employee.c.id_number)):
        if number.startswith(_SEALED):
            connection.execute(_employee.update().where(_employee.c.id == row_id)
                               .values(id_number=box.open_text(number, _ID)))
    if connection.dialect.name != "sqlite":
        op.alter_column("employee", "id_number", type_=sa.String(length=18),
                        existing_type=sa.Text())
        op.create_unique_constraint(None, "employee", ["company_id", "id_number"])
    with op.batch_alter_table("employee") as batch:
        batch.drop_column("id_hash")
