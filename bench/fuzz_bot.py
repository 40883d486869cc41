"""Fuzz the running bot end to end: 10,000 seeded hostile cases through the local Bot API.

Hostile text, real and forged button presses and hostile files, as two companies' HR and a
stranger, in private chats and a group (tests/e2e/fuzzing.py). Prints the three numbers whose
goal is 0: unhandled exceptions, rows written that should not be, replies that failed to send.

    .venv/bin/python bench/fuzz_bot.py --cases 10000
    .venv/bin/python bench/fuzz_bot.py --cases 10000 --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test

Exit status 1 when any of the three is not 0.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import os
import sys
import tempfile
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "e2e"))
os.environ.setdefault("PTB_TIMEDELTA", "true")
# A throwaway key seals the fuzzed 身份证 (models/sealed.py), as in the tests.
os.environ.setdefault("HRBOT_SECRET_KEY", base64.urlsafe_b64encode(os.urandom(32)).decode())

from fuzzing import fuzz  # noqa: E402
from harness import DEFAULT_NOW, BotHarness  # noqa: E402
from sqlalchemy import text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from bot.clock import ManualClock  # noqa: E402
from bot.local_api import LocalBotApi  # noqa: E402
from bot.settings import load_settings  # noqa: E402
from models.db import make_engine, upgrade_schema  # noqa: E402


async def main(args: argparse.Namespace) -> int:
    schema = None
    if args.database_url:
        schema = f"fuzz_{uuid.uuid4().hex[:8]}"
        admin = make_engine(args.database_url)
        with admin.begin() as connection:
            connection.execute(text(f"CREATE SCHEMA {schema}"))
        admin.dispose()
        url = make_url(args.database_url).update_query_dict({"options": f"-csearch_path={schema}"})
        engine = make_engine(url.render_as_string(hide_password=False))
    else:
        folder = tempfile.mkdtemp(prefix="hrbot-fuzz-")
        engine = make_engine(f"sqlite:///{folder}/fuzz.sqlite")
    upgrade_schema(engine)
    api = LocalBotApi().start()
    bot = BotHarness(
        api=api,
        engine=engine,
        clock=ManualClock(DEFAULT_NOW),
        # no command rate limit: the fuzzer sends hundreds of commands a minute on purpose
        settings=load_settings(path="/nonexistent/config.toml",
                               env={"HRBOT_LIMITS_COMMANDS": "0"}),
    )
    await bot.start()
    try:
        report = await fuzz(
            bot,
            args.cases,
            seed=args.seed,
            lanes=args.lanes,
            progress_every=args.progress,
            max_seconds=args.max_seconds,
        )
    finally:
        await bot.stop()
        api.stop()
        engine.dispose()
        if schema:
            admin = make_engine(args.database_url)
            with admin.begin() as connection:
                connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
            admin.dispose()
    print(report.summary())
    print(f"unhandled exceptions:    {len(report.unhandled)}")
    print(f"rows that should not be: {len(report.bad_writes)}")
    print(f"failed sends:            {len(report.failed_sends)}")
    for title, items in (
        ("unhandled", report.unhandled),
        ("bad rows", report.bad_writes),
        ("failed sends", report.failed_sends),
    ):
        counts: dict[str, int] = {}
        for item in items:
            counts[item] = counts.get(item, 0) + 1
        for item, count in sorted(counts.items(), key=lambda kv: -kv[1])[:20]:
            print(f"  {title}: {count} × {item}")
    return 0 if not (report.unhandled or report.bad_writes or report.failed_sends) else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--lanes", type=int, default=4, help="concurrent lanes (chats)")
    parser.add_argument("--database-url", default=None, help="PostgreSQL URL (default SQLite)")
    parser.add_argument("--progress", type=int, default=1000, help="print every N cases")
    parser.add_argument(
        "--max-seconds", type=float, default=0, help="start no new case after this long"
    )
    sys.exit(asyncio.run(main(parser.parse_args())))
