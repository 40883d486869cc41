"""End-to-end fixtures; see harness.py for what a test can do as a user."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from harness import DEFAULT_NOW, BotHarness
from sqlalchemy import Engine

from bot.clock import ManualClock
from bot.local_api import LocalBotApi
from bot.settings import Settings, load_settings


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(DEFAULT_NOW)


@pytest.fixture
def settings() -> Settings:
    return load_settings(path="/nonexistent/config.toml", env={})


@pytest.fixture
async def bot(engine: Engine, clock: ManualClock, settings: Settings) -> AsyncIterator[BotHarness]:
    api = LocalBotApi().start()
    harness = BotHarness(api=api, engine=engine, clock=clock, settings=settings)
    await harness.start()
    try:
        yield harness
    finally:
        await harness.stop()
        api.stop()
