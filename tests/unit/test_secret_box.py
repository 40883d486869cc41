"""Secrets at rest (bot/secret_box.py): AES-GCM bound to where the value belongs."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from bot.secret_box import (
    SecretBox,
    SecretKeyInvalid,
    SecretUnreadable,
    load_secret_box,
    new_key,
)
from bot.settings import load_settings

URL = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7aaa-4bc4-97a0-0ec2sifa5aaa"


def test_round_trip_and_no_plaintext_in_the_stored_form() -> None:
    box = load_secret_box(new_key(), "unused")
    stored = box.seal_text(URL, "robot_endpoint:url:1")
    assert stored.startswith("v1.") and "qyapi" not in stored and "693a91f6" not in stored
    assert box.open_text(stored, "robot_endpoint:url:1") == URL
    assert box.seal_text(URL, "robot_endpoint:url:1") != stored  # a fresh nonce each time


def test_other_associated_data_key_or_a_flipped_byte_does_not_decrypt() -> None:
    box = load_secret_box(new_key(), "unused")
    stored = box.seal_text(URL, "robot_endpoint:url:1")
    with pytest.raises(SecretUnreadable):
        box.open_text(stored, "robot_endpoint:url:2")  # copied into another company's row
    with pytest.raises(SecretUnreadable):
        load_secret_box(new_key(), "unused").open_text(stored, "robot_endpoint:url:1")
    sealed = bytearray(box.encrypt(b"110101199003071233", b"employee:id:7"))
    sealed[-1] ^= 1
    with pytest.raises(SecretUnreadable):
        box.decrypt(bytes(sealed), b"employee:id:7")
    with pytest.raises(SecretUnreadable):
        box.open_text("plain text", "x")


def test_key_file_is_created_once_with_mode_0600(tmp_path: Path) -> None:
    path = tmp_path / "data" / "secret.key"
    first = load_secret_box(None, path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    stored = first.seal_text(URL, "a")
    again = load_secret_box(None, path)  # a restart reads the same key
    assert again.open_text(stored, "a") == URL


def test_environment_key_wins_and_is_checked(tmp_path: Path) -> None:
    settings = load_settings(tmp_path / "none.toml", env={"HRBOT_SECRET_KEY": new_key()})
    assert settings.secrets.key is not None
    assert "HRBOT" not in repr(settings.secrets) and str(settings.secrets.key) == "**********"
    box = load_secret_box(settings.secrets.key.get_secret_value(), tmp_path / "never")
    assert isinstance(box, SecretBox) and not (tmp_path / "never").exists()
    with pytest.raises(SecretKeyInvalid):
        load_secret_box("too-short", tmp_path / "never")
    assert "key" not in repr(box).lower().replace("<key hidden>", "")
