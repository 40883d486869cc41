"""Deployment modes: an update process without the scheduler beside a scheduler-only worker.

`hrbot run --no-scheduler` answers users but never ticks; `hrbot worker` sends due reminders
and answers nobody. Both are the real Application against the local Bot API server.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from datetime import datetime
from pathlib import Path

from harness import HR, SHANGHAI, BotHarness
from sqlmodel import Session, select

from bot.app import build_application
from bot.context import HRApplication
from bot.local_api import LocalBotApi
from bot.settings import load_settings
from models.heartbeat import SchedulerHeartbeat
from models.reminder import Reminder, ReminderStatus

DAY_23 = datetime(2026, 12, 24, 9, 0, tzinfo=SHANGHAI)
TOKEN = "987654:WORKER-MODE-TOKEN"


async def hire(bot: BotHarness) -> None:
    for answer in ("/hire", "陈明远", "110101199003071233", "12月1日", "后厨", "5000"):
        await bot.say(HR, answer)
    await bot.press(HR, "北京（默认）")
    replies = await bot.press(HR, "✅ 确认")
    assert "已登记" in replies[0].text


def registration_reminders(bot: BotHarness) -> list[str]:
    return [m.text for m in bot.api.sent(HR) if "社保登记提醒" in (m.text or "")]


def build(bot: BotHarness, **mode: bool) -> HRApplication:
    fast = load_settings(path="/nonexistent/config.toml",
                         env={"HRBOT_REMINDERS_TICK_SECONDS": "0.2"})
    return build_application(fast, engine=bot.engine, clock=bot.clock, base_url=bot.api.base_url,
                             base_file_url=bot.api.base_file_url, token=bot.api.token,
                             migrate=False, **mode)


async def test_worker_sends_due_reminders_and_run_without_scheduler_does_not(
    bot: BotHarness,
) -> None:
    await bot.join_as_hr(HR)
    await hire(bot)
    await bot.stop()
    bot.clock.set(DAY_23)  # the day-23 registration reminder is due now

    updates = build(bot, scheduler=False)
    assert updates.job_queue is not None and updates.job_queue.jobs() == ()
    bot.app = updates
    await updates.initialize()
    await updates.start()
    assert updates.updater is not None
    await updates.updater.start_polling(poll_interval=0.0, timeout=1)
    replies = await bot.say(HR, "/todo")
    assert "陈明远" in replies[0].text  # it serves users …
    await asyncio.sleep(1.0)  # … five tick intervals pass
    assert registration_reminders(bot) == []  # … and never ticks

    worker = build(bot, updates=False)
    assert worker.updater is None and not worker.handlers
    await worker.initialize()
    await worker.start()
    try:
        await bot.eventually(lambda: registration_reminders(bot), timeout=15)
    finally:
        await worker.stop()
        await worker.shutdown()
    (reminder,) = registration_reminders(bot)
    assert "陈明远（后厨）入职已满 23 天" in reminder
    with Session(bot.engine) as session:
        sent = session.exec(select(Reminder).where(Reminder.status == ReminderStatus.SENT))
        assert len(list(sent)) >= 1
        beats = list(session.exec(select(SchedulerHeartbeat)))
    # Since the clock moved, only the worker ticked; the update process recorded nothing.
    assert [b.mode for b in beats if b.ticked_at == DAY_23] == ["worker"]


async def test_hrbot_worker_process_ticks_until_sigterm(tmp_path: Path) -> None:
    """The real command: it ticks (a heartbeat `hrbot status` reads), asks for no updates,
    and a SIGTERM (systemd's stop) ends it cleanly."""
    url = f"sqlite:///{tmp_path / 'worker.sqlite'}"
    with LocalBotApi(token=TOKEN) as api:
        env = {
            **os.environ,
            "HRBOT_TOKEN": TOKEN,
            "HRBOT_BASE_URL": api.base_url,
            "HRBOT_BASE_FILE_URL": api.base_file_url,
            "HRBOT_DATABASE_URL": url,
            "HRBOT_CONFIG": str(tmp_path / "absent.toml"),
        }
        process = subprocess.Popen([sys.executable, "-m", "bot.cli", "worker"], env=env,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            status = subprocess.run([sys.executable, "-m", "bot.cli", "status"], env=env,
                                    capture_output=True, text=True, timeout=60)
            for _ in range(60):
                if status.returncode == 0:
                    break
                await asyncio.sleep(1)
                status = subprocess.run([sys.executable, "-m", "bot.cli", "status"], env=env,
                                        capture_output=True, text=True, timeout=60)
            assert status.returncode == 0, status.stdout + status.stderr
            assert "（worker）" in status.stdout
            assert api.calls_of("getUpdates") == []  # a worker never takes updates
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                _, err = await asyncio.to_thread(process.communicate, timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                _, err = process.communicate()
    assert process.returncode == 0, err
    assert TOKEN not in err
