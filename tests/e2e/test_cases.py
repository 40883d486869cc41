"""Back-payment cases (补缴案例) end to end: opened from /backpay or an overdue reminder, moved
through the office's answers by buttons, the ledger following; refusals for illegal moves,
forged buttons and other companies' cases."""

from __future__ import annotations

import io
import json
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from harness import HR, OTHER_HR, SHANGHAI, BotHarness
from openpyxl import load_workbook
from sqlmodel import Session, select

from bot.callbacks import CaseMove, CaseOpen, CaseShow
from bot.cli import main
from bot.local_api import SentMessage
from models.backpay_case import BackpayCase, CaseEvent
from models.ledger import LedgerMonth
from models.reminder import Reminder
from policies.backpay import back_payment
from policies.library import load_library

VALID_ID = "110101199003071233"


def at(month: int, day: int, hour: int = 10, year: int = 2027) -> datetime:
    return datetime(year, month, day, hour, tzinfo=SHANGHAI)



async def hire(bot: BotHarness, user: int = HR, name: str = "陈明远",
               id_number: str = VALID_ID) -> None:
    """北京, 用工之日 2026-12-01, base 5000 (below the floor)."""
    await bot.say(user, "/hire")
    await bot.say(user, name)
    await bot.say(user, id_number)
    await bot.say(user, "12月1日")
    await bot.say(user, "后厨")
    await bot.say(user, "5000")
    await bot.press(user, "北京（默认）")
    replies = await bot.press(user, "✅ 确认")
    assert "已登记" in replies[0].text


def ledger_states(bot: BotHarness) -> dict[date, str]:
    with Session(bot.engine) as session:
        return {r.month: r.state for r in session.exec(select(LedgerMonth))}


async def backpay_december(bot: BotHarness, pay_date: str = "2027-01-20",
                           user: int = HR) -> str:
    """/backpay for 陈明远, December 2026, paid on `pay_date`: the result's text."""
    await bot.say(user, "/backpay")
    await bot.press(user, "陈明远")
    await bot.say(user, "2026-12")
    (result,) = await bot.say(user, pay_date)
    assert "补缴测算结果" in result.text
    assert [label for label, _ in result.buttons] == ["🧾 生成补缴案例"]
    return result.text


def sheet_numbers(data: bytes | None) -> set[Decimal]:
    """Every number typed into the workbook (formulas left out)."""
    assert data is not None
    book = load_workbook(io.BytesIO(data))
    return {Decimal(str(cell.value)).quantize(Decimal("0.01"))
            for sheet in book.worksheets for row in sheet.iter_rows() for cell in row
            if isinstance(cell.value, int | float | Decimal) and not isinstance(cell.value, bool)}


def sheet_text(data: bytes | None) -> str:
    assert data is not None
    book = load_workbook(io.BytesIO(data))
    return " ".join(str(cell.value) for sheet in book.worksheets for row in sheet.iter_rows()
                    for cell in row if cell.value is not None)


