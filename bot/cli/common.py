"""Shared by CLI commands: settings, an upgraded database, and error output."""

from __future__ import annotations

import argparse
import sys

from sqlalchemy import Engine

from bot.settings import Settings, load_settings
from models.db import make_engine, upgrade_schema


def load(args: argparse.Namespace, *, migrate: bool = True) -> tuple[Settings, Engine]:
    settings = load_settings(getattr(args, "config", None))
    engine = make_engine(settings.database.url)
    if migrate:
        upgrade_schema(engine)
    return settings, engine


def print_error(message: str) -> None:
    print(f"错误：{message}", file=sys.stderr)
