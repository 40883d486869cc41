"""Secrets at rest: AES-256-GCM with associated data, one key per installation.

What the database must hold but nobody reading it (a backup, a support dump) may use is
encrypted here: group robots' webhook URLs and signing secrets, and later 身份证 numbers. GCM
authenticates as well as hides; the *associated data* names where a ciphertext belongs
(e.g. ``robot_endpoint:url:<company id>``), so a ciphertext copied into another row or another
company's row does not decrypt.

The key (32 random bytes) comes from the environment variable HRBOT_SECRET_KEY (urlsafe
base64), else from a key file (`[secrets] key_file`, default ``data/secret.key``) that is
created on first use with mode 0600. Lose the key and the encrypted values are gone: back it up
beside the database, but not inside it (docs/deploy.md).

Stored form: ``v1.`` + urlsafe base64 of (12-byte random nonce ‖ ciphertext ‖ 16-byte tag).
"""

from __future__ import annotations

import base64
import binascii
import os
import secrets
from collections.abc import Callable
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

KEY_BYTES = 32
NONCE_BYTES = 12
_PREFIX = "v1."
ENV_KEY = "HRBOT_SECRET_KEY"


class SecretUnreadable(Exception):
    """A ciphertext does not decrypt with this key and associated data (wrong key, tampered,
    or copied from another row). Carries no part of the value."""


class SecretKeyInvalid(ValueError):
    """HRBOT_SECRET_KEY or the key file does not hold 32 bytes of urlsafe base64."""


class SecretBox:
    """Encrypt and decrypt bytes (or text) bound to associated data.

    `key` may be a loader called on first use, so an installation that never stores a secret
    never creates a key file.
    """

    def __init__(self, key: bytes | Callable[[], bytes]) -> None:
        self._key = key
        self._cipher: AESGCM | None = None
        if isinstance(key, bytes) and len(key) != KEY_BYTES:
            raise SecretKeyInvalid("the secret key must be 32 bytes")

    @property
    def _aead(self) -> AESGCM:
        if self._cipher is None:
            key = self._key if isinstance(self._key, bytes) else self._key()
            if len(key) != KEY_BYTES:
                raise SecretKeyInvalid("the secret key must be 32 bytes")
            self._cipher = AESGCM(key)
        return self._cipher

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


def load_secret_box(key: str | None, key_file: str | Path, *, lazy: bool = False) -> SecretBox:
    """The installation's box: `key` (HRBOT_SECRET_KEY) if given, else the key file (read or
    created when first needed if `lazy`)."""
    if key:
        return SecretBox(_decode_key(key))
    path = Path(key_file)
    if lazy:
        return SecretBox(lambda: _read_or_create_key_file(path))
    return SecretBox(_read_or_create_key_file(path))