def cli_backpay(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, str]:
    """`hrbot backpay … --json`, as HR would run it."""
    capsys.readouterr()
    assert main(["backpay", *args, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


async def test_case_from_backpay_through_the_office_to_backpaid(
        bot: BotHarness, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        tmp_path: Path) -> None:
    await bot.join_as_hr(HR)
    await hire(bot)
    bot.clock.set(at(1, 15))
    result = await backpay_december(bot)

    (asked,) = await bot.press(HR, "🧾 生成补缴案例")
    assert "办理补缴" in asked.text and "陈明远" in asked.text and "2026-12" in asked.text
    assert [b for b, _ in asked.buttons] == ["入职信息未同步", "员工信息有误", "遗漏申报", "其他"]
    (case,) = await bot.press(HR, "入职信息未同步")
    assert "已创建补缴案例" in case.text and "｜待提交" in case.text
    assert "110101********1233" in case.text and VALID_ID not in case.text
    expected = back_payment(load_library().region("北京"), Decimal("5000"),
                            [date(2026, 12, 1)], date(2027, 1, 20), first_day=date(2026, 12, 1))
    assert f"总计 ¥{expected.total:,.2f}" in case.text
    assert f"¥{expected.total:,.2f}" in result  # the same figures /backpay showed
    assert [b for b, _ in case.buttons] == ["📤 已提交", "📄 生成文件"]
    assert ledger_states(bot)[date(2026, 12, 1)] == "backpaying"

    *files, letter, impact = await bot.press(HR, "📄 生成文件", expect=5)
    assert "医疗" in impact.text and VALID_ID not in impact.text
    assert "陈明远" in letter.text and "110101********1233" in letter.text
    assert VALID_ID not in letter.text
    assert [f.document_name for f in files] == [
        "社保补缴申报表_陈明远_2026-12.xlsx", "社保补缴说明函_陈明远_2026-12.docx",
        "跨年补缴权益影响说明_陈明远_2026-12.docx"]
    figures = sheet_numbers(files[0].document_bytes)
    cli = cli_backpay(capsys, "--city", "北京", "--base", "5000", "--month", "2026-12",
                      "--pay-date", "2027-01-20")
    (month,) = cli["months"]
    for item in month["items"]:  # the sheet types the parts; its totals are formulas
        assert {Decimal(item["employer"]), Decimal(item["employee"])} <= figures
    assert Decimal(month["base"]) in figures and Decimal(cli["late_fee"]) in figures
    assert sum(Decimal(i["employer"]) for i in month["items"]) == Decimal(cli["employer"])
    assert Decimal(cli["late_fee"]) == expected.late_fee
    assert VALID_ID in sheet_text(files[0].document_bytes)  # HR's private copy: full 身份证

    await bot.press(HR, "📤 已提交", expect=0)
    shown = bot.api.message(HR, case.message_id)
    assert "｜已提交" in shown.text and "待提交 → 已提交" in shown.text
    assert [b for b, _ in shown.buttons] == [
        "📥 已受理", "📎 需补充材料", "❌ 已驳回", "📄 生成文件"]
    for press, state in (("📎 需补充材料", "需补充材料"), ("📤 已提交", "已提交"),
                         ("📥 已受理", "已受理")):
        await bot.press(HR, press, expect=0)
        assert f"｜{state}" in bot.api.message(HR, case.message_id).text

    # /cases lists it while open, with state, age and amount
    (listing,) = await bot.say(HR, "/cases")
    assert "陈明远" in listing.text and "已受理" in listing.text
    assert f"¥{expected.total:,.2f}" in listing.text

    bot.clock.set(at(1, 22))
    (asked,) = await bot.press(HR, "✅ 已完成")
    assert "实际缴费日期" in asked.text
    (refused,) = await bot.say(HR, "2027-02-01")  # after today: refused, still asked
    assert ("实际缴费日期“2027-02-01”应在 2026-12-01（周二） 至 2027-01-22（周五） 之间"
            in refused.text)
    (done,) = await bot.say(HR, "2027-01-22")
    later = back_payment(load_library().region("北京"), Decimal("5000"),
                         [date(2026, 12, 1)], date(2027, 1, 22), first_day=date(2026, 12, 1))
    assert "｜已完成" in done.text and "该案例已结束" in done.text
    assert f"滞纳金重新计算为 ¥{later.late_fee:,.2f}" in done.text
    difference = later.late_fee - expected.late_fee
    assert difference > 0 and f"比计划多 ¥{difference:,.2f}" in done.text
    assert [b for b, _ in done.buttons] == ["📄 生成文件"]
    assert ledger_states(bot)[date(2026, 12, 1)] == "backpaid"
    (ledger,) = await bot.say(HR, "/ledger 2026-12")
    assert "已补缴 1 人" in ledger.text
    (listing,) = await bot.say(HR, "/cases")
    assert "目前没有进行中的补缴案例" in listing.text
    with Session(bot.engine) as session:
        events = session.exec(select(CaseEvent).order_by(CaseEvent.id)).all()
        assert [e.to_state for e in events] == [
            "draft", "submitted", "needs_materials", "submitted", "accepted", "completed"]
        assert all(e.by == HR for e in events)
        case_id = session.exec(select(BackpayCase.id)).one()

    # the command line writes the same files
    monkeypatch.setenv("HRBOT_DATABASE_URL", bot.engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("HRBOT_CONFIG", str(tmp_path / "absent.toml"))
    capsys.readouterr()
    assert main(["case", "documents", str(case_id), "--out", str(tmp_path / "out")]) == 0
    written = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert written == sorted(f.document_name for f in files)
    declaration = (tmp_path / "out" / "社保补缴申报表_陈明远_2026-12.xlsx").read_bytes()
    assert sheet_numbers(declaration) == figures
    assert main(["case", "documents", "999", "--out", str(tmp_path / "none")]) == 2
    assert "没有编号为 999 的补缴案例" in capsys.readouterr().err


async def test_rejected_case_puts_the_months_back(bot: BotHarness) -> None:
    await bot.join_as_hr(HR)
    await hire(bot)
    bot.clock.set(at(1, 15))
    await backpay_december(bot)
    await bot.press(HR, "🧾 生成补缴案例")
    (asked,) = await bot.press(HR, "其他")
    assert "简要说明补缴原因" in asked.text
    (case,) = await bot.say(HR, "员工入职资料晚交")
    assert "其他：员工入职资料晚交" in case.text
    await bot.press(HR, "📤 已提交", expect=0)
    (asked,) = await bot.press(HR, "❌ 已驳回")
    assert "驳回原因" in asked.text
    (rejected,) = await bot.say(HR, "缺少劳动合同")
    assert "｜已驳回" in rejected.text and "已提交 → 已驳回" in rejected.text
    assert "缺少劳动合同" in rejected.text
    assert ledger_states(bot)[date(2026, 12, 1)] == "pending"
    # the months are free again: a new case can take them
    await backpay_december(bot)
    await bot.press(HR, "🧾 生成补缴案例")
    (again,) = await bot.press(HR, "遗漏申报")
    assert "已创建补缴案例" in again.text


async def test_illegal_and_forged_moves_change_nothing(bot: BotHarness) -> None:
    company = await bot.join_as_hr(HR)
    await hire(bot)
    bot.clock.set(at(1, 15))
    await backpay_december(bot)
    await bot.press(HR, "🧾 生成补缴案例")
    (case,) = await bot.press(HR, "遗漏申报")
    with Session(bot.engine) as session:
        case_id = session.exec(select(BackpayCase.id)).one()
    assert case_id is not None
    # a forged button: 待提交 → 已完成 is not a move the case allows
    mark = bot.api.mark()
    forged = CaseMove(case_id, "draft", "completed").data
    bot.api.press_button(HR, case.message_id, forged, strict=False)
    (refused,) = await bot.api.wait_for_messages(HR, since=mark, timeout=15)
    assert "当前为“待提交”，不能改为“已完成”" in refused.text
    assert "当前可以改为：已提交" in refused.text
    # an outdated button: shown for 待提交 after the case moved on
    await bot.press(HR, "📤 已提交", expect=0)
    mark = bot.api.mark()
    forged = CaseMove(case_id, "draft", "submitted").data
    bot.api.press_button(HR, case.message_id, forged, strict=False)
    (refused,) = await bot.api.wait_for_messages(HR, since=mark, timeout=15)
    assert "当前为“已提交”" in refused.text and "已受理、需补充材料、已驳回" in refused.text
    with Session(bot.engine) as session:
        assert session.exec(select(BackpayCase.state)).one() == "submitted"
        assert len(session.exec(select(CaseEvent)).all()) == 2
    # another company's HR cannot see or move it
    await bot.join_as_hr(OTHER_HR, company="别家公司")
    (listing,) = await bot.say(OTHER_HR, "/cases")
    assert "目前没有进行中的补缴案例" in listing.text
    for data in (CaseShow(case_id).data, CaseMove(case_id, "submitted", "accepted").data):
        mark = bot.api.mark()
        bot.api.press_button(OTHER_HR, listing.message_id, data, strict=False)
        (refused,) = await bot.api.wait_for_messages(OTHER_HR, since=mark, timeout=15)
        assert "找不到该补缴案例" in refused.text and "陈明远" not in refused.text
    with Session(bot.engine) as session:
        assert session.exec(select(BackpayCase.state)).one() == "submitted"
    assert company != bot.companies["别家公司"]


async def test_case_from_the_ledger_for_a_gap_month(bot: BotHarness) -> None:
    """The seed scenario: 北京, hired 12-01, December missed, found mid-January in /ledger."""
    await bot.join_as_hr(HR)
    await hire(bot)
    (december,) = await bot.say(HR, "/ledger 2026-12")
    assert "🧾 办理补缴" not in [b for b, _ in december.buttons]  # not due yet: no gap
    bot.clock.set(at(1, 15))
    (december,) = await bot.say(HR, "/ledger 2026-12")
    assert "断缴 1 人" in december.text or "断缴）1 人" in december.text
    (asked,) = await bot.press(HR, "🧾 办理补缴")
    assert "陈明远 2026-12" in asked.text
    (asked,) = await bot.press(HR, "员工信息有误")
    assert "字段 原值 新值" in asked.text
    (bad,) = await bot.say(HR, "姓名")
    assert "第1行“姓名”无法识别" in bad.text
    await bot.say(HR, "姓名 陈明原 陈明远\n身份证号码：110101199003071234 → 110101199003071233")
    (bad,) = await bot.say(HR, "下周")
    assert "日期" in bad.text
    (case,) = await bot.say(HR, "1月20日")
    assert "｜待提交" in case.text and "员工信息有误" in case.text
    expected = back_payment(load_library().region("北京"), Decimal("5000"),
                            [date(2026, 12, 1)], date(2027, 1, 20), first_day=date(2026, 12, 1))
    assert f"总计 ¥{expected.total:,.2f}" in case.text
    assert "更正：姓名、身份证号码" in case.text and "110101199003071234" not in case.text
    files = await bot.press(HR, "📄 生成文件", expect=6)
    assert files[1].document_name == "员工信息变更表_陈明远_2026-12.xlsx"
    changes = sheet_text(files[1].document_bytes)
    assert "陈明原" in changes and "110101199003071234" in changes  # HR's private copy
    (december,) = await bot.say(HR, "/ledger 2026-12")
    assert "补缴中 1 人" in december.text and "🧾 办理补缴" not in str(december.buttons)


async def tick_and_read(bot: BotHarness, instant: datetime, about: str) -> list[SentMessage]:
    """Run one reminder tick at `instant`; what it sent HR about `about`."""
    assert bot.app is not None and bot.app.services.reminders is not None
    before = len(bot.api.sent(HR))
    bot.clock.set(instant)
    await bot.app.services.reminders.tick()
    return [m for m in bot.api.sent(HR)[before:] if about in (m.text or "")]


async def test_overdue_reminder_to_case_and_one_stall_reminder(
        bot: BotHarness, capsys: pytest.CaptureFixture[str]) -> None:
    await bot.join_as_hr(HR)
    await hire(bot)
    for day in (at(12, 24, 9, year=2026), at(12, 29, 9, year=2026)):
        (reminder,) = await tick_and_read(bot, day, "社保登记")
        assert "🧾 办理补缴" not in [b for b, _ in reminder.buttons]  # not overdue yet
    (overdue,) = await tick_and_read(bot, at(1, 1, 9), "社保登记")
    assert "已逾期 1 天" in overdue.text
    assert [b for b, _ in overdue.buttons] == [
        "✅ 已办理", "⏰ 明天再提醒", "📄 查看", "🧾 办理补缴"]

    (asked,) = await bot.press(HR, "🧾 办理补缴")
    assert "陈明远 2026-12" in asked.text
    await bot.press(HR, "入职信息未同步")
    (case,) = await bot.say(HR, "1月6日")
    assert "｜待提交" in case.text and "2027-01-06（周三）" in case.text
    *files, _, _ = await bot.press(HR, "📄 生成文件", expect=5)
    cli = cli_backpay(capsys, "--city", "北京", "--base", "5000", "--month", "2026-12",
                      "--pay-date", "2027-01-06")
    figures = sheet_numbers(files[0].document_bytes)
    assert {Decimal(i["employer"]) for i in cli["months"][0]["items"]} <= figures
    assert Decimal(cli["late_fee"]) in figures
    assert f"总计 ¥{Decimal(cli['total']):,.2f}" in case.text

    # 5 working days without a change (2027 has no holiday notice yet: weekdays only)
    assert await tick_and_read(bot, at(1, 7, 9), "补缴进度") == []
    (stalled,) = await tick_and_read(bot, at(1, 8, 9), "补缴进度")
    assert "陈明远" in stalled.text and "5 个工作日没有进展" in stalled.text
    assert "待提交" in stalled.text and "2027-01-01（周五）" in stalled.text
    assert [b for b, _ in stalled.buttons] == ["📂 查看案例"]
    for day in (at(1, 8, 15), at(1, 11, 9), at(1, 12, 9)):
        assert await tick_and_read(bot, day, "补缴进度") == []  # once

    (view,) = await bot.press(HR, "📂 查看案例")
    assert "补缴案例 #" in view.text and "｜待提交" in view.text
    await bot.press(HR, "📤 已提交", expect=0)  # on 01-12: a new idle spell starts
    assert await tick_and_read(bot, at(1, 18, 9), "补缴进度") == []
    (again,) = await tick_and_read(bot, at(1, 19, 9), "补缴进度")
    assert "已提交" in again.text
    with Session(bot.engine) as session:
        rows = session.exec(select(Reminder).where(Reminder.kind == "backpay_stalled")).all()
        assert sorted(r.status for r in rows) == ["sent", "sent"]


async def test_two_companies_never_see_each_others_cases(bot: BotHarness) -> None:
    await bot.join_as_hr(HR)
    await bot.join_as_hr(OTHER_HR, company="别家公司")
    await hire(bot)
    await hire(bot, user=OTHER_HR, name="王芳")  # the same 身份证 in another company
    bot.clock.set(at(1, 15))
    for user, name in ((HR, "陈明远"), (OTHER_HR, "王芳")):
        await bot.say(user, "/backpay")
        await bot.press(user, name)
        await bot.say(user, "2026-12")
        await bot.say(user, "2027-01-20")
        await bot.press(user, "🧾 生成补缴案例")
        (case,) = await bot.press(user, "遗漏申报")
        assert "已创建补缴案例" in case.text
    (mine,) = await bot.say(HR, "/cases")
    (theirs,) = await bot.say(OTHER_HR, "/cases")
    assert "陈明远" in mine.text and "王芳" not in mine.text
    assert "王芳" in theirs.text and "陈明远" not in theirs.text
    with Session(bot.engine) as session:
        ids = {c.company_id: c.id for c in session.exec(select(BackpayCase))}
    other_case = ids[bot.companies["别家公司"]]
    assert other_case is not None
    mark = bot.api.mark()
    bot.api.press_button(HR, mine.message_id, CaseShow(other_case).data, strict=False)
    (refused,) = await bot.api.wait_for_messages(HR, since=mark, timeout=15)
    assert "找不到该补缴案例" in refused.text and "王芳" not in refused.text


async def test_the_opening_conversation_survives_a_crash(bot: BotHarness) -> None:
    await bot.join_as_hr(HR)
    await hire(bot)
    bot.clock.set(at(1, 15))
    (december,) = await bot.say(HR, "/ledger 2026-12")
    await bot.press(HR, "🧾 办理补缴")
    await bot.press(HR, "遗漏申报")  # now asked for the payment date
    await bot.restart(crash=True)
    (case,) = await bot.say(HR, "1月20日")
    assert "已创建补缴案例" in case.text and "遗漏申报" in case.text
    # the same 办理补缴 pressed again: the month is taken, nothing is opened twice
    mark = bot.api.mark()
    bot.api.press_button_text(HR, "🧾 办理补缴", message_id=december.message_id)
    (refused,) = await bot.api.wait_for_messages(HR, since=mark, timeout=15)
    assert "没有未缴纳且未在补缴中的月份" in refused.text
    with Session(bot.engine) as session:
        assert len(session.exec(select(BackpayCase)).all()) == 1


async def test_a_forged_open_for_another_companys_employee_is_refused(bot: BotHarness) -> None:
    await bot.join_as_hr(HR)
    await bot.join_as_hr(OTHER_HR, company="别家公司")
    await hire(bot, user=OTHER_HR, name="王芳")
    bot.clock.set(at(1, 15))
    (listing,) = await bot.say(HR, "/cases")
    with Session(bot.engine) as session:
        employee_id = session.exec(select(LedgerMonth.employee_id)).first()
    assert employee_id is not None
    mark = bot.api.mark()
    bot.api.press_button(HR, listing.message_id, CaseOpen(employee_id).data, strict=False)
    (refused,) = await bot.api.wait_for_messages(HR, since=mark, timeout=15)
    assert "该员工不存在或不属于您的公司" in refused.text and "王芳" not in refused.text
    with Session(bot.engine) as session:
        assert session.exec(select(BackpayCase)).all() == []
        assert {r.state for r in session.exec(select(LedgerMonth))} == {"pending"}
