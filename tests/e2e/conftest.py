"""End-to-end fixtures; see harness.py for what a test can do as a user."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest
from harness import DEFAULT_NOW, BotHarness
from sqlalchemy import Engine

from bot import callbacks
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
    assert_emitted_buttons_parse(api)


def assert_emitted_buttons_parse(api: LocalBotApi) -> None:
    """Every button the bot put on a message in this test is one bot/callbacks.py can read."""
    unreadable = []
    for call in api.calls:
        markup = call.params.get("reply_markup")
        if isinstance(markup, str):
            markup = json.loads(markup)
        if not isinstance(markup, dict):
            continue
        for row in markup.get("inline_keyboard", []):
            for button in row:
                data = button.get("callback_data")
                if data is not None and not callbacks.is_valid(data):
                    unreadable.append(data)
    assert unreadable == [], f"the bot emitted buttons it cannot parse: {unreadable}"
