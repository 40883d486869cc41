"""A finished or cancelled /hire draft leaves no 身份证 in the SQLite file (issue 8, item 12).

While HR answer, the draft (with the full 身份证) is persisted in `ptb_state`; replacing or
deleting it frees the old bytes, which SQLite keeps in free pages unless `secure_delete` is on.
"""

from __future__ import annotations

from pathlib import Path
from sqlite3 import dbapi2
from typing import Any

import pytest
from harness import HR, BotHarness
from sqlalchemy import Engine

from models.db import make_engine

ID_NUMBER = "110101199003071233"


def database_bytes(bot: BotHarness) -> bytes:
    """The whole database as it lies on disk, after every connection closed (which
    checkpoints the write-ahead log into the file and removes it)."""
    bot.engine.dispose()
    path = Path(bot.engine.url.database or "")
    assert not Path(f"{path}-wal").exists()
    return path.read_bytes()


@pytest.fixture(autouse=True)
def sqlite_built_without_secure_delete(
    database_backend: str, monkeypatch: pytest.MonkeyPatch, engine: Engine
) -> None:
    """Many SQLite builds (Debian's among them) turn secure_delete on by default, others
    (python.org's, Homebrew's) do not: every connection here starts with it off, as on those,
    so only the bot's own setting can turn it on."""
    if database_backend != "sqlite":
        pytest.skip("free pages are a property of the SQLite file")
    real = dbapi2.connect

    def connect(*args: Any, **kwargs: Any) -> dbapi2.Connection:
        connection = real(*args, **kwargs)
        connection.execute("PRAGMA secure_delete=OFF")
        return connection

    monkeypatch.setattr(dbapi2, "connect", connect)
    engine.dispose()  # pooled connections were opened before the patch


async def start_hire(bot: BotHarness) -> None:
    await bot.join_as_hr(HR)
    await bot.say(HR, "/hire")
    await bot.say(HR, "陈明远")
    await bot.say(HR, ID_NUMBER)
    for answer in ("12月1日", "后厨", "5000"):
        await bot.say(HR, answer)


async def test_a_cancelled_draft_leaves_no_id_number_in_the_file(bot: BotHarness) -> None:
    await start_hire(bot)
    await bot.press(HR, "北京（默认）")
    await bot.press(HR, "✖️ 取消")
    await bot.stop()
    assert database_bytes(bot).count(ID_NUMBER.encode()) == 0


async def test_a_finished_draft_leaves_only_the_employee_row(bot: BotHarness) -> None:
    await start_hire(bot)
    await bot.press(HR, "北京（默认）")
    await bot.press(HR, "✅ 确认")
    await bot.stop()
    # Issue 12: the employee row holds the 身份证 sealed and its unique index a keyed hash (it
    # held it twice in clear before); no dead draft copies either.
    assert database_bytes(bot).count(ID_NUMBER.encode()) == 0


def test_every_sqlite_connection_has_secure_delete_on(tmp_path: Path) -> None:
    own = make_engine(f"sqlite:///{tmp_path / 'x.sqlite'}")
    try:
        with own.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA secure_delete").scalar() == 1
    finally:
        own.dispose()
