"""The installation's secret box, from the settings.

The cipher itself lives in `models.secret_box` (the models seal 身份证 and drafts in their column
types, and models may not import `bot`); this module adds what needs `Settings`: which key the
installation uses, and whether one is configured at all (production refuses to start without
one, bot/cli/run.py).
"""

from __future__ import annotations

from pathlib import Path

from bot.settings import Settings
from models.secret_box import (
    ENV_KEY,
    KEY_BYTES,
    SecretBox,
    SecretKeyInvalid,
    SecretKeyMissing,
    SecretUnreadable,
    environment_box,
    load_secret_box,
    new_key,
    write_key_file,
)

__all__ = [
    "ENV_KEY", "KEY_BYTES", "SecretBox", "SecretKeyInvalid", "SecretKeyMissing",
    "SecretUnreadable", "environment_box", "is_key_configured", "load_secret_box", "new_key",
    "settings_box", "write_key_file",
]


def is_key_configured(settings: Settings) -> bool:
    """A key is set (HRBOT_SECRET_KEY) or the key file exists: production may start."""
    key_file = Path(settings.secrets.key_file).expanduser()
    return settings.secrets.key is not None or key_file.exists()


def settings_box(settings: Settings) -> SecretBox:
    """The box of `settings`: HRBOT_SECRET_KEY, else the key file (created on first use with a
    generated key — `hrbot chat` and tests; `hrbot run` checks `is_key_configured` first)."""
    key = settings.secrets.key
    return load_secret_box(key.get_secret_value() if key else None, settings.secrets.key_file,
                           lazy=True)
