"""`hrbot db upgrade` / `hrbot db current`: schema migrations by hand (the bot also upgrades)."""

from __future__ import annotations

import argparse

from alembic import command

from bot.cli.common import load
from models.db import alembic_config, head_revision, schema_revision, upgrade_schema


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    db = subparsers.add_parser("db", help="数据库迁移")
    actions = db.add_subparsers(dest="action", required=True)
    upgrade = actions.add_parser("upgrade", help="升级数据库结构到最新版本")
    upgrade.set_defaults(handler=cmd_upgrade)
    current = actions.add_parser("current", help="显示当前数据库版本")
    current.set_defaults(handler=cmd_current)


def cmd_upgrade(args: argparse.Namespace) -> int:
    _, engine = load(args, migrate=False)
    before = schema_revision(engine)
    upgrade_schema(engine)
    after = schema_revision(engine)
    if before == after:
        print(f"数据库已是最新版本（{after}），无需升级。")
    else:
        print(f"数据库已从 {before or '空库'} 升级到最新版本 {after}。")
    assert after == head_revision()
    return 0


def cmd_current(args: argparse.Namespace) -> int:
    _, engine = load(args, migrate=False)
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.current(config)
    return 0
