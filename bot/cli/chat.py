"""`hrbot chat`: the bot in this terminal, with no Telegram token (see bot/chat_console.py)."""

from __future__ import annotations

import argparse
import asyncio
import logging
from pathlib import Path

from bot.logging_setup import configure_logging
from bot.settings import load_settings


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    chat = subparsers.add_parser("chat", help="在终端中试用机器人（无需令牌）")
    chat.add_argument("--database", default="sqlite:///data/chat.sqlite", help="数据库地址")
    chat.add_argument("--company", default="演示餐饮有限公司", help="首次使用时创建的公司名")
    chat.add_argument("--city", default="北京", help="首次使用时公司的城市")
    chat.set_defaults(handler=cmd_chat)


def cmd_chat(args: argparse.Namespace) -> int:
    from bot.chat_console import ConsoleOptions, run_console  # the whole bot: only when chatting

    settings = load_settings(args.config)
    configure_logging(level=logging.WARNING)
    options = ConsoleOptions(
        database_url=args.database,
        company=args.company,
        city=args.city.removesuffix("市"),
        downloads=Path("data/chat-downloads"),
    )
    asyncio.run(run_console(settings, options))
    return 0
