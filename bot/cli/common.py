"""Shared by CLI commands: settings, an upgraded database, and error output."""

from __future__ import annotations

import argparse
import sys

from sqlalchemy import Engine

from bot.settings import Settings, load_settings
from models.db import make_engine, upgrade_schema

#: Engines opened by load() during this command; main() disposes them when the command ends,
#: so no SQLite connection is left to be closed by the garbage collector (Python 3.13 warns).
_opened: list[Engine] = []


def load(args: argparse.Namespace, *, migrate: bool = True) -> tuple[Settings, Engine]:
    settings = load_settings(getattr(args, "config", None))
    engine = make_engine(settings.database.url)
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
