"""Import and export end to end: HR send a spreadsheet to the bot and get one back."""

from __future__ import annotations

import io

from harness import HR, BotHarness
from openpyxl import Workbook, load_workbook
from sqlmodel import Session, func, select

from bot.local_api import SentMessage
from models.employee import Employee
from models.ledger import LedgerMonth
from policies.idnumber import check_digit

HEADER = ["姓名", "身份证号", "入职日期", "部门", "缴费基数", "参保地", "已缴月份"]


def make_id(serial: int) -> str:
    first17 = f"1101011990{serial // 100 % 12 + 1:02d}{serial % 28 + 1:02d}{serial % 1000:03d}"
    return first17 + check_digit(first17)


def xlsx(rows: list[list[object]]) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


async def send_file(bot: BotHarness, name: str, data: bytes) -> SentMessage:
    mark = bot.api.mark()
    bot.api.send_document(HR, name, data)
    return (await bot.api.wait_for_messages(HR, count=1, since=mark))[0]


async def confirm(bot: BotHarness) -> SentMessage:
    mark = bot.api.mark()
    progress = (await bot.press(HR, "✅ 确认导入"))[0]
    assert "正在导入" in progress.text
    return await bot.api.wait_for_edit(HR, progress.message_id, since=mark)


def employee_count(bot: BotHarness) -> int:
    with Session(bot.engine) as session:
        return session.exec(select(func.count()).select_from(Employee)).one()


def ledger_count(bot: BotHarness) -> int:
    with Session(bot.engine) as session:
        return session.exec(select(func.count()).select_from(LedgerMonth)).one()


CLEAN = [
    HEADER,
    ["陈明远", make_id(1), "2026-06-01", "后厨", 8000, "北京", "2026-06~2026-11"],
    ["李静", make_id(2), "2026-11-16", "前厅", 9000, "北京", ""],
    ["王芳", make_id(3), "2026-12-01", "前厅", 7000, "", ""],
]


async def test_import_clean_file_then_reimport_changes_nothing(bot: BotHarness) -> None:
    await bot.join_as_hr(HR)
    data = xlsx(CLEAN)
    preview = await send_file(bot, "员工花名册.xlsx", data)
    assert "可导入 3 人" in preview.text
    assert "有误" not in preview.text
    done = await confirm(bot)
    assert "新增 3 人" in done.text
    assert employee_count(bot) == 3
    rows = ledger_count(bot)
    assert rows == 7 + 2 + 1  # Jun–Dec (Jun–Nov paid), Nov–Dec, Dec

    again = await send_file(bot, "员工花名册.xlsx", data)
    assert "已于" in again.text and "未做任何更改" in again.text
    assert (employee_count(bot), ledger_count(bot)) == (3, rows)

    # The same people in a different file: all already on file, nothing to confirm.
    edited = xlsx([*CLEAN, ["赵强", "bad", "2026-12-01", "前厅", 7000, "", ""]])
    preview = await send_file(bot, "花名册v2.xlsx", edited)
    assert "已登记 3 人，将跳过" in preview.text
    assert "没有可导入的新员工" in preview.text
    assert "✅ 确认导入" not in [text for text, _ in preview.buttons]
    assert (employee_count(bot), ledger_count(bot)) == (3, rows)


