"""`hrbot run` (updates: long polling or a webhook) and `hrbot worker` (scheduler ticks only).

One process may do both (plain `hrbot run`). To scale, run one update process with
`--no-scheduler` and any number of `hrbot worker` processes on the same PostgreSQL database:
reminder claims use `FOR UPDATE SKIP LOCKED` and leases, so workers never send one twice.
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import signal
from collections.abc import Callable
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from telegram.error import InvalidToken, NetworkError, TelegramError

from bot.cli.common import print_error
from bot.logging_setup import configure_logging
from bot.secret_box import is_key_configured, settings_box
from bot.settings import Settings, load_settings
from models.db import make_engine

if TYPE_CHECKING:
    from bot.context import HRApplication

# bot.app (every handler, the templates, the policy library) is imported inside the commands
# that run the bot, so `hrbot status`, `backup` or `company` start in a fraction of the time.


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    run = subparsers.add_parser(
        "run", help="启动机器人（需要 HRBOT_TOKEN）",
        description="接收并处理消息（默认长轮询；--webhook 时由 Telegram 推送），"
                    "并运行提醒调度（--no-scheduler 时不运行，由 hrbot worker 负责）。")
    run.add_argument("--webhook", metavar="URL",
                     help="公网 HTTPS 地址，例如 https://bot.example.com/telegram；"
                          "Telegram 把消息推送到这里（通常经反向代理转发到 --listen/--port）")
    run.add_argument("--listen", default="127.0.0.1",
                     help="webhook 服务监听地址（默认 127.0.0.1）")
    run.add_argument("--port", type=int, default=8443, help="webhook 服务监听端口（默认 8443）")
    run.add_argument("--no-scheduler", action="store_true",
                     help="不运行提醒调度（另有 hrbot worker 进程时使用）")
    run.set_defaults(handler=cmd_run)

    worker = subparsers.add_parser(
        "worker", help="只运行提醒调度（不处理消息），可多开",
        description="只运行定时任务：发送到期提醒、台账月度滚动。不接收消息，可与一个 "
                    "hrbot run --no-scheduler 进程一起在同一 PostgreSQL 数据库上运行多个。")
    worker.set_defaults(handler=cmd_worker)


def _settings_with_token(args: argparse.Namespace) -> Settings | None:
    """The settings of production mode — `hrbot run` and `hrbot worker`, which serve real
    users with a real token — or None after saying what is missing: the token, or the key
    that seals 身份证 (no key is ever generated here: a lost generated key would lose every
    sealed 身份证; `hrbot chat` and tests generate their own)."""
    settings = load_settings(args.config)
    if settings.telegram.token is None:
        print_error(
            "未设置机器人令牌。请设置环境变量 HRBOT_TOKEN（或 config.toml 中的 token_file），"
            "或运行 hrbot chat 在终端中试用。"
        )
        return None
    if not is_key_configured(settings):
        print_error(
            "未配置加密密钥，拒绝启动：身份证等个人信息须加密保存。请设置环境变量 "
            f"HRBOT_SECRET_KEY，或运行 hrbot keys new 生成密钥文件 {settings.secrets.key_file}"
            "（与数据库备份分开保存），详见 docs/deploy.md。"
        )
        return None
    return settings


def _configure_logging(settings: Settings, *extra_secrets: str) -> None:
    assert settings.telegram.token is not None
    configure_logging(
        settings.telegram.token.get_secret_value(),
        *extra_secrets,
        level=settings.logging.level,
        json_lines=settings.logging.format == "json",
    )


def webhook_path(url: str) -> str | None:
    """The path Telegram posts to, which the local server must serve; None if not HTTP(S)."""
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        return None
    return parts.path.strip("/")


def cmd_run(args: argparse.Namespace) -> int:
    settings = _settings_with_token(args)
    if settings is None:
        return 2
    url_path = webhook_path(args.webhook) if args.webhook else ""
    if url_path is None:
        print_error(f"--webhook 需要完整的 https 地址，例如 https://bot.example.com/telegram"
                    f"（收到 {args.webhook}）")
        return 2
    configured = settings.telegram.webhook_secret
    secret = configured.get_secret_value() if configured else secrets.token_urlsafe(32)
    _configure_logging(settings, secret)
    from telegram import Update

    from bot.app import build_application

    engine = make_engine(settings.database.url, echo=settings.database.echo,
                         secret_box=settings_box(settings))
    try:
        application = build_application(settings, engine=engine,
                                        scheduler=not args.no_scheduler)
        if args.webhook:
            return _reporting_bot_api_errors(settings, lambda: application.run_webhook(
                listen=args.listen,
                port=args.port,
                url_path=url_path,
                webhook_url=args.webhook,
                secret_token=secret,
                allowed_updates=Update.ALL_TYPES,
            ))
        return _reporting_bot_api_errors(settings, lambda: application.run_polling(
            allowed_updates=Update.ALL_TYPES, timeout=settings.telegram.poll_timeout
        ))
    finally:
        engine.dispose()


def cmd_worker(args: argparse.Namespace) -> int:
    settings = _settings_with_token(args)
    if settings is None:
        return 2
    _configure_logging(settings)
    from bot.app import build_application

    engine = make_engine(settings.database.url, echo=settings.database.echo,
                         secret_box=settings_box(settings))
    try:
        application = build_application(settings, engine=engine, updates=False)
        return _reporting_bot_api_errors(
            settings, lambda: asyncio.run(serve_scheduler(application))
        )
    finally:
        engine.dispose()


def _reporting_bot_api_errors(settings: Settings, serve: Callable[[], object]) -> int:
    """Run until stopped; a rejected token or an unreachable server is one clear line."""
    assert settings.telegram.token is not None
    token = settings.telegram.token.get_secret_value()
    try:
        serve()
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


async def serve_scheduler(application: HRApplication) -> None:
    """Run the Application's job queue (the ticks) until SIGINT or SIGTERM; no updates."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    await application.initialize()
    await application.start()
    try:
        await stop.wait()
    finally:
        await application.stop()
        await application.shutdown()
