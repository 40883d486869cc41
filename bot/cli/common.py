"""Shared by CLI commands: settings, an upgraded database, and error output."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, date, datetime

from sqlalchemy import Engine

from bot.secret_box import settings_box
from bot.settings import Settings, load_settings
from models.db import make_engine, upgrade_schema
from policies.timezones import DEFAULT_TIMEZONE, today_in

#: Engines opened by load() during this command; main() disposes them when the command ends,
#: so no SQLite connection is left to be closed by the garbage collector (Python 3.13 warns).
_opened: list[Engine] = []


def configured_zone(args: argparse.Namespace) -> str:
    """config.toml's ``[company] timezone``: the zone a command that names no company dates
    "today" in. The default zone when the settings cannot be read, so a pure calculation
    (``hrbot backpay``, ``hrbot policies show``) still runs."""
    try:
        return load_settings(getattr(args, "config", None)).company.timezone
    except Exception:  # settings problems must not stop a pure calculation
        return DEFAULT_TIMEZONE


def configured_today(args: argparse.Namespace) -> date:
    """Today in ``configured_zone``."""
    return today_in(configured_zone(args), datetime.now(UTC))


def load(args: argparse.Namespace, *, migrate: bool = True) -> tuple[Settings, Engine]:
    settings = load_settings(getattr(args, "config", None))
    engine = make_engine(settings.database.url, secret_box=settings_box(settings))
    _opened.append(engine)
    if migrate:
        upgrade_schema(engine)
    return settings, engine


def dispose_engines() -> None:
    """Close every pooled connection the command opened (called once by bot.cli.main)."""
    while _opened:
        _opened.pop().dispose()


def print_error(message: str) -> None:
    print(f"错误：{message}", file=sys.stderr)
