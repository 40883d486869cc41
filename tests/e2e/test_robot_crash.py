"""kill -9 of the real `hrbot worker` between claiming a reminder and a robot's answer.

The worker process claims the due reminder and POSTs it to the fake WeCom robot, which holds
the request open; the test kills the process (SIGKILL: no cleanup at all) while the POST is in
flight. After the lease runs out another scheduler takes the row over. docs/reminders.md's
window says what may happen: only the message in flight may arrive twice (when the vendor had
accepted it before the crash), every endpoint recorded before the crash is not sent again,
and nothing is lost.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from harness import HR, SHANGHAI, BotHarness
from sqlalchemy import Engine, text
from test_reminders import hire

from bot.channels.base import ChannelKind
from bot.services.reminder_delivery import LEASE
from bot.settings import Settings, load_settings
from tests.fakes.robot_server import RobotServer

#: The installation's one key: the worker subprocess must open what the test's engine sealed
#: (robot URLs, and 身份证 since issue 12), so it is the tests' generated key (tests/conftest.py).
SECRET_KEY = os.environ["HRBOT_SECRET_KEY"]


@pytest.fixture
def settings() -> Settings:
    return load_settings(
        path="/nonexistent/config.toml",
        env={"HRBOT_SECRET_KEY": SECRET_KEY, "HRBOT_ROBOTS_ALLOW_LOCAL_WEBHOOKS": "true"},
    )


@pytest.fixture
def vendor() -> Iterator[RobotServer]:
    with RobotServer() as server:
        yield server


def urgent_in_telegram(bot: BotHarness) -> int:
    return sum(1 for m in bot.api.sent(HR) if (m.text or "").startswith("⚠️ 紧急：社保登记"))


def delivery_rows(engine: Engine) -> list[str]:
    with engine.connect() as connection:
        return list(connection.execute(text(
            "SELECT d.endpoint FROM reminder_delivery d JOIN reminder r ON r.id = d.reminder_id"
            " WHERE r.kind = 'registration_urgent' ORDER BY d.endpoint")).scalars())


@pytest.mark.parametrize("hold", ["after_accept", "before_accept"])
async def test_kill_9_during_the_robot_post_resends_only_the_message_in_flight(
    bot: BotHarness, vendor: RobotServer, engine: Engine, database_url: str, tmp_path: Path,
    hold: str,
) -> None:
    # The worker runs on the real clock: hire 29 days before today, so the urgent reminder
    # (day 28, a robot default) was due yesterday at the latest, whatever the hour now.
    now = datetime.now(UTC)
    bot.clock.set(now)
    today = now.astimezone(SHANGHAI).date()
    await bot.join_as_hr(HR)
    wecom = vendor.add(ChannelKind.WECOM)
    (added,) = await bot.say(HR, f"/robot add wecom {wecom.url}")
    assert added.text.startswith("✅ 已添加")
    await bot.say(HR, "/robot notify")
    for label in ("✅ 月度申报提前提醒", "✅ 申报截止日提醒"):  # robots: registration only
        await bot.press(HR, label, expect=0)
    await hire(bot, first_day=(today - timedelta(days=29)).isoformat())
    await bot.stop()
    before_worker = urgent_in_telegram(bot)

    wecom.hold = hold
    env = {
        **os.environ,
        "HRBOT_TOKEN": bot.api.token,
        "HRBOT_BASE_URL": bot.api.base_url,
        "HRBOT_BASE_FILE_URL": bot.api.base_file_url,
        "HRBOT_DATABASE_URL": database_url,
        "HRBOT_CONFIG": str(tmp_path / "absent.toml"),
        "HRBOT_SECRET_KEY": SECRET_KEY,
        "HRBOT_ROBOTS_ALLOW_LOCAL_WEBHOOKS": "true",
        "HRBOT_REMINDERS_TICK_SECONDS": "0.5",
    }
    worker = subprocess.Popen([sys.executable, "-m", "bot.cli", "worker"], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        arrived = await asyncio.to_thread(wecom.arrived.wait, 90)
        assert arrived, "the worker never posted to the robot"
    finally:
        os.kill(worker.pid, signal.SIGKILL)  # no cleanup, no flush: kill -9
        _, err = await asyncio.to_thread(worker.communicate, timeout=30)
        wecom.release.set()
    assert worker.returncode == -signal.SIGKILL
    assert wecom.credential not in err
    in_vendor_at_crash = len(wecom.messages)
    assert in_vendor_at_crash == (1 if hold == "after_accept" else 0)
    recorded = delivery_rows(engine)
    assert not any(row.startswith("robot:") for row in recorded)  # it died before recording
    telegram_at_crash = urgent_in_telegram(bot) - before_worker
    telegram_recorded = any(row.startswith("telegram:") for row in recorded)

    # another scheduler after the lease: the row is due again
    bot.clock.set(datetime.now(UTC) + LEASE + timedelta(minutes=1))
    await bot.start()  # its start-up tick takes the row over
    await bot.eventually(lambda: len(wecom.messages) == in_vendor_at_crash + 1, timeout=30)
    await bot.app.services.reminders.tick()  # type: ignore[union-attr]
    assert len(wecom.messages) == in_vendor_at_crash + 1  # the one in flight, once more
    assert wecom.messages[-1] == wecom.messages[0] or hold == "before_accept"
    # Telegram: sent again only if its row had not been recorded at the crash
    assert urgent_in_telegram(bot) - before_worker == telegram_at_crash + (
        0 if telegram_recorded else 1)
    assert sorted(row.split(":")[0] for row in delivery_rows(engine)) == ["robot", "telegram"]
