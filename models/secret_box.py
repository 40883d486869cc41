"""Secrets at rest: AES-256-GCM with associated data, one key per installation.

What the database must hold but nobody reading it (a backup, a support dump) may use is
encrypted here: group robots' webhook URLs and signing secrets, 身份证 numbers, the bot's saved
conversations (a /hire draft holds a typed 身份证) and read uploads (models/sealed.py). GCM
authenticates as well as hides; the *associated data* names where a ciphertext belongs
(e.g. ``robot_endpoint:url:<company id>``), so a ciphertext copied into another row or another
company's row does not decrypt.

The key (32 random bytes) comes from the environment variable HRBOT_SECRET_KEY (urlsafe
base64), else from a key file (`[secrets] key_file`, default ``data/secret.key``) that is
created on first use with mode 0600. Lose the key and the encrypted values are gone: back it up
beside the database, but not inside it (docs/deploy.md).

Stored form: ``v1.`` + urlsafe base64 of (12-byte random nonce ‖ ciphertext ‖ 16-byte tag).

A *keyed hash* (HMAC-SHA256) makes equal values findable without decrypting (lookup and the
unique constraint by 身份证). Its key is derived from the installation key with HKDF under its own
label, so the hash key and the AES key are never the same bytes; a rotated key changes both.

It lives in `models` because the column types that seal values (models/sealed.py) need it and
models may not import `bot`; bot/secret_box.py adds what needs the settings.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import secrets
from collections.abc import Callable, Mapping
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

KEY_BYTES = 32
NONCE_BYTES = 12
_PREFIX = "v1."
ENV_KEY = "HRBOT_SECRET_KEY"
#: The key file when HRBOT_SECRET_KEY is unset (the generic form of `[secrets] key_file`).
ENV_KEY_FILE = "HRBOT_SECRETS_KEY_FILE"
_HASH_KEY_LABEL = b"hrbot keyed hash v1"


class SecretUnreadable(Exception):
    """A ciphertext does not decrypt with this key and associated data (wrong key, tampered,
    or copied from another row). Carries no part of the value."""


class SecretKeyInvalid(ValueError):
    """HRBOT_SECRET_KEY or the key file does not hold 32 bytes of urlsafe base64."""


class SecretKeyMissing(RuntimeError):
    """No key is configured where one is needed (an engine made without a box and no
    HRBOT_SECRET_KEY / HRBOT_SECRETS_KEY_FILE in the environment)."""


class SecretBox:
    """Encrypt and decrypt bytes (or text) bound to associated data.

    `key` may be a loader called on first use, so an installation that never stores a secret
    never creates a key file.
    """

    def __init__(self, key: bytes | Callable[[], bytes]) -> None:
        self._key = key
        self._cipher: AESGCM | None = None
        self._hash_key: bytes | None = None
        if isinstance(key, bytes) and len(key) != KEY_BYTES:
            raise SecretKeyInvalid("the secret key must be 32 bytes")

    @property
    def _aead(self) -> AESGCM:
        if self._cipher is None:
            key = self._key if isinstance(self._key, bytes) else self._key()
            if len(key) != KEY_BYTES:
                raise SecretKeyInvalid("the secret key must be 32 bytes")
            self._cipher = AESGCM(key)
            self._hash_key = HKDF(
                algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None, info=_HASH_KEY_LABEL
            ).derive(key)
        return self._cipher

    def keyed_hash(self, text: str, purpose: str) -> str:
        """HMAC-SHA256 of `text` under the derived hash key, as 64 hex digits: equal texts of
        one purpose hash equal, so a column of these can be unique and searched."""
        if self._hash_key is None:
            _ = self._aead  # loads the key and derives the hash key beside the cipher
        assert self._hash_key is not None
        message = purpose.encode("utf-8") + b"\0" + text.encode("utf-8")
        return hmac.new(self._hash_key, message, hashlib.sha256).hexdigest()

    def __repr__(self) -> str:
        return "SecretBox(<key hidden>)"

    def encrypt(self, plaintext: bytes, associated: bytes) -> bytes:
        nonce = secrets.token_bytes(NONCE_BYTES)
        return nonce + self._aead.encrypt(nonce, plaintext, associated)

    def decrypt(self, sealed: bytes, associated: bytes) -> bytes:
        nonce, body = sealed[:NONCE_BYTES], sealed[NONCE_BYTES:]
        try:
            return self._aead.decrypt(nonce, body, associated)
        except (InvalidTag, ValueError):
            raise SecretUnreadable("ciphertext does not decrypt here") from None

    def seal_text(self, text: str, associated: str) -> str:
        """`text` encrypted for a text column (ASCII, versioned)."""
        sealed = self.encrypt(text.encode("utf-8"), associated.encode("utf-8"))
        return _PREFIX + base64.urlsafe_b64encode(sealed).decode("ascii")

    def open_text(self, stored: str, associated: str) -> str:
        if not stored.startswith(_PREFIX):
            raise SecretUnreadable("unknown ciphertext format")
        try:
            sealed = base64.urlsafe_b64decode(stored.removeprefix(_PREFIX).encode("ascii"))
        except (binascii.Error, ValueError):
            raise SecretUnreadable("ciphertext is not base64") from None
        return self.decrypt(sealed, associated.encode("utf-8")).decode("utf-8")


def new_key() -> str:
    """A fresh key in the form HRBOT_SECRET_KEY and the key file hold."""
    return base64.urlsafe_b64encode(secrets.token_bytes(KEY_BYTES)).decode("ascii")


def _decode_key(text: str) -> bytes:
    try:
        key = base64.urlsafe_b64decode(text.strip().encode("ascii"))
    except (binascii.Error, ValueError, UnicodeEncodeError):
        raise SecretKeyInvalid("the secret key is not urlsafe base64") from None
    if len(key) != KEY_BYTES:
        raise SecretKeyInvalid("the secret key must decode to 32 bytes")
    return key


def _read_or_create_key_file(path: Path) -> bytes:
    """The key in `path`, created (0600, exclusively) when missing."""
    path = path.expanduser()
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another process created it a moment ago: read theirs
        else:
            with os.fdopen(descriptor, "w", encoding="ascii") as handle:
                handle.write(new_key() + "\n")
    return _decode_key(path.read_text(encoding="ascii"))


def write_key_file(path: str | Path, key: str | None = None) -> bool:
    """Write `key` (a new one if None) to `path` with mode 0600 unless the file exists;
    True if written. `hrbot keys new` and the rotation's new key use it."""
    target = Path(path).expanduser()
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
        handle.write((key or new_key()) + "\n")
    return True


