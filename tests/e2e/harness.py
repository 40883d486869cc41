"""The test-side actor for end-to-end tests: the real PTB Application against LocalBotApi.

Tests act as people: `await bot.say(HR, "/hire")` sends a message as that Telegram user and
returns what the bot answered; `await bot.press(HR, "✅ 确认")` presses a button.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from bot.app import build_application
from bot.clock import ManualClock
from bot.context import HRApplication
from bot.local_api import LocalBotApi, SentMessage
from bot.services import onboarding
from bot.settings import Settings

SHANGHAI = ZoneInfo("Asia/Shanghai")
#: Default "now" of every end-to-end test: a Tuesday morning in Beijing time.
DEFAULT_NOW = datetime(2026, 12, 1, 10, 0, tzinfo=SHANGHAI)

#: How long a test waits for the bot's answer: generous, so a loaded CI machine is not a failure.
REPLY_TIMEOUT = 15.0

HR = 1001
HR2 = 1002
OTHER_HR = 2001
STRANGER = 9001


@dataclass
class BotHarness:
    api: LocalBotApi
    engine: Engine
    clock: ManualClock
    settings: Settings
    app: HRApplication | None = None
    companies: dict[str, int] = field(default_factory=dict)

    async def start(self) -> HRApplication:
        app = build_application(
            self.settings,
            engine=self.engine,
            clock=self.clock,
            base_url=self.api.base_url,
            base_file_url=self.api.base_file_url,
            token=self.api.token,
        )
        await app.initialize()
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0.0, timeout=1)
        self.app = app
        await self.startup_jobs_done()
        return app

    async def startup_jobs_done(self) -> None:
        """Wait until the start-up catch-up (reminder tick, ledger roll-over) has run.

        Updates are processed concurrently with the jobs, so a test's first message after a
        start would otherwise race the catch-up's reminders for the first reply.
        """
        app = self.app
        assert app is not None and app.job_queue is not None
        queue = app.job_queue
        names = ("reminder_tick_start", "ledger_rollover_start")
        await self.eventually(
            lambda: not any(queue.get_jobs_by_name(name) for name in names),
            timeout=REPLY_TIMEOUT,
        )
        await asyncio.sleep(0.05)  # the jobs' tasks take their locks on their first step
        scheduler = app.services.reminders
        if scheduler is not None:
            async with scheduler._ticking:
                pass

    async def stop(self) -> None:
        if self.app is None:
            return
        app, self.app = self.app, None
        assert app.updater is not None
        if app.updater.running:
            await app.updater.stop()
        if app.running:
            await app.stop()
        await app.shutdown()

    def lose_persistence(self) -> None:
        """From now on this process writes nothing more to persistence, as if it had died.

        A test can call it at any point (e.g. right after a commit, before the reply) and then
        `restart(crash=True)`: the new process sees only what was persisted before.
        """
        assert self.app is not None
        persistence = self.app.persistence
        assert persistence is not None

        async def lost(*_args: object, **_kwargs: object) -> None:
            return None

        for name in (
            "update_conversation",
            "update_user_data",
            "update_chat_data",
            "drop_user_data",
            "drop_chat_data",
        ):
            setattr(persistence, name, lost)

    async def crash(self) -> None:
        """Stop as a killed process would: nothing is flushed to persistence on the way out."""
        self.lose_persistence()
        await self.stop()

    async def restart(self, *, crash: bool = False) -> HRApplication:
        if crash:
            await self.crash()
        else:
            await self.stop()
        return await self.start()

    async def eventually(self, predicate: Callable[[], object], timeout: float = 3.0) -> None:
        """Poll until `predicate()` is truthy: for effects that follow the bot's last reply."""
        deadline = asyncio.get_running_loop().time() + timeout
        while not predicate():
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"condition not met within {timeout}s")
            await asyncio.sleep(0.02)

    def create_company(self, name: str = "示例餐饮", city: str = "北京") -> tuple[int, str]:
        company = onboarding.create_company(self.engine, name, city, "Asia/Shanghai")
        assert company.id is not None
        invite = onboarding.create_invite(
            self.engine, company.id, now=self.clock.now(), valid_days=7
        )
        self.companies[name] = company.id
        return company.id, invite.code

    async def join_as_hr(
        self, user_id: int, company: str = "示例餐饮", city: str = "北京"
    ) -> int:
        """Create the company if needed and bind the user as its HR through /start <code>."""
        if company in self.companies:
            invite = onboarding.create_invite(
                self.engine, self.companies[company], now=self.clock.now(), valid_days=7
            )
            code = invite.code
        else:
            _, code = self.create_company(company, city)
        replies = await self.say(user_id, f"/start {code}")
        assert "已加入" in replies[0].text, replies[0].text
        return self.companies[company]

    async def say(
        self, user_id: int, text: str, *, expect: int = 1, chat_id: int | None = None, **kw: object
    ) -> list[SentMessage]:
        chat = user_id if chat_id is None else chat_id
        mark = self.api.mark()
        self.api.send_message(user_id, text, chat_id=chat_id, **kw)  # type: ignore[arg-type]
        return await self.api.wait_for_messages(
            chat, count=expect, since=mark, timeout=REPLY_TIMEOUT
        )

    async def press(
        self, user_id: int, button_text: str, *, expect: int = 1, chat_id: int | None = None
    ) -> list[SentMessage]:
        """Press a button on the newest message showing it; wait for `expect` new messages."""
        chat = user_id if chat_id is None else chat_id
        mark = self.api.mark()
        self.api.press_button_text(user_id, button_text, chat_id=chat_id)
        if expect == 0:
            await self.api.wait_for_activity(chat, since=mark, timeout=REPLY_TIMEOUT)
            return []
        return await self.api.wait_for_messages(
            chat, count=expect, since=mark, timeout=REPLY_TIMEOUT
        )
