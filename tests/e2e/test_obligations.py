"""Obligations that match practice (issue 9), end to end through the local Bot API server.

"Today" is Monday 2026-11-30 in Beijing, the day the cases were seen.
"""

from __future__ import annotations

import io
from datetime import date, datetime

import pytest
from harness import HR, SHANGHAI, BotHarness
from openpyxl import Workbook
from sqlmodel import Session, select

from bot.clock import ManualClock
from bot.local_api import SentMessage
from models.ledger import LedgerMonth
from policies.idnumber import check_digit


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(datetime(2026, 11, 30, 10, 0, tzinfo=SHANGHAI))


def make_id(serial: int) -> str:
    first17 = f"11010119900307{serial % 1000:03d}"
    return first17 + check_digit(first17)


async def hire(
    bot: BotHarness, name: str, serial: int, first_day: str, city: str | None = None
) -> str:
    """Run /hire to the end; returns the bot's final reply."""
    await bot.say(HR, "/hire")
    await bot.say(HR, name)
    await bot.say(HR, make_id(serial))
    answered = await bot.say(HR, first_day, expect=2 if first_day < "2026-10-31" else 1)
    assert "部门" in answered[-1].text or "入职登记" in answered[-1].text
    await bot.say(HR, "后厨")
    await bot.say(HR, "8000")
    if city is None:
        await bot.press(HR, "北京（默认）")
    else:
        await bot.say(HR, city)
    return (await bot.press(HR, "✅ 确认"))[0].text


def ledger_months(bot: BotHarness) -> list[date]:
    with Session(bot.engine) as session:
        return sorted(r.month for r in session.exec(select(LedgerMonth)))


async def test_case1_hire_today_is_not_late_anywhere(bot: BotHarness) -> None:
    """Seen: "11月缴费截止日 2026-11-25 已过" at once, and /todo "已逾期 5 天"."""
    await bot.join_as_hr(HR)
    done = await hire(bot, "陈明远", 1, "2026-11-30")
    assert "已过" not in done and "补缴" not in done and "逾期" not in done
    assert "11月社保待缴纳" in done
    assert "11月社保可随社保登记一并缴纳，截止 2026-12-30（周三）" in done
    assert "未确认" in done
    todo = (await bot.say(HR, "/todo"))[0].text
    assert "逾期" not in todo and "⚠️" not in todo
    assert "11月社保待缴纳" in todo and "截止 2026-12-30（周三），剩余 30 天" in todo
    assert "新员工首月按登记截止日，规则未确认" in todo
    ledger = (await bot.say(HR, "/ledger"))[0].text
    assert "断缴" not in ledger and "新员工首月 1 人" in ledger


async def test_case4_back_dated_hire_has_every_month_before_anyone_opens_the_ledger(
    bot: BotHarness,
) -> None:
    """Seen: only "10月社保待缴纳"; November appeared only after /ledger 2026-11 was opened."""
    await bot.join_as_hr(HR)
    done = await hire(bot, "王芳", 2, "2026-10-16")
    assert "10月、11月社保待缴纳" in done
    assert ledger_months(bot) == [date(2026, 10, 1), date(2026, 11, 1)]
    todo = (await bot.say(HR, "/todo"))[0].text
    assert "10月社保待缴纳" in todo and "11月社保待缴纳" in todo
    # October went with the registration (deadline 11-15) and is late now; November is not
    # due before 11-25 and is late too, by its own deadline.
    assert "截止 2026-11-15（周日），已逾期 15 天" in todo
    assert "截止 2026-11-25（周三），已逾期 5 天" in todo
    employee = (await bot.say(HR, "/employee 王芳"))[0].text
    assert "2026年10月：待申报" in employee and "2026年11月：待申报" in employee


async def test_case5_backpay_refuses_months_outside_the_employment(bot: BotHarness) -> None:
    """Seen: 2025-12 priced with a late fee for an employee whose first day is 2026-02-07."""
    await bot.join_as_hr(HR)
    await hire(bot, "赵敏", 3, "2026-02-07")
    await bot.say(HR, "/backpay")
    await bot.press(HR, "赵敏")
    refused = (await bot.say(HR, "2025-12"))[0].text
    assert "2025-12 不在赵敏的任职期间内（2026-02-07 至 今）" in refused
    assert "例如 2026-02" in refused
    asked = (await bot.say(HR, "2026-02"))[0].text
    assert "补缴测算（3/3）" in asked