def read_key_file(path: str | Path) -> bytes:
    """The key in an existing key file."""
    return _decode_key(Path(path).expanduser().read_text(encoding="ascii"))


def environment_box(env: Mapping[str, str] | None = None) -> SecretBox:
    """The box an engine made without one uses (tests, plain `alembic upgrade`): the key in
    HRBOT_SECRET_KEY, else in the file HRBOT_SECRETS_KEY_FILE names; read when first needed,
    and `SecretKeyMissing` then if neither is set. Never creates a key: a migration that
    seals existing rows with a throwaway key would lose them."""
    source = os.environ if env is None else env

    def load() -> bytes:
        if source.get(ENV_KEY):
            return _decode_key(source[ENV_KEY])
        if source.get(ENV_KEY_FILE):
            return read_key_file(source[ENV_KEY_FILE])
        raise SecretKeyMissing(f"set {ENV_KEY} or {ENV_KEY_FILE}")

    return SecretBox(load)


def load_secret_box(key: str | None, key_file: str | Path, *, lazy: bool = False) -> SecretBox:
    """The installation's box: `key` (HRBOT_SECRET_KEY) if given, else the key file (read or
    created when first needed if `lazy`)."""
    if key:
        return SecretBox(_decode_key(key))
    path = Path(key_file)
    if lazy:
        return SecretBox(lambda: _read_or_create_key_file(path))
    return SecretBox(_read_or_create_key_file(path))
