"""Benchmark: a /hire step and /todo against a minimal PTB 22 echo bot, interleaved.

    .venv/bin/python bench/bench_echo.py [--samples 200] [--url postgresql+psycopg://…]

hrbot (50 employees, built as `hrbot run` builds it) and the echo bot each poll their own local
Bot API server in this process. Samples alternate echo / hrbot so both see the same machine
load. The /hire step is the name answer (validate, checkpoint, ask the next question); between
samples an untimed /hire goes back to that question. Prints p50/p95 and the p50 ratio
(goal ≤ 1.3×).

A second baseline is the same echo bot answering with hrbot's own replies (the /todo page's
HTML and its 11 buttons, the next /hire question): the same message sizes on both sides, so
the "hrbot/that" ratio is what hrbot's own work costs beyond sending what it sends.

hrbot sends three messages per sample. Back to back that is ~45 msg/s, over Telegram's
30 msg/s, and PTB's rate limiter (which the echo bot does not have) would hold each reply
~33 ms: the benchmark would time the limiter, not the update. A pause between samples keeps
hrbot under the limit (it prints the rate it ran at); queueing at the limit is
bench_load.py's subject.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import bench_engine, drop_bench_schema, median, percentile, seed_company
from live import echo_bot, hrbot, round_trip

HR = 7001
ECHO_USER = 7002


def line(what: str, echo: list[float], bot: list[float], same: list[float]) -> str:
    ratio = median(bot) / median(echo)
    return (
        f"{what:<22} echo p50 {median(echo) * 1000:6.1f} ms"
        f"  hrbot p50 {median(bot) * 1000:6.1f} ms"
        f"  p95 {percentile(bot, 0.95) * 1000:6.1f} ms  ratio {ratio:5.2f}x  (goal ≤ 1.3x)"
        f"\n{'':<22} echo sending hrbot's reply p50 {median(same) * 1000:6.1f} ms:"
        f" hrbot/that {median(bot) / median(same):5.2f}x"
    )


async def run(url: str | None, samples: int, pause: float) -> None:
    engine = bench_engine(url, "echo")
    seed_company(engine, 50, hr_user=HR)
    async with echo_bot() as echo_api, hrbot(engine) as (api, _app):
        for _ in range(10):  # warm both up
            await round_trip(echo_api, ECHO_USER, "热身")
            await round_trip(api, HR, "/todo")
        todo_reply = api.sent(HR)[-1]
        await round_trip(api, HR, "/hire")
        await round_trip(api, HR, "陈明远")
        name_reply = api.sent(HR)[-1]
        await round_trip(api, HR, "/hire")
        # A second baseline: the echo bot answering with hrbot's own replies (same HTML, same
        # keyboard), which separates hrbot's work from the size of what it sends.
        canned = {
            "/todo": (todo_reply.raw_text or "", todo_reply.reply_markup),
            "陈明远": (name_reply.raw_text or "", name_reply.reply_markup),
        }
        async with echo_bot(canned) as same_api:
            for _ in range(10):
                await round_trip(same_api, ECHO_USER, "/todo")
            hire_same: list[float] = []
            todo_same: list[float] = []
            hire_echo: list[float] = []
            hire_bot: list[float] = []
            todo_echo: list[float] = []
            todo_bot: list[float] = []
            started = time.perf_counter()
            for _ in range(samples):
                hire_echo.append(await round_trip(echo_api, ECHO_USER, "陈明远"))
                hire_same.append(await round_trip(same_api, ECHO_USER, "陈明远"))
                hire_bot.append(await round_trip(api, HR, "陈明远"))
                await asyncio.sleep(pause)
                await round_trip(api, HR, "/hire")
                await asyncio.sleep(pause)
                todo_echo.append(await round_trip(echo_api, ECHO_USER, "/todo"))
                todo_same.append(await round_trip(same_api, ECHO_USER, "/todo"))
                todo_bot.append(await round_trip(api, HR, "/todo"))
                await asyncio.sleep(pause)
            rate = 3 * samples / (time.perf_counter() - started)
    engine.dispose()
    drop_bench_schema(url, "echo")
    print(f"database: {engine.dialect.name}; {samples} samples each, interleaved; "
          f"hrbot sent {rate:.1f} msg/s (Telegram's limit: 30)")
    print(line("/hire name step", hire_echo, hire_bot, hire_same))
    print(line("/todo, 50 employees", todo_echo, todo_bot, todo_same))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=None, help="PostgreSQL URL (own schema)")
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--pause", type=float, default=0.05,
                        help="seconds between messages, to stay under 30 msg/s")
    args = parser.parse_args()
    asyncio.run(run(args.url, args.samples, args.pause))


if __name__ == "__main__":
    main()