async def test_case6_bulk_paid_skips_open_registrations_and_groups_cities(
    bot: BotHarness,
) -> None:
    """Seen: 全部标记已缴纳 marked an unregistered new hire paid; one deadline for four cities."""
    await bot.join_as_hr(HR)
    await hire(bot, "陈明远", 1, "2026-11-30")
    await hire(bot, "李娜", 4, "2026-09-01", city="沪")
    todo = await bot.say(HR, "/todo")
    assert todo
    await bot.press(HR, "✅ 李娜 社保登记 已办理")
    await bot.press(HR, "今天")

    ledger = (await bot.say(HR, "/ledger 2026-11"))[0]
    assert "<b>北京</b> 1 人，截止 2026-11-25（周三）" in ledger.raw_text
    assert "<b>上海</b> 1 人，截止" in ledger.raw_text
    assert "申报缴纳截止" not in ledger.text
    asked = (await bot.press(HR, "💰 全部标记已缴纳", expect=0))
    assert asked == []
    confirm = bot.api.last(HR)
    assert "<b>1</b> 人" in confirm.raw_text and "陈明远" in confirm.text
    await bot.press(HR, "✅ 确认", expect=0)
    done = bot.api.last(HR).text
    assert "社保登记尚未办理，未标记：陈明远" in done
    with Session(bot.engine) as session:
        states = {
            (r.employee_id, r.month): r.state for r in session.exec(select(LedgerMonth))
        }
    assert sorted(states.values()).count("paid") == 1


# ------------------------------------------------------------------------- imports


def xlsx(rows: list[list[object]]) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)  # type: ignore[union-attr]
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


async def send_file(bot: BotHarness, name: str, data: bytes) -> SentMessage:
    mark = bot.api.mark()
    bot.api.send_document(HR, name, data)
    return (await bot.api.wait_for_messages(HR, count=1, since=mark))[0]


async def confirm_import(bot: BotHarness) -> str:
    mark = bot.api.mark()
    progress = (await bot.press(HR, "✅ 确认导入"))[0]
    return (await bot.api.wait_for_edit(HR, progress.message_id, since=mark)).text


