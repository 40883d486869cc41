"""`hrbot run`: the bot against Telegram (or any Bot API server), long polling."""

from __future__ import annotations

import argparse

from telegram import Update

from bot.app import build_application
from bot.cli.common import print_error
from bot.logging_setup import configure_logging
from bot.settings import load_settings


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    run = subparsers.add_parser("run", help="启动机器人（需要 HRBOT_TOKEN）")
    run.set_defaults(handler=cmd_run)


def cmd_run(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)
    if settings.telegram.token is None:
        print_error(
            "未设置机器人令牌。请设置环境变量 HRBOT_TOKEN（或 config.toml 中的 token_file），"
            "或运行 hrbot chat 在终端中试用。"
        )
        return 2
    configure_logging(settings.telegram.token.get_secret_value())
    application = build_application(settings)
    application.run_polling(
        allowed_updates=Update.ALL_TYPES, timeout=settings.telegram.poll_timeout
    )
    return 0
