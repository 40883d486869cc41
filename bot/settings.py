"""Settings: config.toml, overridden by HRBOT_* environment variables.

The token is read only from the environment or from a file outside git and is kept as a
`SecretStr`, so printing settings never shows it.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

from policies import reminder_plan
from policies.kpi import KpiSettings
from policies.timezones import DEFAULT_TIMEZONE, is_known_zone

DEFAULT_CONFIG = Path("config.toml")
TELEGRAM_API = "https://api.telegram.org/bot"
TELEGRAM_FILE_API = "https://api.telegram.org/file/bot"


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TelegramSettings(_Section):
    token: SecretStr | None = None
    token_file: str = ""
    base_url: str = TELEGRAM_API
    base_file_url: str = TELEGRAM_FILE_API
    poll_timeout: int = Field(default=30, ge=0, le=50)
    #: Updates processed at once (each chat's and each user's still one at a time, in order).
    concurrent_updates: int = Field(default=32, ge=1, le=1024)
    #: Messages a second this process may send (bot/send_lanes.py); one token may send about
    #: 30 in all, so processes sending with one token share them (docs/scaling.md).
    send_rate: int = Field(default=30, ge=1, le=30)
    #: Checked on every webhook request (X-Telegram-Bot-Api-Secret-Token); empty: a random one
    #: per start, which `hrbot run --webhook` registers with Telegram itself.
    webhook_secret: SecretStr | None = None

    @field_validator("webhook_secret")
    @classmethod
    def _secret_charset(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}",
                                                  value.get_secret_value()):
            raise ValueError("webhook_secret: 1–256 characters A-Z, a-z, 0-9, _ and -")
        return value

    @model_validator(mode="after")
    def _read_token_file(self) -> TelegramSettings:
        if self.token is None and self.token_file:
            path = Path(self.token_file).expanduser()
            if path.is_file():
                self.token = SecretStr(path.read_text(encoding="utf-8").strip())
        return self


class DatabaseSettings(_Section):
    url: str = "sqlite:///data/hrbot.sqlite"
    echo: bool = False


class CompanyDefaults(_Section):
    timezone: str = DEFAULT_TIMEZONE
    locale: str = "zh_CN"
    invite_valid_days: int = Field(default=7, ge=1, le=90)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        if not is_known_zone(value):
            raise ValueError(f"unknown time zone {value!r}")
        return value


class ReminderConfig(reminder_plan.ReminderSettings):
    """config.toml ``[reminders]``: the thresholds every company starts from — the rule's own
    type, ``policies.reminder_plan.ReminderSettings``, with its bounds — plus how the scheduler
    runs. It declares only the two scheduler fields; a company's zone is ``[company] timezone``
    or the company's own, never a reminder setting.
    """

    #: Seconds between scheduler ticks (the outbox and the ledger roll-over).
    tick_seconds: float = Field(default=60, gt=0)
    #: Deliveries a reminder gets before it is marked failed (and listed in /todo).
    max_attempts: int = Field(default=5, ge=1)

    @model_validator(mode="before")
    @classmethod
    def _no_zone_here(cls, values: Any) -> Any:
        if isinstance(values, Mapping) and "timezone" in values:
            raise ValueError("[reminders] has no timezone: set [company] timezone")
        return values


class ImportSettings(_Section):
    """Hard limits on one uploaded spreadsheet (see bot.importing.ReadLimits)."""

    max_file_mb: int = Field(default=10, ge=1, le=20)
    max_unzipped_mb: int = Field(default=50, ge=1, le=1000)
    max_rows: int = Field(default=20_000, ge=10)
    max_columns: int = Field(default=50, ge=8)
    max_cells: int = Field(default=500_000, ge=100)
    max_seconds: float = Field(default=20, gt=0)
    #: How long a parsed upload waits for HR's 确认 before it is dropped, in hours.
    pending_hours: int = Field(default=24, ge=1)


class PolicySettings(_Section):
    directory: str = ""


class LoggingSettings(_Section):
    #: "text" for a terminal, "json" (one object per line) for a log collector.
    format: Literal["text", "json"] = "text"
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"


class SecretsSettings(_Section):
    """The key that encrypts secrets at rest (robot webhook URLs; bot/secret_box.py)."""

    #: HRBOT_SECRET_KEY: 32 bytes, urlsafe base64 (`hrbot` never prints it).
    key: SecretStr | None = None
    #: Used when no key is set: created on first use with mode 0600.
    key_file: str = "data/secret.key"


class LimitSettings(_Section):
    """Per-user command rate limit (bot/rate_limit.py)."""

    #: Commands one user may send in any `per_seconds` window; 0 turns the limit off.
    commands: int = Field(default=20, ge=0)
    per_seconds: float = Field(default=60, gt=0, le=3600)


class RobotSettings(_Section):
    """Group robots (WeCom / Feishu / DingTalk)."""

    #: Tests only: accept http://127.0.0.1 webhook URLs (the fake vendor server).
    allow_local_webhooks: bool = False
    #: Seconds to wait for a vendor's answer.
    timeout_seconds: float = Field(default=10, gt=0, le=60)


class KpiConfig(_Section):
    """config.toml ``[kpi]``: the weights, targets and deductions every company starts from
    (policies.kpi.KpiSettings); a company overrides them with /kpi_settings."""

    hr_weight: Decimal = Field(default=Decimal(15), ge=0, le=100)
    hr_timeliness_target: Decimal = Field(default=Decimal(100), ge=0, le=100)
    hr_timeliness_per_point: Decimal = Field(default=Decimal(2), ge=0)
    hr_backpay_target: Decimal = Field(default=Decimal(0), ge=0)
    hr_backpay_per_case: Decimal = Field(default=Decimal(5), ge=0)
    hr_complaint_target: Decimal = Field(default=Decimal(0), ge=0)
    hr_complaint_per_case: Decimal = Field(default=Decimal(3), ge=0)
    department_weight: Decimal = Field(default=Decimal(10), ge=0, le=100)
    department_payment_target: Decimal = Field(default=Decimal(100), ge=0, le=100)
    department_payment_per_point: Decimal = Field(default=Decimal(1), ge=0)
    department_complaint_target: Decimal = Field(default=Decimal(0), ge=0)
    department_complaint_per_case: Decimal = Field(default=Decimal(2), ge=0)
    #: The Monday push of the weekly summary (每周社保简报) through the outbox. Off unless a
    #: config file turns it on (config.toml does), so a bare Settings() plans no summaries.
    weekly_summary: bool = False

    def policy(self) -> KpiSettings:
        """The pure rule's settings type (policies.kpi)."""
        return KpiSettings(**{name: getattr(self, name) for name in KpiSettings.names()})