def todo_lines(text: str) -> list[str]:
    """/todo as "name title | due line" pairs, in the order shown."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    pairs = []
    for index, line in enumerate(lines):
        if line.startswith("截止"):
            head = lines[index - 1].split(". ", 1)[1].removeprefix("⚠️ ")
            pairs.append(f"{head} | {line}")
    return pairs


async def test_case2_import_of_current_staff_raises_no_false_alarm(bot: BotHarness) -> None:
    """Seen: 18 × "⚠️ 张伟 11月社保待缴纳 … 已逾期 5 天" and "断缴 23 人" after an import."""
    await bot.join_as_hr(HR)
    rows: list[list[object]] = [["姓名", "身份证号", "入职日期", "部门", "缴费基数"]]
    names = ("张伟 王芳 李强 赵敏 孙丽 周杰 吴磊 郑爽 冯刚 "
             "陈晨 褚亮 卫东 蒋欣 沈涛 韩梅 杨洋 朱婷 秦川")
    rows += [[name, make_id(100 + n), f"20{18 + n % 6}-0{1 + n % 9}-15", "后厨", 8000]
             for n, name in enumerate(names.split())]
    preview = await send_file(bot, "花名册.xlsx", xlsx(rows))
    assert "可导入 18 人" in preview.text
    assert "导入前已缴至 2026年11月（导入前已缴（未核对）" in preview.text
    labels = [label for label, _ in preview.buttons]
    assert labels[:3] == ["已缴至2026-09", "已缴至2026-10", "✓ 已缴至2026-11"]
    again = (await bot.press(HR, "已缴至2026-10"))[0]
    assert "导入前已缴至 2026年10月" in again.text
    await bot.press(HR, "已缴至2026-11")
    done = await confirm_import(bot)
    assert "新增 18 人" in done
    assert "没有待办" in (await bot.say(HR, "/todo"))[0].text
    ledger = (await bot.say(HR, "/ledger"))[0].text
    assert "断缴" not in ledger


async def test_case3_import_keeps_an_overdue_registration(bot: BotHarness) -> None:
    """Seen: 李娜 (first day 10-17, registration due 11-16) imported with no task or warning."""
    await bot.join_as_hr(HR)
    rows: list[list[object]] = [
        ["姓名", "身份证号", "入职日期", "部门", "缴费基数"],
        ["张伟", make_id(1), "2021-04-01", "后厨", 8000],
        ["李娜", make_id(2), "2026-10-17", "前厅", 8000],
    ]
    preview = await send_file(bot, "花名册.xlsx", xlsx(rows))
    assert "近90天入职 1 人：已登记 0 人，未登记 1 人" in preview.text
    assert "其中 1 人已超过30天登记期限" in preview.text
    assert "其中 1 人表中没有“参保状态”，按未登记处理" in preview.text
    await confirm_import(bot)
    todo = todo_lines((await bot.say(HR, "/todo"))[0].text)
    assert sorted(todo) == sorted([
        "李娜 社保登记 | 截止 2026-11-16（周一），已逾期 14 天",
        "李娜 10月社保待缴纳 | 截止 2026-11-16（周一），已逾期 14 天"
        "（待申报，新员工首月按登记截止日，规则未确认）",
        "李娜 11月社保待缴纳 | 截止 2026-11-25（周三），已逾期 5 天（待申报）",
    ])
    # the overdue reminder with its late-fee estimate, as /hire gives
    assert bot.app is not None and bot.app.services.reminders is not None
    bot.clock.set(datetime(2026, 12, 1, 9, 0, tzinfo=SHANGHAI))
    before = len(bot.api.sent(HR))
    await bot.app.services.reminders.tick()
    sent = [m.text for m in bot.api.sent(HR)[before:] if "李娜" in (m.text or "")]
    assert any("社保登记已逾期" in t and "预计滞纳金" in t for t in sent), sent


async def test_roster_import_produces_exactly_the_careful_hr_task_list(bot: BotHarness) -> None:
    """People at every stage; the tasks are exactly what a careful HR person writes down:

    - 张伟, staff since 2020, registered: nothing (paid up to November, unverified).
    - 刘洋, hired last week (11-23), not registered: register by 12-23; November goes with it.
    - 李娜, hired 40 days ago (10-21), not registered: registration overdue since 11-20;
      October went with it (overdue since 11-20); November overdue since its deadline 11-25.
    - 王强, left last month (10-31), registered: nothing.
    """
    await bot.join_as_hr(HR)
    rows: list[list[object]] = [
        ["姓名", "身份证号", "入职日期", "离职日期", "部门", "缴费基数", "参保状态"],
        ["张伟", make_id(11), "2020-03-02", "", "后厨", 8000, "已参保"],
        ["刘洋", make_id(12), "2026-11-23", "", "前厅", 8000, "未登记"],
        ["李娜", make_id(13), "2026-10-21", "", "前厅", 8000, "未登记"],
        ["王强", make_id(14), "2019-05-06", "2026-10-31", "后厨", 8000, "已参保"],
    ]
    preview = await send_file(bot, "花名册.xlsx", xlsx(rows))
    assert "可导入 4 人" in preview.text
    assert "近90天入职 2 人：已登记 0 人，未登记 2 人" in preview.text
    assert "其中 1 人已超过30天登记期限" in preview.text
    assert "表中没有“参保状态”" not in preview.text
    await confirm_import(bot)
    todo = todo_lines((await bot.say(HR, "/todo"))[0].text)
    assert sorted(todo) == sorted([
        "李娜 社保登记 | 截止 2026-11-20（周五），已逾期 10 天",
        "李娜 10月社保待缴纳 | 截止 2026-11-20（周五），已逾期 10 天"
        "（待申报，新员工首月按登记截止日，规则未确认）",
        "李娜 11月社保待缴纳 | 截止 2026-11-25（周三），已逾期 5 天（待申报）",
        "刘洋 社保登记 | 截止 2026-12-23（周三），剩余 23 天",
        "刘洋 11月社保待缴纳 | 截止 2026-12-23（周三），剩余 23 天"
        "（待申报，新员工首月按登记截止日，规则未确认）",
    ])


# ------------------------------------------------------------------- small things


async def test_city_shorthand_and_employee_lines(bot: BotHarness) -> None:
    await bot.join_as_hr(HR)
    await hire(bot, "陈明远", 1, "2026-11-30", city="上海市")
    await hire(bot, "王芳", 2, "2026-11-30", city="穗")
    employee = (await bot.say(HR, "/employee 陈明远"))[0].text
    assert "缴费基数 ¥8,000.00\n参保地 上海" in employee
    assert "参保地 广州" in (await bot.say(HR, "/employee 王芳"))[0].text
    rows: list[list[object]] = [
        ["姓名", "身份证号", "入职日期", "部门", "缴费基数", "参保地"],
        ["李娜", make_id(3), "2021-04-01", "后厨", 8000, "蓉"],
        ["赵敏", "1.10105E+17", "2021-04-01", "后厨", 8000, "京"],
    ]
    preview = await send_file(bot, "花名册.csv", "\n".join(
        ",".join(str(c) for c in row) for row in rows).encode())
    assert "可导入 1 人" in preview.text
    assert "第3行：身份证号码被表格存成了数字" in preview.text and "“文本”格式" in preview.text
    await confirm_import(bot)
    assert "参保地 成都" in (await bot.say(HR, "/employee 李娜"))[0].text


async def test_base_refusal_keeps_its_quote_and_lists_the_forms(bot: BotHarness) -> None:
    await bot.join_as_hr(HR)
    await bot.say(HR, "/hire")
    await bot.say(HR, "陈明远")
    await bot.say(HR, make_id(1))
    await bot.say(HR, "2026-11-30")
    await bot.say(HR, "后厨")
    refused = (await bot.say(HR, "五千五"))[0].text
    assert refused.startswith("❌ 缴费基数“五千五”不是有效金额")
    assert "8千" in refused and "1.2万" in refused and "8k" in refused
    assert "参保地" in (await bot.say(HR, "8千"))[0].text


async def test_leave_and_base_accept_a_typed_name_or_id_and_base_offers_no_early_month(
    bot: BotHarness,
) -> None:
    await bot.join_as_hr(HR)
    await hire(bot, "陈明远", 1, "2026-11-30")
    await hire(bot, "王芳", 2, "2026-12-05")
    await bot.say(HR, "/leave")
    asked = await bot.say(HR, "陈明", expect=2)
    assert "离职员工：陈明远" in asked[0].text and "最后工作日" in asked[1].text
    await bot.say(HR, "/cancel")
    await bot.say(HR, "/base")
    assert "没有找到" in (await bot.say(HR, "李四"))[0].text
    asked = await bot.say(HR, make_id(2), expect=2)
    assert "调整基数：王芳" in asked[0].text
    months = (await bot.say(HR, "9000"))[0]
    labels = [label for label, _ in months.buttons]
    assert labels == ["本月 2026-12", "下月 2027-01"]


async def test_import_mapping_shows_every_unknown_column_with_ignore_the_rest(
    bot: BotHarness,
) -> None:
    await bot.join_as_hr(HR)
    rows: list[list[object]] = [
        ["姓名", "身份证号", "到岗时间", "部门", "缴费基数", "备注", "工号", "手机"],
        ["李娜", make_id(3), "2021-04-01", "后厨", 8000, "老员工", "A01", "138"],
    ]
    ask = await send_file(bot, "花名册.xlsx", xlsx(rows))
    assert "无法识别表头“到岗时间”" in ask.text
    assert "另有 3 列也未识别：“备注”、“工号”、“手机”" in ask.text
    ask2 = (await bot.press(HR, "入职日期"))[0]
    assert "无法识别表头“备注”" in ask2.text and "“工号”、“手机”" in ask2.text
    preview = (await bot.press(HR, "忽略其余（共 3 列）"))[0]
    assert "可导入 1 人" in preview.text
