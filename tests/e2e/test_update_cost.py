"""What one update costs the database: one transaction for the conversation, one membership query.

A /hire step used to make five single-row transactions (the checkpoint's two before the reply,
PTB's three after it) and two queries to find who is asking; on a 2-core server that was most of
the handler's time. The crash guarantee (state saved before the reply) is tested in
test_hire_flow.py; this file proves the step does it in one go.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from harness import HR, BotHarness
from sqlalchemy import Engine, event
from test_hire_flow import VALID_ID
from test_ledger_flow import import_rows, make_id


@dataclass
class Traffic:
    commits: int = 0
    statements: list[str] = field(default_factory=list)

    def touching(self, *tables: str) -> list[str]:
        return [
            s for s in self.statements if any(f"FROM {t}" in s or f"JOIN {t}" in s for t in tables)
        ]


@contextmanager
def traffic(engine: Engine) -> Iterator[Traffic]:
    seen = Traffic()

    def on_commit(_conn: object) -> None:
        seen.commits += 1

    def on_statement(_conn: object, _cursor: object, statement: str, *_rest: object) -> None:
        seen.statements.append(statement)

    event.listen(engine, "commit", on_commit)
    event.listen(engine, "before_cursor_execute", on_statement)
    try:
        yield seen
    finally:
        event.remove(engine, "commit", on_commit)
        event.remove(engine, "before_cursor_execute", on_statement)


async def settled(bot: BotHarness) -> None:
    """Let PTB finish the update after its reply (the flush of persistence runs last)."""
    assert bot.app is not None
    await bot.app.update_queue.join()
    await asyncio.sleep(0.2)


async def test_a_hire_step_commits_once_and_reads_the_membership_once(bot: BotHarness) -> None:
    await bot.join_as_hr(HR)
    await bot.say(HR, "/hire")
    await bot.say(HR, "陈明远")
    await settled(bot)
    with traffic(bot.engine) as seen:
        replies = await bot.say(HR, VALID_ID)
        await settled(bot)
    assert "入职登记（3/6）" in replies[0].text
    assert seen.commits == 1, seen.statements
    assert len(seen.touching("membership", "company")) == 1, seen.touching("membership", "company")


async def test_a_command_without_conversation_writes_nothing(bot: BotHarness) -> None:
    await bot.join_as_hr(HR)
    await bot.say(HR, "/todo")
    await settled(bot)
    with traffic(bot.engine) as seen:
        await bot.say(HR, "/todo")
        await settled(bot)
    assert seen.commits == 0, seen.statements


async def test_todo_reads_no_more_for_twelve_employees_than_for_two(
    bot: BotHarness,
) -> None:
    """/todo is set-based: it used to read each employee once more (63 % of its time)."""
    await bot.join_as_hr(HR)
    names = ["陈明远", "李静", "王强", "赵敏", "孙立", "周洁", "吴昊", "郑爽", "冯雪", "陈晨"]

    async def statements_of_todo() -> int:
        await settled(bot)
        with traffic(bot.engine) as seen:
            await bot.say(HR, "/todo")
            await settled(bot)
        return len(seen.statements)

    await import_rows(
        bot,
        f"{names[0]},{make_id(1)},2026-11-03,后厨,8000,北京,",
        f"{names[1]},{make_id(2)},2026-11-03,后厨,8000,北京,",
    )
    with_two = await statements_of_todo()
    await import_rows(
        bot,
        *(f"{name},{make_id(10 + i)},2026-11-03,前厅,8000,北京," for i, name in enumerate(names)),
        name="更多.csv",
    )
    assert await statements_of_todo() <= with_two
