"""Hostile typed input end to end: refused with a clear message, nothing stored, every reply sent.

Each case was found by attacking the bot (issue 8, items 4, 6 and 7).
"""

from __future__ import annotations

import io

from harness import HR, BotHarness
from openpyxl import load_workbook
from sqlmodel import Session, select
from test_conversation_switching import VALID_ID, hire
from test_transfer_flow import HEADER, make_id, send_file

from models.employee import Department, Employee
from models.task import Task

FORMULA_NAME = '=HYPERLINK("http://e.cn","点")'
FORMULA_DEPARTMENT = "=cmd|' /C calc'!A0"


def employees(bot: BotHarness) -> list[Employee]:
    with Session(bot.engine) as session:
        return list(session.exec(select(Employee)))


def failed_sends(bot: BotHarness) -> list[str]:
    return [
        f"{c.method}: {c.outcome}"
        for c in bot.api.calls
        if c.method.lower() != "getupdates" and c.outcome not in ("ok", "pending")
    ]


async def test_hire_refuses_formula_control_and_invisible_names(bot: BotHarness) -> None:
    await bot.join_as_hr(HR)
    await bot.say(HR, "/hire")
    for hostile in (FORMULA_NAME, "@SUM(A1)", "王\x00芳", "\u200b\u200c\u200d\u2060", "王\t芳"):
        [refusal] = await bot.say(HR, hostile)
        assert "❌" in refusal.text or "请重新输入" in refusal.text, (hostile, refusal.text)
        assert "身份证号码（18位）" not in refusal.text
    # A right-to-left override is dropped, not stored: the name reads as typed on screen.
    [question] = await bot.say(HR, "\u202e陈明远")
    assert "陈明远的身份证号码" in question.text and "\u202e" not in question.text
    await bot.say(HR, VALID_ID)
    await bot.say(HR, "12月1日")
    [refusal] = await bot.say(HR, FORMULA_DEPARTMENT)
    assert "公式" in refusal.text
    assert "缴费工资基数" in (await bot.say(HR, "后厨"))[0].text
    [refusal] = await bot.say(HR, "1e1000000")
    assert "不是有效金额" in refusal.text
    await bot.say(HR, "8000")
    await bot.press(HR, "北京（默认）")
    await bot.press(HR, "✅ 确认")
    [stored] = employees(bot)
    assert stored.name == "陈明远"
    assert not failed_sends(bot)


async def test_export_writes_user_text_as_strings_never_formulas(bot: BotHarness) -> None:
    """A name stored before validation existed (or by any other path) still exports as text."""
    company_id = await bot.join_as_hr(HR)
    await hire(bot, "陈明远", VALID_ID)
    with Session(bot.engine) as session:
        person = session.exec(select(Employee)).one()
        person.name = FORMULA_NAME
        department = Department(company_id=company_id, name=FORMULA_DEPARTMENT)
        session.add(department)
        session.flush()
        person.department_id = department.id
        session.add(person)
        session.commit()
    [export] = await bot.say(HR, "/export")
    data = export.document_bytes
    assert data is not None
    book = load_workbook(io.BytesIO(data))
    formulas = [
        (sheet.title, cell.coordinate, cell.value)
        for sheet in book.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if cell.data_type == "f"
    ]
    assert not formulas, formulas
    people = book["员工"]
    assert people["A2"].value == FORMULA_NAME and people["A2"].data_type == "s"
    assert people["E2"].value == FORMULA_DEPARTMENT and people["E2"].data_type == "s"
    assert people["A2"].quotePrefix


async def test_import_refuses_formula_names_and_departments_and_huge_bases(
    bot: BotHarness,
) -> None:
    await bot.join_as_hr(HR)
    rows: list[list[object]] = [HEADER]
    rows.append([FORMULA_NAME, make_id(1), "2026-11-20", "后厨", "8000", "北京", ""])
    rows.append(["王芳", make_id(2), "2026-11-20", FORMULA_DEPARTMENT, "8000", "北京", ""])
    rows.append(["王\x00芳", make_id(3), "2026-11-20", "后厨", "8000", "北京", ""])
    rows.append(["李雷", make_id(4), "2026-11-20", "后厨", "1e1000000", "北京", ""])
    rows.append(["韩梅梅", make_id(5), "2026-11-20", "后厨", "8000", "北京", ""])
    csv_text = "\n".join(
        ",".join(f'"{v}"' for v in (str(c).replace('"', '""') for c in row)) for row in rows
    )
    preview = await send_file(bot, "员工.csv", csv_text.encode())
    assert "导入预览" in preview.text, preview.text
    assert "可导入 <b>1</b> 人" in (preview.raw_text or "")
    assert "第2行" in preview.text and "第3行" in preview.text
    assert "第4行" in preview.text and "第5行" in preview.text
    assert "第6行" not in preview.text
    assert not failed_sends(bot)


