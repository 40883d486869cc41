"""config.toml plus HRBOT_* overrides; the token is a secret that never prints."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.settings import load_settings

ROOT = Path(__file__).resolve().parents[2]


def test_shipped_config_loads_with_documented_defaults() -> None:
    settings = load_settings(ROOT / "config.toml", env={})
    assert settings.company.timezone == "Asia/Shanghai"
    assert (settings.reminders.normal_day, settings.reminders.urgent_day) == (23, 28)
    assert settings.database.url.startswith("sqlite:///")
    assert settings.telegram.token is None


def test_environment_overrides_every_key(tmp_path: Path) -> None:
    env = {
        "HRBOT_TOKEN": "42:SECRET",
        "HRBOT_DATABASE_URL": "postgresql+psycopg://x@h/db",
        "HRBOT_BASE_URL": "http://127.0.0.1:9/bot",
        "HRBOT_REMINDERS_NORMAL_DAY": "25",
        "HRBOT_COMPANY_TIMEZONE": "Asia/Urumqi",
    }
    settings = load_settings(ROOT / "config.toml", env=env)
    assert settings.telegram.token is not None
    assert settings.telegram.token.get_secret_value() == "42:SECRET"
    assert "SECRET" not in repr(settings) and "SECRET" not in str(settings.model_dump())
    assert settings.database.url == "postgresql+psycopg://x@h/db"
    assert settings.telegram.base_url == "http://127.0.0.1:9/bot"
    assert settings.reminders.normal_day == 25
    assert settings.company.timezone == "Asia/Urumqi"


def test_token_file_outside_git(tmp_path: Path) -> None:
    token_file = tmp_path / "token"
    token_file.write_text("7:FROMFILE\n", encoding="utf-8")
    settings = load_settings(
        ROOT / "config.toml", env={"HRBOT_TELEGRAM_TOKEN_FILE": str(token_file)}
    )
    assert settings.telegram.token is not None
    assert settings.telegram.token.get_secret_value() == "7:FROMFILE"


def test_bad_values_are_refused() -> None:
    with pytest.raises(ValidationError):
        load_settings(ROOT / "config.toml", env={"HRBOT_REMINDERS_NORMAL_DAY": "29"})
    with pytest.raises(ValidationError):
        load_settings(ROOT / "config.toml", env={"HRBOT_COMPANY_TIMEZONE": "Mars/Base"})


def test_reminders_section_is_the_rules_type_plus_the_scheduler() -> None:
    """One ReminderSettings: [reminders] is the policy type with its bounds, and declares only
    how the scheduler runs; companies apply their own thresholds on top of it."""
    from bot.settings import ReminderConfig
    from policies.reminder_plan import ReminderSettings

    settings = load_settings(ROOT / "config.toml", env={})
    assert isinstance(settings.reminders, ReminderSettings)
    own = set(ReminderConfig.model_fields) - set(ReminderSettings.model_fields)
    assert own == {"tick_seconds", "max_attempts"}
    company = settings.reminders.model_copy(update={"normal_day": 20})
    assert ReminderSettings(**{n: getattr(company, n) for n in ReminderSettings.model_fields})
    # The rule's bounds are the config's: a 31-working-day stall is no reminder (rule: 1..30).
    with pytest.raises(ValidationError):
        load_settings(
            ROOT / "config.toml", env={"HRBOT_REMINDERS_BACKPAY_STALL_WORKING_DAYS": "31"}
        )
    with pytest.raises(ValidationError):
        load_settings(ROOT / "config.toml", env={"HRBOT_REMINDERS_TIMEZONE": "Asia/Urumqi"})
