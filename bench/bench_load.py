"""Benchmark: 50 HR chats at once (/todo and /hire steps): replies/s, p50/p95, three scenarios.

    .venv/bin/python bench/bench_load.py [--chats 50] [--seconds 60] [--only think]
                                         [--limiter aio] [--url postgresql+psycopg://…]

Each chat is the HR of its own company (50 employees, one in ten with an open registration
task) and sends /todo, /hire, a name, a 身份证 over and over; latency is from the message to its
reply. Three scenarios, each on a fresh database and a fresh bot:

- closed loop, start-up burst: a chat sends its next message as soon as the reply arrived.
  This measures saturation: every reply is a message, and one bot token may send about 30 a
  second (Telegram's Bots FAQ), so replies/s is printed against that 30 msg/s ceiling. By
  Little's law the mean latency of N chats in a closed loop is N / throughput ≥ N / 30 s (1.7 s
  for 50 chats), so p95 < 0.5 s cannot be this scenario's goal.
- think time, start-up burst: like a person typing, each chat waits a random 1–3 s after a reply
  before its next message, and starts after a random 0–3 s (a seeded random generator per chat,
  so runs are repeatable). 50 chats then offer ~20–25 messages/s, under the ceiling: the
  realistic case. Goal: p95 < 500 ms.
  The open tasks make the start-up catch-up send ~250 reminders during the first seconds,
  competing with the replies for the same 30 msg/s.
- think time, no burst: the same without open tasks (no start-up reminders). Goal: p95 < 500 ms.

`--limiter aio` runs with PTB's AIORateLimiter (one bucket for replies and reminders, what
hrbot used before bot/send_lanes.py) instead of hrbot's two send lanes, for a comparison in the
same time window.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import bench_engine, drop_bench_schema, id_number, median, percentile, seed_company
from live import hrbot, round_trip
from telegram.ext import AIORateLimiter

from bot.send_lanes import OVERALL_MAX_RATE

FIRST_HR = 8001
STEPS = ("/todo", "/hire", "陈明远", id_number(999_999))
#: Seconds a person takes to read a reply and type the next message.
THINK = (1.0, 3.0)
#: The think-time generators' seed (one generator per chat: seed + chat number).
SEED = 15


@dataclass(frozen=True)
class Scenario:
    name: str
    think: bool
    burst: bool
    goal: str


SCENARIOS = {
    "closed": Scenario("closed loop, start-up burst", think=False, burst=True,
                       goal="saturation: its ceiling is Telegram's 30 msg/s"),
    "think": Scenario("think time 1–3 s, start-up burst", think=True, burst=True,
                      goal="goal p95 < 500 ms"),
    "quiet": Scenario("think time 1–3 s, no burst", think=True, burst=False,
                      goal="goal p95 < 500 ms"),
}


class OneBucket(AIORateLimiter):
    """PTB's AIORateLimiter as hrbot used it before bot/send_lanes.py: one bucket for every
    request (the bulk lane's `rate_limit_args` is dropped; AIORateLimiter reads it as retries)."""

    async def process_request(  # type: ignore[override]
        self, callback: Any, args: Any, kwargs: dict[str, Any], endpoint: str,
        data: dict[str, Any], rate_limit_args: object,
    ) -> Any:
        return await super().process_request(callback, args, kwargs, endpoint, data, None)


@contextmanager
def aio_limiter() -> Iterator[None]:
    """Build hrbot with the one-bucket limiter instead of the send lanes."""
    with mock.patch(
        "bot.app.SendLanes",
        lambda: OneBucket(overall_max_rate=30, group_max_rate=20, max_retries=0),
    ):
        yield


async def run(
    url: str | None, chats: int, seconds: float, scenario: Scenario, limiter: str
) -> None:
    engine = bench_engine(url, "load")
    users = [FIRST_HR + n for n in range(chats)]
    for n, user in enumerate(users):
        seed_company(engine, 50, hr_user=user, name=f"公司{n}", serial0=n * 50,
                     with_tasks=scenario.burst)
    latencies: list[float] = []
    stalled: list[int] = []
    async with hrbot(engine) as (api, _app):
        sent_before = len(api.sent())
        deadline = time.perf_counter() + seconds

        async def chat(n: int, user: int) -> None:
            pause = random.Random(SEED + n)
            if scenario.think:  # people start typing at different moments, not all at once
                await asyncio.sleep(pause.uniform(0, THINK[1]))
            step = 0
            while time.perf_counter() < deadline:
                try:
                    latencies.append(
                        await round_trip(api, user, STEPS[step % len(STEPS)], timeout=20)
                    )
                except TimeoutError:  # counted, and the chat starts over with /todo
                    stalled.append(user)
                    step = 0
                    continue
                step += 1
                if scenario.think:
                    await asyncio.sleep(pause.uniform(*THINK))

        started = time.perf_counter()
        await asyncio.gather(*(chat(n, user) for n, user in enumerate(users)))
        elapsed = time.perf_counter() - started
        sent = len(api.sent()) - sent_before
    engine.dispose()
    drop_bench_schema(url, "load")
    replies = len(latencies) / elapsed
    print(f"{scenario.name}: {engine.dialect.name}, limiter {limiter}, {chats} chats for "
          f"{elapsed:.0f} s ({scenario.goal})")
    print(
        f"  {replies:.1f} replies/s = {replies / OVERALL_MAX_RATE:.2f}× the "
        f"{OVERALL_MAX_RATE} msg/s ceiling; all messages {sent / elapsed:.1f}/s "
        f"(replies and reminders); p50 {median(latencies) * 1000:.0f} ms, "
        f"p95 {percentile(latencies, 0.95) * 1000:.0f} ms; "
        f"{len(stalled)} messages got no reply within 20 s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=None, help="PostgreSQL URL (own schema)")
    parser.add_argument("--chats", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60, help="per scenario")
    parser.add_argument("--only", choices=sorted(SCENARIOS), action="append",
                        help="run only this scenario (repeatable)")
    parser.add_argument("--limiter", choices=("lanes", "aio"), default="lanes",
                        help="aio: PTB's AIORateLimiter, for comparison")
    args = parser.parse_args()
    names = args.only or list(SCENARIOS)
    with aio_limiter() if args.limiter == "aio" else nullcontext():
        for name in names:
            asyncio.run(run(args.url, args.chats, args.seconds, SCENARIOS[name], args.limiter))


if __name__ == "__main__":
    main()
