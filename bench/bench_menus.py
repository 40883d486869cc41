"""Benchmark: time from start to the first reply with many bound people (command menus).

    .venv/bin/python bench/bench_menus.py [--people 10000] [--url postgresql+psycopg://…]

A company with one HR and `people - 1` bound employees (memberships, as /invite employee
makes them). hrbot starts as `hrbot run` does — initialize, post_init, polling, start — with a
/todo from the HR already waiting, and the time is taken from the start to that reply being
recorded by the local Bot API server, together with the setMyCommands requests made before it.

Before issue 15's menu work post_init set every bound person's menu, one request after the
other, before PTB fetched a single update, at every start. Now the start-up catch-up runs in
the background, paced, and gives only the menus that differ from the ones last given (table
command_menu): printed for the first start after the upgrade (nothing remembered: every menu
is due) and for a restart with every menu remembered, with what a catch-up that finds nothing
due costs (timed on its own after the start).
The script runs on a tree without command_menu too (it then prints the first line only), so
the same file measures the code before the change: PYTHONPATH=<old tree> python <this file>.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import NOW, bench_engine, drop_bench_schema
from sqlalchemy import Engine, delete, insert

import handlers.menu
from bot.app import build_application
from bot.clock import ManualClock
from bot.local_api import LocalBotApi
from bot.settings import load_settings
from models.company import Company, Membership

HR = 7001
FIRST_EMPLOYEE = 10_000_000
CHUNK = 5_000


def seed_people(engine: Engine, people: int) -> None:
    """One company, its HR admin and `people - 1` employees bound to it."""
    with engine.begin() as c:
        company_id = c.execute(
            insert(Company).returning(Company.id),  # type: ignore[arg-type]
            [{"name": "基准公司", "city": "北京", "timezone": "Asia/Shanghai", "created_at": NOW}],
        ).scalar_one()
        c.execute(insert(Membership), [{
            "company_id": company_id, "telegram_user_id": HR, "chat_id": HR,
            "display_name": "HR", "role": "hr", "admin": True, "active": True,
            "created_at": NOW, "current_at": NOW,
        }])
        for start in range(0, people - 1, CHUNK):
            c.execute(insert(Membership), [{
                "company_id": company_id, "telegram_user_id": user, "chat_id": user,
                "display_name": "", "role": "employee", "active": True, "created_at": NOW,
                "current_at": NOW,
            } for user in range(FIRST_EMPLOYEE + start,
                                FIRST_EMPLOYEE + min(start + CHUNK, people - 1))])


def remember_every_menu(engine: Engine, people: int, bot_id: int) -> None:
    """What the catch-up would have recorded once it finished: every menu as given."""
    from bot.services.access import Standing
    from models.command_menu import DEFAULT_SCOPE, CommandMenu

    def fp(standing: Standing | None) -> str:
        return handlers.menu.fingerprint(bot_id, handlers.menu.menu_of(standing))

    rows = [{"user_id": DEFAULT_SCOPE[0], "chat_id": DEFAULT_SCOPE[1], "fingerprint": fp(None),
             "given_at": NOW},
            {"user_id": HR, "chat_id": HR, "fingerprint": fp(Standing.HR_ADMIN), "given_at": NOW}]
    employee = fp(Standing.EMPLOYEE)
    rows += [{"user_id": user, "chat_id": user, "fingerprint": employee, "given_at": NOW}
             for user in range(FIRST_EMPLOYEE, FIRST_EMPLOYEE + people - 1)]
    with engine.begin() as c:
        c.execute(delete(CommandMenu))  # what the first start's catch-up gave so far
        for start in range(0, len(rows), CHUNK):
            c.execute(insert(CommandMenu), rows[start:start + CHUNK])


async def start_to_first_reply(engine: Engine, *, time_catch_up: bool = False
                               ) -> tuple[float, int, float | None, int]:
    """(seconds to the first reply, setMyCommands before it, seconds a catch-up takes when
    run again after the start's (None: not timed), setMyCommands in all)."""
    api = LocalBotApi().start()
    settings = load_settings(path="/nonexistent/config.toml", env={})
    app = build_application(settings, engine=engine, clock=ManualClock(NOW),
                            base_url=api.base_url, base_file_url=api.base_file_url,
                            token=api.token, migrate=False)
    mark = api.mark()
    api.send_message(HR, "/todo")
    started = time.perf_counter()
    await app.initialize()  # the order of Application.run_polling
    assert app.post_init is not None
    await app.post_init(app)
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0.0, timeout=1)
    await app.start()
    await api.wait_for_messages(HR, count=1, since=mark, timeout=600)
    first_reply = time.perf_counter() - started
    before_reply = len(api.calls_of("setMyCommands"))
    catch_up: float | None = None
    if time_catch_up:
        await asyncio.sleep(1.0)  # the start-up catch-up job has run by now
        timed = time.perf_counter()
        await handlers.menu.set_all_menus(app)  # the same again, timed on its own
        catch_up = time.perf_counter() - timed
    await app.updater.stop()
    await app.stop()
    await app.shutdown()
    total = len(api.calls_of("setMyCommands"))
    api.stop()
    return first_reply, before_reply, catch_up, total


async def run(url: str | None, people: int) -> None:
    logging.getLogger("httpx").setLevel(logging.WARNING)
    engine = bench_engine(url, "menus")
    seed_people(engine, people)
    after = hasattr(handlers.menu, "fingerprint")
    first, sent, _, _ = await start_to_first_reply(engine)
    label = "first start after the upgrade" if after else "every start (code before)"
    print(f"{people:,} bound people, {engine.dialect.name}")
    print(f"{label:<36} first reply {first:8.2f} s; setMyCommands before it: {sent:,}")
    if after:
        remember_every_menu(engine, people, LocalBotApi().bot_id)
        first, sent, catch_up, total = await start_to_first_reply(engine, time_catch_up=True)
        assert catch_up is not None
        print(f"{'restart, every menu remembered':<36} first reply {first:8.2f} s; "
              f"setMyCommands before it: {sent:,}, in all: {total:,}; "
              f"a catch-up with nothing due: {catch_up * 1000:.0f} ms")
    engine.dispose()
    drop_bench_schema(url, "menus")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=None, help="PostgreSQL URL (own schema)")
    parser.add_argument("--people", type=int, default=10_000)
    args = parser.parse_args()
    asyncio.run(run(args.url, args.people))


if __name__ == "__main__":
    main()