class Settings(_Section):
    telegram: TelegramSettings = TelegramSettings()
    database: DatabaseSettings = DatabaseSettings()
    company: CompanyDefaults = CompanyDefaults()
    reminders: ReminderConfig = ReminderConfig()
    policies: PolicySettings = PolicySettings()
    imports: ImportSettings = ImportSettings()
    logging: LoggingSettings = LoggingSettings()
    secrets: SecretsSettings = SecretsSettings()
    robots: RobotSettings = RobotSettings()
    kpi: KpiConfig = KpiConfig()
    limits: LimitSettings = LimitSettings()


#: Short names the README promises, besides the generic HRBOT_<SECTION>_<KEY>.
_ALIASES = {
    "HRBOT_TOKEN": ("telegram", "token"),
    "HRBOT_BASE_URL": ("telegram", "base_url"),
    "HRBOT_BASE_FILE_URL": ("telegram", "base_file_url"),
    "HRBOT_DATABASE_URL": ("database", "url"),
    "HRBOT_TIMEZONE": ("company", "timezone"),
    "HRBOT_WEBHOOK_SECRET": ("telegram", "webhook_secret"),
    "HRBOT_LOG_FORMAT": ("logging", "format"),
    "HRBOT_SECRET_KEY": ("secrets", "key"),
}


def _env_overrides(env: Mapping[str, str]) -> dict[str, dict[str, Any]]:
    sections = {name: set(model.model_fields) for name, model in _section_models().items()}
    found: dict[str, dict[str, Any]] = {}
    for key, value in env.items():
        if not key.startswith("HRBOT_") or key == "HRBOT_CONFIG":
            continue
        if key in _ALIASES:
            section, field = _ALIASES[key]
        else:
            rest = key.removeprefix("HRBOT_").lower()
            section, _, field = rest.partition("_")
            if section not in sections or field not in sections[section]:
                continue
        found.setdefault(section, {})[field] = value
    return found


def _section_models() -> dict[str, type[BaseModel]]:
    return {
        name: info.annotation  # type: ignore[misc]
        for name, info in Settings.model_fields.items()
    }


def load_settings(
    path: Path | str | None = None, env: Mapping[str, str] | None = None
) -> Settings:
    """Read config.toml (HRBOT_CONFIG or ./config.toml if present), then the environment."""
    env = os.environ if env is None else env
    config_path = Path(path) if path else Path(env.get("HRBOT_CONFIG", DEFAULT_CONFIG))
    data: dict[str, Any] = {}
    if config_path.is_file():
        data = tomllib.loads(config_path.read_text(encoding="utf-8"))
    for section, values in _env_overrides(env).items():
        data.setdefault(section, {}).update(values)
    return Settings.model_validate(data)
