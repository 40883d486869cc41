"""Benchmark: the bot's resident memory with 100,000 employees in the database.

    .venv/bin/python bench/bench_rss.py [--employees 100000] [--url postgresql+psycopg://…]

The data (100 companies of 1,000 employees, hired in November and December) is written by a
child process, so this process holds only what the bot holds. Then hrbot is built and started
as `hrbot run` does (start-up roll-over and reminder tick included) and serves one HR: /todo,
/ledger, a /policy question. Prints RSS after start, after each command and the peak.
Goal: < 150 MB. The baseline is the minimal PTB echo bot (bench/live.py) started in a process
of its own on the same local Bot API server code, answering one message: the ratio says what
hrbot's rules, database and 100,000 employees cost on top of python-telegram-bot itself.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import bench_engine, drop_bench_schema, seed_company
from live import hrbot, round_trip

from models.db import make_engine

HR = 6001
PER_COMPANY = 1000


def rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def peak_mb() -> float:
    """This process's high-water RSS (VmHWM: unlike getrusage's ru_maxrss, a spawned child
    does not inherit the parent's peak from before its exec)."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def echo_baseline() -> float:
    """The echo bot's peak RSS in a fresh interpreter that imports only PTB (bench/echo.py)."""
    run = subprocess.run([sys.executable, str(Path(__file__).with_name("echo.py"))],
                         capture_output=True, text=True, check=True, timeout=120)
    return float(run.stdout.split()[-1])


def seed_all(url: str, employees: int) -> None:
    """In the child: the whole data set, company after company."""
    engine = make_engine(url)
    for n in range(employees // PER_COMPANY):
        seed_company(
            engine,
            PER_COMPANY,
            hr_user=HR + n,
            name=f"公司{n}",
            serial0=n * PER_COMPANY,
            hired_from_month=11,
            analyze=False,
            # No open tasks: their reminders would be thousands of sends at start, and the
            # bot's replies would queue behind them in the 30 msg/s budget (docs/scaling.md).
            with_tasks=False,
        )
    engine.dispose()


async def serve(url: str | None, employees: int) -> None:
    engine = bench_engine(url, "rss")
    engine_url = engine.url.render_as_string(hide_password=False)
    engine.dispose()
    child = multiprocessing.get_context("spawn").Process(
        target=seed_all, args=(engine_url, employees)
    )
    child.start()
    child.join()
    assert child.exitcode == 0
    engine = make_engine(engine_url)
    before = rss_mb()
    async with hrbot(engine) as (api, _app):
        started = rss_mb()
        await round_trip(api, HR, "/todo")
        after_todo = rss_mb()
        await round_trip(api, HR, "/ledger")
        after_ledger = rss_mb()
        await round_trip(api, HR, "/policy 北京社保缴费基数上限是多少", timeout=180)
        after_policy = rss_mb()
    engine.dispose()
    drop_bench_schema(url, "rss")
    print(f"database: {engine.dialect.name}; {employees:,} employees")
    print(f"RSS before building the bot (imports, this harness): {before:6.1f} MB")
    print(f"RSS after start (roll-over, reminder tick):          {started:6.1f} MB")
    print(f"RSS after /todo:                                     {after_todo:6.1f} MB")
    print(f"RSS after /ledger:                                   {after_ledger:6.1f} MB")
    print(f"RSS after a /policy question:                        {after_policy:6.1f} MB")
    peak = peak_mb()
    echo = echo_baseline()
    print(f"peak RSS:                                            {peak:6.1f} MB (goal < 150)")
    print(f"echo bot's peak RSS (own process, one reply):        {echo:6.1f} MB; "
          f"ratio {peak / echo:.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=None, help="PostgreSQL URL (own schema)")
    parser.add_argument("--employees", type=int, default=100_000)
    args = parser.parse_args()
    asyncio.run(serve(args.url, args.employees))


if __name__ == "__main__":
    main()
