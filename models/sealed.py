"""Column types that keep personal data out of the database file: sealed (AES-GCM) values and
keyed hashes.

The box (models/secret_box.py) belongs to the engine: `models.db.make_engine(url, secret_box=)`
puts it on the engine's dialect, where these types find it when they bind or read a value. So
every path to the table — ORM objects, Core inserts (the import's bulk insert), upserts (the
conversation store) — seals the same way, and no query function needs a key argument.

- `SealedText(purpose)`: text stored as ``v1.<base64>`` ciphertext, associated data = purpose
  (a ciphertext moved to another column does not open). Not comparable in SQL: search by the
  keyed hash instead.
- `SealedJSON(purpose)`: a JSON value sealed whole, stored as a JSON string (the column stays
  JSON, so no type change on PostgreSQL).
- `KeyedHash(purpose)`: the HMAC of a plain value; comparing the column with a plain value
  (``Employee.id_hash == number``, ``.in_(numbers)``) hashes the value as it is bound.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import JSON, String, Text
from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.types import TypeDecorator

from models.secret_box import SecretBox, environment_box

_ATTRIBUTE = "hrbot_secret_box"
#: Length of a `KeyedHash` column: 64 hex digits.
HASH_LENGTH = 64


def attach_secret_box(engine: Engine, box: SecretBox) -> None:
    """Make `box` the one the engine's sealed columns use."""
    setattr(engine.dialect, _ATTRIBUTE, box)


def secret_box_of(engine_or_dialect: Engine | Dialect) -> SecretBox:
    """The box of an engine (or its dialect); an engine made outside `make_engine` gets the
    environment's (HRBOT_SECRET_KEY / HRBOT_SECRETS_KEY_FILE)."""
    dialect = getattr(engine_or_dialect, "dialect", engine_or_dialect)
    box = getattr(dialect, _ATTRIBUTE, None)
    if box is None:
        box = environment_box()
        setattr(dialect, _ATTRIBUTE, box)
    return box


class SealedText(TypeDecorator[str]):
    impl = Text
    cache_ok = True

    def __init__(self, purpose: str) -> None:
        super().__init__()
        self.purpose = purpose

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else secret_box_of(dialect).seal_text(value, self.purpose)

    def process_result_value(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else secret_box_of(dialect).open_text(value, self.purpose)


class SealedJSON(TypeDecorator[Any]):
    impl = JSON
    cache_ok = True

    def __init__(self, purpose: str) -> None:
        super().__init__()
        self.purpose = purpose

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        return secret_box_of(dialect).seal_text(text, self.purpose)

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        return json.loads(secret_box_of(dialect).open_text(value, self.purpose))


class KeyedHash(TypeDecorator[str]):
    impl = String(HASH_LENGTH)
    cache_ok = True

    def __init__(self, purpose: str) -> None:
        super().__init__()
        self.purpose = purpose

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else secret_box_of(dialect).keyed_hash(value, self.purpose)
