"""Benchmark: /todo, /ledger and the roll-over at 100, 1,000 and 10,000 employees.

    .venv/bin/python bench/bench_scale.py [--sizes 100,1000,10000] [--url postgresql+psycopg://…]

One company per size in a database of its own (bench/common.py seed_company: employees hired
through 2026, November and December pending, one in ten with an open registration task). Times
what the handler waits for: /todo's two service calls, the page and its rendering; /ledger's
month view of December and its rendering; and a roll-over with nothing left to add (what every
start and every hour pay). Median of 5 runs each; goal < 100 ms each.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import NOW, TODAY, bench_engine, drop_bench_schema, median, seed_company

from bot.render import render
from bot.services import ledger, reminders, todo
from bot.services.access import member_of
from policies.library import PolicyLibrary, load_library

HR = 9001
REPEAT = 5


def timed(work: Callable[[], object]) -> float:
    samples = []
    for _ in range(REPEAT):
        started = time.perf_counter()
        work()
        samples.append(time.perf_counter() - started)
    return median(samples)


def measure(url: str | None, size: int, library: PolicyLibrary) -> list[float]:
    """Seconds for /todo, /ledger and a roll-over in a company of `size` employees."""
    name = f"scale{size}"
    engine = bench_engine(url, name)
    seed_company(engine, size, hr_user=HR)
    member = member_of(engine, HR)
    assert member is not None

    def show_todo() -> str:
        view = todo.todo_page(engine, member, 1, today=TODAY, library=library)
        return render(
            "todo",
            items=view.items,
            total=view.total,
            page=view.page,
            pages=view.pages,
            offset=view.offset,
            company_name=member.company_name,
            failed=reminders.failed_for_todo(engine, member),
        )

    def show_ledger() -> str:
        month = TODAY.replace(day=1)
        view = ledger.month_view(engine, member, month, today=TODAY, library=library)
        return render("ledger_month", view=view, company_name=member.company_name, notice="")

    def roll_over() -> object:
        return ledger.roll_over(engine, now=NOW, library=library)

    roll_over()  # the first run may add what the seed left out; time the steady state
    row = [timed(show_todo), timed(show_ledger), timed(roll_over)]
    engine.dispose()
    drop_bench_schema(url, name)
    return row


def run(url: str | None, sizes: list[int]) -> None:
    library = load_library()
    print(f"{'employees':>10} {'/todo':>10} {'/ledger':>10} {'roll-over':>10}  (goal < 100 ms)")
    for size in sizes:
        row = measure(url, size, library)
        print(f"{size:>10,} " + " ".join(f"{s * 1000:7.1f} ms" for s in row))
    print(f"database: {'sqlite' if url is None else 'postgresql'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=None, help="PostgreSQL URL (own schema)")
    parser.add_argument("--sizes", default="100,1000,10000")
    args = parser.parse_args()
    run(args.url, [int(s) for s in args.sizes.split(",")])


if __name__ == "__main__":
    main()
