"""Benchmark: 1,000 due reminders to 1,000 HR chats against Telegram's 30 msg/s floor.

    .venv/bin/python bench/bench_delivery.py [--chats 1000] [--url postgresql+psycopg://…]

1,000 companies, each with one HR and one due urgent registration reminder. The reminder
scheduler hrbot builds (Telegram channel, the send lanes' bulk lane at 30 msg/s) sends them to a
local Bot API server; ticks run back to back as the job queue would, until nothing is due. The
floor is chats / 30 s: no bot may send faster. Prints the ratio (goal ≤ 1.1×).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_reminders import NOW as DUE_NOW
from bench_reminders import seed
from common import bench_engine, drop_bench_schema

from bot.app import build_application
from bot.clock import ManualClock
from bot.local_api import LocalBotApi
from bot.settings import load_settings
from policies.timezones import DEFAULT_TIMEZONE, today_in

TELEGRAM_RATE = 30.0


async def run(url: str | None, chats: int) -> None:
    engine = bench_engine(url, "delivery")
    due = seed(engine, chats, chats, 1.0)
    api = LocalBotApi().start()
    app = build_application(
        load_settings(path="/nonexistent/config.toml", env={}),
        engine=engine,
        clock=ManualClock(DUE_NOW),
        base_url=api.base_url,
        base_file_url=api.base_file_url,
        token=api.token,
        migrate=False,
    )
    await app.initialize()  # the bot and its rate limiter; no polling, no job queue
    scheduler = app.services.reminders
    assert scheduler is not None
    # time the sending only
    scheduler._planned_on = {DEFAULT_TIMEZONE: today_in(DEFAULT_TIMEZONE, DUE_NOW)}
    started = time.perf_counter()
    ticks = sent = 0
    while True:
        report = await scheduler.tick()
        ticks += 1
        sent += report.results.get("sent", 0)
        if not report.claimed:
            break
    seconds = time.perf_counter() - started
    await app.shutdown()
    api.stop()
    engine.dispose()
    drop_bench_schema(url, "delivery")
    floor = due / TELEGRAM_RATE
    print(f"database: {engine.dialect.name}; {due:,} due reminders to {chats:,} chats")
    print(f"sent {sent:,} in {seconds:.1f} s over {ticks - 1} tick(s): {sent / seconds:.1f} msg/s")
    print(
        f"floor at {TELEGRAM_RATE:.0f} msg/s: {floor:.1f} s; "
        f"ratio {seconds / floor:.2f}x (goal ≤ 1.1x)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=None, help="PostgreSQL URL (own schema)")
    parser.add_argument("--chats", type=int, default=1000)
    args = parser.parse_args()
    asyncio.run(run(args.url, args.chats))


if __name__ == "__main__":
    main()
