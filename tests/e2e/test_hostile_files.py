"""Hostile spreadsheets (issue 8, item 2): refused within the limits, read once, off the loop.

Each file is built here: a dimension bomb (a tiny .xlsx declaring A1:XFD1048576 plus one far
cell), a row bomb, a zip bomb-ish part, huge and malformed CSVs.
"""

from __future__ import annotations

import asyncio
import io
import threading
import time
import zipfile

import pytest
from harness import HR, OTHER_HR, BotHarness
from openpyxl import Workbook
from sqlmodel import Session, func, select
from test_transfer_flow import HEADER, confirm, employee_count, make_id, xlsx

from bot.local_api import SentMessage
from bot.services import transfer
from models.upload import PendingUpload

ROW = ["陈明远", make_id(1), "2026-11-20", "后厨", "8000", "北京", ""]


def with_declared_dimension(data: bytes, ref: str) -> bytes:
    """Rewrite the first sheet's <dimension> to `ref`, leaving the cells as they are."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            part = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                text = part.decode()
                start = text.index("<dimension ref=")
                end = text.index("/>", start) + 2
                part = (text[:start] + f'<dimension ref="{ref}"/>' + text[end:]).encode()
            target.writestr(info, part)
    return out.getvalue()


def row_bomb(rows: int) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(HEADER)
    for _ in range(rows):
        sheet.append(["x"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def failed_sends(bot: BotHarness) -> list[str]:
    return [
        f"{c.method}: {c.outcome}"
        for c in bot.api.calls
        if c.method.lower() != "getupdates" and c.outcome not in ("ok", "pending")
    ]


async def send(bot: BotHarness, name: str, data: bytes) -> SentMessage:
    mark = bot.api.mark()
    bot.api.send_document(HR, name, data)
    return (await bot.api.wait_for_messages(HR, count=1, since=mark, timeout=60))[0]


async def refused_quickly(bot: BotHarness, name: str, data: bytes, *, within: float) -> str:
    started = time.monotonic()
    reply = await send(bot, name, data)
    elapsed = time.monotonic() - started
    assert elapsed < within, f"{name}: {elapsed:.1f}s"
    assert reply.text.startswith("❌"), reply.text
    assert employee_count(bot) == 0
    return reply.text


async def test_a_dimension_bomb_is_refused_in_seconds(bot: BotHarness) -> None:
    await bot.join_as_hr(HR)
    book = Workbook()
    book.active.append(HEADER)
    book.active.append(ROW)
    book.active["XFD1048576"] = "x"
    out = io.BytesIO()
    book.save(out)
    data = with_declared_dimension(out.getvalue(), "A1:XFD1048576")
    assert len(data) < 10_000
    text = await refused_quickly(bot, "bomb.xlsx", data, within=10)
    assert "超过" in text and ("行" in text or "列" in text)
    assert not failed_sends(bot)


async def test_the_declared_dimension_is_not_trusted(bot: BotHarness) -> None:
    """A normal two-row sheet that declares a million rows is read as the two rows it has."""
    await bot.join_as_hr(HR)
    data = with_declared_dimension(xlsx([HEADER, ROW]), "A1:XFD1048576")
    started = time.monotonic()
    preview = await send(bot, "员工.xlsx", data)
    assert time.monotonic() - started < 10
    assert "可导入 1 人" in preview.text, preview.text


async def test_a_row_bomb_is_refused_with_the_row_limit_named(bot: BotHarness) -> None:
    await bot.join_as_hr(HR)
    bot.settings.imports.max_rows = 2000  # the same code path as 20,000, in a tenth the time
    bot.settings.imports.max_seconds = 120  # a loaded CI machine must not hit the time limit
    text = await refused_quickly(bot, "rows.xlsx", row_bomb(200_000), within=60)
    assert "2000行" in text


async def test_reading_stops_at_the_time_limit(bot: BotHarness) -> None:
    await bot.join_as_hr(HR)
    bot.settings.imports.max_seconds = 0.01
    text = await refused_quickly(bot, "slow.xlsx", row_bomb(5_000), within=30)
    assert "0.01秒" in text


async def test_a_zip_bomb_is_refused_before_it_is_inflated(bot: BotHarness) -> None:
    await bot.join_as_hr(HR)
    source = zipfile.ZipFile(io.BytesIO(xlsx([HEADER, ROW])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info, source.read(info.filename))
        target.writestr("xl/media/padding.bin", b"\0" * (60 * 1024 * 1024))
    data = out.getvalue()
    assert len(data) < 1024 * 1024
    text = await refused_quickly(bot, "zip.xlsx", data, within=10)
    assert "解压后超过50MB" in text


@pytest.mark.parametrize(
    ("name", "data", "said"),
    [
        ("rows.csv", ("姓名,身份证号\n" + "王芳,1\n" * 30_000).encode(), "20000行"),
        ("wide.csv", (",".join(f"c{i}" for i in range(5000)) + "\n").encode(), "50列"),
        ("field.csv", ("姓名,身份证号\n" + "王" * 200_000 + ",1\n").encode(), "过长"),
    ],
)
async def test_huge_or_malformed_csv_is_refused(
    bot: BotHarness, name: str, data: bytes, said: str
) -> None:
    await bot.join_as_hr(HR)
    reply = await send(bot, name, data)
    assert said in reply.text, reply.text
    assert employee_count(bot) == 0
    assert not failed_sends(bot)


async def test_other_chats_are_answered_while_a_file_is_read(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The reading of one upload holds a worker thread, never the bot: /todo of another
    company is answered before that file's preview."""
    await bot.join_as_hr(HR)
    await bot.join_as_hr(OTHER_HR, company="另一家公司")
    reading, release = threading.Event(), threading.Event()
    real_read = transfer.read_table

    def slow_read(*args: object, **kwargs: object) -> object:
        reading.set()
        release.wait(timeout=20)
        return real_read(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(transfer, "read_table", slow_read)
    mark = bot.api.mark()
    bot.api.send_document(HR, "员工.xlsx", xlsx([HEADER, ROW]))
    await asyncio.to_thread(reading.wait, 10)
    try:
        [todo] = await bot.say(OTHER_HR, "/todo")
        assert "待办" in todo.text
        assert all(m.at < todo.at for m in bot.api.sent(HR) if "导入预览" in (m.text or ""))
    finally:
        release.set()
    [preview] = await bot.api.wait_for_messages(HR, count=1, since=mark)
    assert "导入预览" in preview.text


async def test_the_file_is_read_once_and_survives_a_restart(bot: BotHarness) -> None:
    await bot.join_as_hr(HR)
    data = (
        f"Name,证件号码,到岗时间,Base,备注\n陈明远,{make_id(11)},2026-11-20,8000,老员工推荐\n"
    ).encode()
    ask = await send(bot, "staff.csv", data)
    assert "到岗时间" in ask.text
    with Session(bot.engine) as session:
        assert session.exec(select(func.count()).select_from(PendingUpload)).one() == 1
    await bot.restart(crash=True)
    await bot.press(HR, "入职日期")
    preview = (await bot.press(HR, "忽略此列"))[0]
    assert "可导入 1 人" in preview.text
    done = await confirm(bot)
    assert "新增 1 人" in done.text
    assert len(bot.api.calls_of("getFile")) == 1
    with Session(bot.engine) as session:
        assert session.exec(select(func.count()).select_from(PendingUpload)).one() == 0
