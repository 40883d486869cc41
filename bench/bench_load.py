"""Benchmark: 50 HR chats at once for 60 s (/todo and /hire steps): replies/s, p50/p95.

    .venv/bin/python bench/bench_load.py [--chats 50] [--seconds 60] [--url postgresql+psycopg://…]

Each chat is the HR of its own company (50 employees) and loops without pause: /todo, /hire,
a name, a 身份证 — a new message as soon as the previous reply arrived. Latency is from the
message to its reply. Goal: p95 < 0.5 s.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import bench_engine, drop_bench_schema, id_number, median, percentile, seed_company
from live import hrbot, round_trip

FIRST_HR = 8001
STEPS = ("/todo", "/hire", "陈明远", id_number(999_999))


async def run(url: str | None, chats: int, seconds: float) -> None:
    engine = bench_engine(url, "load")
    users = [FIRST_HR + n for n in range(chats)]
    for n, user in enumerate(users):
        seed_company(engine, 50, hr_user=user, name=f"公司{n}", serial0=n * 50)
    latencies: list[float] = []
    stalled: list[int] = []
    async with hrbot(engine) as (api, _app):
        deadline = time.perf_counter() + seconds

        async def chat(user: int) -> None:
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

        started = time.perf_counter()
        await asyncio.gather(*(chat(user) for user in users))
        elapsed = time.perf_counter() - started
    engine.dispose()
    drop_bench_schema(url, "load")
    print(f"database: {engine.dialect.name}; {chats} chats for {elapsed:.0f} s")
    print(
        f"{len(latencies) / elapsed:.1f} replies/s; p50 {median(latencies) * 1000:.0f} ms, "
        f"p95 {percentile(latencies, 0.95) * 1000:.0f} ms (goal p95 < 500 ms); "
        f"{len(stalled)} messages got no reply within 20 s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=None, help="PostgreSQL URL (own schema)")
    parser.add_argument("--chats", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    args = parser.parse_args()
    asyncio.run(run(args.url, args.chats, args.seconds))


if __name__ == "__main__":
    main()