async def test_todo_done_date_outside_the_plausible_window_is_refused(bot: BotHarness) -> None:
    await bot.join_as_hr(HR)
    await hire(bot, "陈明远", VALID_ID)
    [listing] = await bot.say(HR, "/todo")
    label = next(text for text, _ in listing.buttons if "社保登记" in text)
    await bot.press(HR, label)
    [refusal] = await bot.say(HR, "0001-01-01")
    assert "2026-12-01" in refusal.text and "不在可登记的范围内" in refusal.text
    [refusal] = await bot.say(HR, "2026-11-30")
    assert "不在可登记的范围内" in refusal.text
    [done] = await bot.say(HR, "12月1日")
    assert "已办理" in done.text
    with Session(bot.engine) as session:
        task = session.exec(select(Task)).first()
        assert task is not None and str(task.done_on) == "2026-12-01"


async def test_backpay_refuses_huge_amounts_and_far_months(bot: BotHarness) -> None:
    await bot.join_as_hr(HR)
    await bot.say(HR, "/backpay")
    assert "不是有效金额" in (await bot.say(HR, "1e1000000"))[0].text
    await bot.say(HR, "5000")
    [refusal] = await bot.say(HR, "2025-01至9999-12")
    assert "超出可测算范围" in refusal.text
    assert not failed_sends(bot)


async def test_replies_quoting_long_input_stay_short_enough_to_send(bot: BotHarness) -> None:
    await bot.join_as_hr(HR)
    [answer] = await bot.say(HR, "/policy_version " + "北" * 1702)
    assert len(answer.text) < 4096
    [answer] = await bot.say(HR, "/employee " + "王" * 4062)
    assert "没有找到" in answer.text and len(answer.text) < 1000
    [answer] = await bot.say(HR, "/ledger " + "x" * 4000)
    assert len(answer.text) < 1000
    await hire(bot, "陈明远", VALID_ID)
    await bot.say(HR, "/leave")
    [answer] = await bot.say(HR, "王" * 4090)  # a typed name the staff picker cannot find
    assert "没有找到" in answer.text and "共4090字" in answer.text and len(answer.text) < 1000
    assert not failed_sends(bot)


async def test_the_errors_file_keeps_uploaded_control_characters_out(bot: BotHarness) -> None:
    """A CSV cell with a control character used to crash 📄 下载错误明细 (openpyxl refuses it)."""
    await bot.join_as_hr(HR)
    data = f"姓名,身份证号,入职日期,缴费基数\n王\x01芳,{make_id(1)},2026-11-20,8000\n".encode()
    preview = await send_file(bot, "员工.csv", data)
    assert "第2行" in preview.text
    [errors] = await bot.press(HR, "📄 下载错误明细")
    assert errors.document_bytes is not None
    sheet = load_workbook(io.BytesIO(errors.document_bytes)).active
    assert sheet["C2"].value == "王芳"
    assert not failed_sends(bot)


async def test_control_characters_are_refused_at_every_step(bot: BotHarness) -> None:
    """A NUL typed anywhere (here a /employee search and a /backpay base) is refused before
    any handler sees it: on PostgreSQL it was an unhandled DataError."""
    await bot.join_as_hr(HR)
    [refusal] = await bot.say(HR, "/employee 王\x00芳")
    assert "控制字符" in refusal.text
    await bot.say(HR, "/backpay")
    [refusal] = await bot.say(HR, "50\x0000")
    assert "控制字符" in refusal.text
    assert "补缴" in (await bot.say(HR, "5000"))[0].text
    assert not failed_sends(bot)
