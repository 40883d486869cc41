"""`hrbot chat`: try the bot in a terminal, as HR, with no Telegram token.

The real Application runs against the built-in local Bot API server with an embedded SQLite
database; what you type is sent as a Telegram message from a local HR user, and what the bot
sends is printed with its buttons numbered so that `#2` presses the second one.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from sqlalchemy import Engine, select
from sqlmodel import Session

from bot.app import build_application
from bot.local_api import Activity, LocalBotApi, SentMessage
from bot.secret_box import settings_box
from bot.services import onboarding
from bot.settings import Settings
from models.company import Company, Membership
from models.db import make_engine, upgrade_schema

LOCAL_HR_ID = 10001
HELP = """命令：直接输入文字发送给机器人；#N 点击最新消息的第N个按钮；
:file 路径 发送文件；:help 帮助；:quit 退出（Ctrl-D 同样退出）。"""


@dataclass
class ConsoleOptions:
    database_url: str
    company: str
    city: str
    downloads: Path


def prepare_company(engine: Engine, options: ConsoleOptions, settings: Settings) -> str | None:
    """Create the demo company on first use; returns an invite code if the HR must join."""
    with Session(engine) as session:
        joined = session.execute(
            select(Membership).where(Membership.telegram_user_id == LOCAL_HR_ID)
        ).first()
        company = session.execute(select(Company).order_by(Company.id)).scalars().first()
    if joined:
        return None
    if company is None:
        company = onboarding.create_company(
            engine, options.company, options.city, settings.company.timezone
        )
    assert company.id is not None
    from bot.clock import SystemClock

    return onboarding.create_invite(
        engine, company.id, now=SystemClock().now(), valid_days=1
    ).code


def render_message(message: SentMessage, *, edited: bool) -> str:
    lines = []
    prefix = "机器人（已编辑）" if edited else "机器人"
    text = message.text or ""
    lines.append(f"{prefix}: " + text.replace("\n", "\n    "))
    if message.document_name:
        lines.append(f"    📎 {message.document_name}")
    buttons = [label for label, _ in message.buttons]
    if buttons:
        lines.append("    " + "  ".join(f"[{i}] {label}" for i, label in enumerate(buttons, 1)))
    return "\n".join(lines)


class Console:
    def __init__(
        self, api: LocalBotApi, options: ConsoleOptions, out: TextIO = sys.stdout
    ) -> None:
        self.api = api
        self.options = options
        self.out = out
        self.last_with_buttons: SentMessage | None = None
        self._queue: asyncio.Queue[Activity] = asyncio.Queue()

    def attach(self) -> Callable[[], None]:
        loop = asyncio.get_running_loop()
        return self.api.subscribe(
            lambda activity: loop.call_soon_threadsafe(self._queue.put_nowait, activity)
        )

    async def print_activity(self) -> None:
        while True:
            activity = await self._queue.get()
            if activity.chat_id != LOCAL_HR_ID or activity.kind == "deleted":
                continue
            message = activity.message
            if message.buttons:
                self.last_with_buttons = message
            if message.document_bytes is not None and message.document_name:
                self.options.downloads.mkdir(parents=True, exist_ok=True)
                path = self.options.downloads / message.document_name
                path.write_bytes(message.document_bytes)
                print(f"    （文件已保存到 {path}）", file=self.out)
            print(render_message(message, edited=activity.kind == "edited"), file=self.out)
            self.out.flush()

    async def settle(self, mark: object) -> None:
        """Wait for the bot's answer, then print it, so the prompt comes after the reply."""
        try:
            await self.api.wait_for_activity(LOCAL_HR_ID, since=mark, timeout=3.0)  # type: ignore[arg-type]
        except (AssertionError, TimeoutError):
            pass
        await asyncio.sleep(0.2)
        while not self._queue.empty():
            await asyncio.sleep(0.05)

    def handle_line(self, line: str) -> bool:
        """Act on one typed line; False means quit."""
        line = line.strip()
        if not line:
            return True
        if line in (":quit", ":q", ":exit"):
            return False
        if line == ":help":
            print(HELP, file=self.out)
        elif line.startswith(":file "):
            path = Path(line.removeprefix(":file ").strip()).expanduser()
            if not path.is_file():
                print(f"找不到文件：{path}", file=self.out)
            else:
                self.api.send_document(LOCAL_HR_ID, path.name, path.read_bytes())
        elif line.startswith("#") and line[1:].isdigit():
            self.press(int(line[1:]))
        else:
            self.api.send_message(LOCAL_HR_ID, line, first_name="本地HR")
        return True

    def press(self, number: int) -> None:
        message = self.last_with_buttons
        buttons = message.buttons if message else []
        if message is None or not 1 <= number <= len(buttons):
            print("没有这个按钮。请输入 #1、#2 … 选择最新消息中的按钮。", file=self.out)
            return
        data = buttons[number - 1][1]
        if data is None:
            print("这个按钮不是回调按钮。", file=self.out)
            return
        self.api.press_button(LOCAL_HR_ID, message.message_id, data, strict=False)


async def run_console(
    settings: Settings,
    options: ConsoleOptions,
    *,
    lines: asyncio.Queue[str | None] | None = None,
    out: TextIO = sys.stdout,
) -> None:
    """Run the bot and the console until :quit or end of input."""
    engine = make_engine(options.database_url, secret_box=settings_box(settings))
    upgrade_schema(engine)
    code = prepare_company(engine, options, settings)
    with LocalBotApi() as api:
        application = build_application(
            settings,
            engine=engine,
            base_url=api.base_url,
            base_file_url=api.base_file_url,
            token=api.token,
            migrate=False,
        )
        console = Console(api, options, out)
        detach = console.attach()
        printer = asyncio.create_task(console.print_activity())
        await application.initialize()
        await application.start()
        assert application.updater is not None
        await application.updater.start_polling(poll_interval=0.0, timeout=1)
        try:
            print("hrbot 本地试用（无需 Telegram 令牌）。" + HELP, file=out)
            mark = api.mark()
            console.handle_line(f"/start {code}" if code else "/help")
            await console.settle(mark)

            while True:
                line = await (lines.get() if lines else asyncio.to_thread(_read_line))
                mark = api.mark()
                if line is None or not console.handle_line(line):
                    break
                await console.settle(mark)
        finally:
            detach()
            printer.cancel()
            await application.updater.stop()
            await application.stop()
            await application.shutdown()
            engine.dispose()


def _read_line() -> str | None:
    try:
        return input("> ")
    except EOFError:
        return None
