"""`hrbot run`: the bot against Telegram (or any Bot API server), long polling."""

from __future__ import annotations

import argparse

from telegram import Update
from telegram.error import InvalidToken, NetworkError, TelegramError

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
    token = settings.telegram.token.get_secret_value()
    configure_logging(token)
    application = build_application(settings)
    try:
        application.run_polling(
            allowed_updates=Update.ALL_TYPES, timeout=settings.telegram.poll_timeout
        )
    except InvalidToken:
        # PTB's message (and so a traceback) quotes the whole token: never let it out.
        print_error(
            "Bot API 服务器拒绝了机器人令牌。请检查 HRBOT_TOKEN（或 token_file）是否正确、"
            "是否已在 @BotFather 处重新生成。"
        )
        return 2
    except NetworkError as error:
        print_error(
            "无法连接 Bot API 服务器（" + _redacted(str(error), token) + "）。"
            "请检查网络和 base_url 设置后重试。"
        )
        return 1
    except TelegramError as error:
        print_error("Bot API 服务器返回错误：" + _redacted(str(error), token))
        return 1
    return 0


def _redacted(text: str, token: str) -> str:
    """An error's text without the token, which a URL in it may contain."""
    return text.replace(token, "<token>") if token else text
