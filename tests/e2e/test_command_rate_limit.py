"""The per-user command rate limit ([limits], handlers/limits.py), through the real bot."""

from __future__ import annotations

import pytest
from harness import HR, BotHarness

from bot.settings import Settings, load_settings

OTHER_HR = HR + 1


@pytest.fixture
def settings() -> Settings:
    return load_settings(path="/nonexistent/config.toml",
                         env={"HRBOT_LIMITS_COMMANDS": "3", "HRBOT_LIMITS_PER_SECONDS": "60"})


class FakeMonotonic:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_a_burst_of_commands_is_refused_politely_once_then_allowed_again(
    bot: BotHarness,
) -> None:
    assert bot.app is not None
    clock = FakeMonotonic()
    bot.app.services.command_limits._now = clock
    await bot.join_as_hr(HR)  # /start with the invite code: the first command
    await bot.join_as_hr(OTHER_HR)
    # A /hire with its answers: the answers are not commands and never count.
    await bot.say(HR, "/hire")
    await bot.say(HR, "陈明远")
    assert "用工之日" in (await bot.say(HR, "110101199003071233"))[0].text
    assert "已取消" in (await bot.say(HR, "/cancel"))[0].text  # the third command
    [refused] = await bot.say(HR, "/todo")
    assert "您的命令发得有点快了：每 60 秒最多 3 条命令。请约 60 秒后再试" in refused.text
    assert "刚才这条没有执行" in refused.text
    bot.api.send_message(HR, "/help")  # refused again: dropped without another message
    await bot.api.expect_silence(HR)
    # Someone else is not affected.
    assert "/hire" in (await bot.say(OTHER_HR, "/help"))[0].text
    clock.now += 61
    assert "/hire" in (await bot.say(HR, "/help"))[0].text