async def test_file_with_bad_rows_shows_reasons_and_errors_file(bot: BotHarness) -> None:
    await bot.join_as_hr(HR)
    good = make_id(7)
    rows = [
        HEADER,
        ["陈明远", good, "2026-11-02", "后厨", 8000, "北京", ""],
        [
            "李静",
            good[:-1] + ("1" if good[-1] != "1" else "2"),
            "2026-11-02",
            "后厨",
            8000,
            "",
            "",
        ],
        ["王芳", make_id(8), "下个月", "后厨", 8000, "", ""],
        ["赵强", make_id(9), "2026-11-02", "后厨", 8000, "火星", ""],
    ]
    preview = await send_file(bot, "bad.xlsx", xlsx(rows))
    assert "可导入 1 人" in preview.text
    assert "有误 3 行" in preview.text
    assert "第3行：身份证号码校验位不正确" in preview.text
    assert "第4行：入职日期" in preview.text
    assert "第5行" in preview.text and "火星" in preview.text

    mark = bot.api.mark()
    bot.api.press_button_text(HR, "📄 下载错误明细")
    (document,) = await bot.api.wait_for_messages(HR, count=1, since=mark)
    assert document.document_name == "导入错误明细.xlsx"
    sheet = load_workbook(io.BytesIO(document.document_bytes or b"")).active
    table = list(sheet.iter_rows(values_only=True))
    assert [row[0] for row in table[1:]] == [3, 4, 5]
    assert table[1][2] == "李静"

    done = await confirm(bot)
    assert "新增 1 人" in done.text and "有误未导入 3 行" in done.text
    assert employee_count(bot) == 1


async def test_unknown_header_is_mapped_in_chat(bot: BotHarness) -> None:
    await bot.join_as_hr(HR)
    data = (
        f"Name,证件号码,到岗时间,Base,备注\n陈明远,{make_id(11)},2026-11-20,8000,老员工推荐\n"
    ).encode("gbk")
    ask = await send_file(bot, "staff.csv", data)
    assert "无法识别表头“到岗时间”" in ask.text
    assert "入职日期" in [text for text, _ in ask.buttons]
    mark = bot.api.mark()
    bot.api.press_button_text(HR, "入职日期")
    ask2 = (await bot.api.wait_for_messages(HR, count=1, since=mark))[0]
    assert "到岗时间” → 入职日期" in bot.api.message(HR, ask.message_id).text
    assert "无法识别表头“备注”" in ask2.text
    preview = (await bot.press(HR, "忽略此列"))[0]
    assert "可导入 1 人" in preview.text
    done = await confirm(bot)
    assert "新增 1 人" in done.text
    with Session(bot.engine) as session:
        assert session.exec(select(Employee)).one().first_day.isoformat() == "2026-11-20"


async def test_missing_required_column_changes_nothing(bot: BotHarness) -> None:
    await bot.join_as_hr(HR)
    reply = await send_file(bot, "x.csv", "姓名,身份证号,缴费基数\n陈明远,1,8000\n".encode())
    assert "缺少必填列" in reply.text and "入职日期" in reply.text
    reply = await send_file(bot, "x.pdf", b"%PDF-1.4")
    assert ".xlsx 或 .csv" in reply.text
    assert employee_count(bot) == 0


async def test_export_reads_back_and_reimports_elsewhere(bot: BotHarness) -> None:
    await bot.join_as_hr(HR)
    await send_file(bot, "a.xlsx", xlsx(CLEAN))
    await confirm(bot)
    replies = await bot.say(HR, "/export")
    exported = replies[0]
    assert exported.document_name and exported.document_name.endswith(".xlsx")
    assert "勿转发到群聊" in exported.text
    book = load_workbook(io.BytesIO(exported.document_bytes or b""))
    people = list(book["员工"].iter_rows(values_only=True))
    assert people[0][:3] == ("姓名", "身份证号", "入职日期")
    by_name = {row[0]: row for row in people[1:]}
    assert by_name["陈明远"][1] == make_id(1)
    assert by_name["陈明远"][8] == "2026-06~2026-11"
    ledger = list(book["台账"].iter_rows(values_only=True))
    assert len(ledger) == 1 + ledger_count(bot)
    assert {row[3] for row in ledger[1:]} == {"已缴纳", "待申报"}

    # The export is itself a valid import file for another company (data migration).
    await bot.join_as_hr(4242, company="新公司")
    mark = bot.api.mark()
    bot.api.send_document(4242, "export.xlsx", exported.document_bytes or b"")
    (preview,) = await bot.api.wait_for_messages(4242, count=1, since=mark)
    assert "可导入 3 人" in preview.text, preview.text
