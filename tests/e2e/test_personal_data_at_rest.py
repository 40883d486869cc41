"""No 身份证 in clear text anywhere in the database (issue 12, "Personal data").

After hires, a half-finished /hire draft, an import (and a second upload left unconfirmed), an
export and a lookup, the SQLite file and its write-ahead log hold none of the numbers; on
PostgreSQL no column of any table does (every row read back as text). The bot still finds
people by 身份证, refuses a duplicate, and picks the draft up again after a restart.
"""

from __future__ import annotations

from pathlib import Path

from harness import HR, BotHarness
from sqlalchemy import text
from sqlmodel import SQLModel
from test_conversation_switching import VALID_ID, hire
from test_transfer_flow import HEADER, confirm, make_id, send_file, xlsx

DRAFT_ID = make_id(41)
IMPORTED = [make_id(42), make_id(43)]
UNCONFIRMED = make_id(44)
ALL_IDS = [VALID_ID, DRAFT_ID, *IMPORTED, UNCONFIRMED]


def sqlite_bytes(bot: BotHarness) -> bytes:
    """The database file and its WAL (checkpointed first: what a copy of the folder holds)."""
    with bot.engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    path = Path(bot.engine.url.database or "")
    wal = Path(f"{path}-wal")
    return path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


def postgres_text(bot: BotHarness) -> str:
    """Every row of every table, as PostgreSQL prints it."""
    with bot.engine.connect() as connection:
        return "\n".join(
            str(row[0])
            for table in SQLModel.metadata.sorted_tables
            for row in connection.execute(text(f'SELECT t::text FROM "{table.name}" t'))
        )


def clear_ids_found(bot: BotHarness, database_backend: str) -> list[str]:
    if database_backend == "sqlite":
        raw = sqlite_bytes(bot)
        return [n for n in ALL_IDS if n.encode() in raw]
    stored = postgres_text(bot)
    return [n for n in ALL_IDS if n in stored]


async def test_no_id_number_in_clear_after_hires_drafts_import_and_export(
    bot: BotHarness, database_backend: str
) -> None:
    await bot.join_as_hr(HR)
    await hire(bot, "陈明远", VALID_ID)
    # Lookup by 身份证 and the duplicate refusal go through the keyed hash.
    [found] = await bot.say(HR, f"/employee {VALID_ID}")
    assert "陈明远（在职）" in found.text and "110101********1233" in found.text
    await bot.say(HR, "/hire")
    await bot.say(HR, "李雷")
    refusal = (await bot.say(HR, VALID_ID))[0].text
    assert "已登记" in refusal and "陈明远" in refusal and VALID_ID not in refusal
    await bot.say(HR, "/cancel")

    preview = await send_file(bot, "花名册.xlsx", xlsx([
        HEADER,
        ["王芳", IMPORTED[0], "2026-11-02", "前厅", 8000, "北京", ""],
        ["赵强", IMPORTED[1], "2026-11-02", "前厅", 8000, "北京", ""],
    ]))
    assert "可导入 2 人" in preview.text
    assert "新增 2 人" in (await confirm(bot)).text
    [exported] = await bot.say(HR, "/export")
    assert exported.document_name and exported.document_bytes
    # A second upload waits for 确认 (pending_upload) and a /hire draft waits for its date.
    waiting = await send_file(bot, "新人.xlsx", xlsx([
        HEADER, ["孙丽", UNCONFIRMED, "2026-11-02", "前厅", 8000, "北京", ""],
    ]))
    assert "可导入 1 人" in waiting.text
    await bot.say(HR, "/hire")
    await bot.say(HR, "周杰")
    assert "用工之日" in (await bot.say(HR, DRAFT_ID))[0].text
    await bot.restart()  # the draft is saved (sealed) and read back

    assert clear_ids_found(bot, database_backend) == []

    replies = await bot.say(HR, "12月1日")
    assert "部门" in replies[0].text  # the draft survived, its 身份证 opened again
    [found] = await bot.say(HR, f"/employee {IMPORTED[1]}")
    assert "赵强" in found.text
    await bot.stop()
    assert clear_ids_found(bot, database_backend) == []

