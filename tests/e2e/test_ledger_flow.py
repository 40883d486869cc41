"""The ledger end to end: roll-over (with downtime), /ledger marks, /leave and re-hire, /base."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from harness import HR, SHANGHAI, BotHarness
from sqlmodel import Session, select

from bot.local_api import SentMessage
from handlers.ledger import JOB_NAME
from models.employee import Employee
from models.ledger import LedgerMonth
from models.ledger_history import EmploymentPeriod
from models.task import Task
from policies.idnumber import check_digit


def make_id(serial: int) -> str:
    first17 = f"11010119900307{serial % 1000:03d}"
    return first17 + check_digit(first17)


def csv_file(
    *rows: str, header: str = "姓名,身份证号,入职日期,部门,缴费基数,参保地,已缴月份"
) -> bytes:
    return ("\n".join((header, *rows)) + "\n").encode("utf-8")


async def send_file(bot: BotHarness, name: str, data: bytes, expect: int = 1) -> list[SentMessage]:
    mark = bot.api.mark()
    bot.api.send_document(HR, name, data)
    return await bot.api.wait_for_messages(HR, count=expect, since=mark)


async def import_rows(bot: BotHarness, *rows: str, name: str = "员工.csv") -> None:
    preview = await send_file(bot, name, csv_file(*rows))
    assert "导入预览" in preview[0].text, preview[0].text
    mark = bot.api.mark()
    progress = (await bot.press(HR, "✅ 确认导入"))[0]
    done = await bot.api.wait_for_edit(HR, progress.message_id, since=mark)
    assert "导入完成" in done.text, done.text


async def run_rollover(bot: BotHarness) -> None:
    assert bot.app is not None and bot.app.job_queue is not None
    (job,) = bot.app.job_queue.get_jobs_by_name(JOB_NAME)
    await job.run(bot.app)


def ledger_months(bot: BotHarness, name: str) -> list[tuple[date, str, Decimal]]:
    with Session(bot.engine) as session:
        employee = session.exec(select(Employee).where(Employee.name == name)).one()
        rows = session.exec(
            select(LedgerMonth)
            .where(LedgerMonth.employee_id == employee.id)
            .order_by(LedgerMonth.month)
        ).all()
        return [(r.month, r.state, r.base) for r in rows]


async def test_rollover_across_downtime_and_marks(bot: BotHarness) -> None:
    await bot.join_as_hr(HR)
    await import_rows(
        bot,
        f"陈明远,{make_id(1)},2026-11-03,后厨,8000,北京,2026-11",
        f"李静,{make_id(2)},2026-12-01,前厅,9000,北京,",
    )
    assert [m for m, _, _ in ledger_months(bot, "陈明远")] == [
        date(2026, 11, 1),
        date(2026, 12, 1),
    ]

    # The bot is down from 1 December until 3 February: no tick runs on 1 January or 1 February.
    await bot.stop()
    bot.clock.set(datetime(2027, 2, 3, 9, 0, tzinfo=SHANGHAI))
    await bot.start()
    await run_rollover(bot)
    await run_rollover(bot)  # idempotent
    months = [m for m, _, _ in ledger_months(bot, "李静")]
    assert months == [date(2026, 12, 1), date(2027, 1, 1), date(2027, 2, 1)]

    replies = await bot.say(HR, "/ledger 2027-01")
    view = replies[0]
    assert "2027年1月社保台账" in view.text
    assert "待申报 2 人" in view.text
    assert "断缴" in view.text  # January is past its due date and still unpaid
    mark = bot.api.mark()
    bot.api.press_button_text(HR, "📝 李静 已申报")
    edited = await bot.api.wait_for_edit(HR, view.message_id, since=mark)
    assert "李静 2027年1月 已标记为已申报" in edited.text
    assert "已申报 1 人" in edited.text

    # 李静 was imported unregistered (issue 9): a bulk mark skips her until the registration is
    # recorded, so HR record it first.
    await bot.say(HR, "/todo")
    await bot.press(HR, "✅ 李静 社保登记 已办理")
    await bot.press(HR, "今天")
    await bot.say(HR, "/ledger 2027-01")
    replies = await bot.press(HR, "💰 全部标记已缴纳", expect=0)
    confirm = bot.api.last(HR)
    assert "全部标记为 已缴纳" in confirm.text
    mark = bot.api.mark()
    bot.api.press_button_text(HR, "✅ 确认")
    done = await bot.api.wait_for_edit(HR, confirm.message_id, since=mark)
    assert "2 人标记为已缴纳" in done.text
    assert ledger_months(bot, "李静")[1][1] == "paid"

    replies = await bot.say(HR, "/ledger 十二月")
    assert "/ledger 2026-12" in replies[0].text


async def test_leave_then_rehire_with_the_same_id_number(bot: BotHarness) -> None:
    await bot.join_as_hr(HR)
    await import_rows(bot, f"陈明远,{make_id(1)},2026-10-08,后厨,8000,北京,2026-10~2026-11")
    replies = await bot.say(HR, "/leave")
    assert "离职登记" in replies[0].text
    replies = await bot.press(HR, "陈明远（后厨）")
    assert "最后工作日" in replies[0].text
    replies = await bot.say(HR, "2026-09-30")
    assert "不能早于用工之日" in replies[0].text
    replies = await bot.say(HR, "12月20日")
    assert "离职原因" in replies[0].text
    replies = await bot.press(HR, "合同到期")
    assert "2026-12-20（周日）" in replies[0].text
    replies = await bot.press(HR, "✅ 确认")
    assert "已登记离职" in replies[0].text
    assert "减员" in replies[0].text
    with Session(bot.engine) as session:
        employee = session.exec(select(Employee)).one()
        assert employee.status == "left" and employee.last_day == date(2026, 12, 20)
        leave_task = session.exec(select(Task).where(Task.kind == "leave")).one()
        assert leave_task.due_date >= date(2026, 12, 20)

    # January comes; the leaver gets no January row.
    bot.clock.set(datetime(2027, 1, 4, 9, 0, tzinfo=SHANGHAI))
    await run_rollover(bot)
    assert [m for m, _, _ in ledger_months(bot, "陈明远")][-1] == date(2026, 12, 1)

    # Re-hired on 5 January: same record, new period, old months kept.
    bot.clock.set(datetime(2027, 1, 5, 9, 0, tzinfo=SHANGHAI))
    await import_rows(bot, f"陈明远,{make_id(1)},2027-01-05,后厨,8500,北京,", name="返聘.csv")
    with Session(bot.engine) as session:
        employee = session.exec(select(Employee)).one()
        assert employee.status == "active" and employee.first_day == date(2027, 1, 5)
        periods = session.exec(select(EmploymentPeriod).order_by(EmploymentPeriod.first_day)).all()
        assert [(p.first_day, p.last_day, p.leave_reason) for p in periods] == [
            (date(2026, 10, 8), date(2026, 12, 20), "合同到期"),
            (date(2027, 1, 5), None, None),
        ]
    months = ledger_months(bot, "陈明远")
    assert [(m, s) for m, s, _ in months][:2] == [
        (date(2026, 10, 1), "paid"),
        (date(2026, 11, 1), "paid"),
    ]
    assert months[-1][0] == date(2027, 1, 1)


async def test_restart_in_the_middle_of_leave_resumes_where_it_was(bot: BotHarness) -> None:
    """Each /leave step is saved before its question goes out: a crash loses no answer."""
    await bot.join_as_hr(HR)
    await import_rows(bot, f"陈明远,{make_id(1)},2026-10-08,后厨,8000,北京,2026-10~2026-11")
    await bot.say(HR, "/leave")
    await bot.restart(crash=True)
    replies = await bot.press(HR, "陈明远（后厨）")
    assert "最后工作日" in replies[0].text
    await bot.restart(crash=True)
    # The bot process is new; the answer to "最后工作日" is still expected.
    replies = await bot.say(HR, "12月20日")
    assert "离职原因" in replies[0].text
    await bot.restart(crash=True)
    replies = await bot.press(HR, "合同到期")
    assert "2026-12-20（周日）" in replies[0].text
    await bot.restart(crash=True)
    replies = await bot.press(HR, "✅ 确认")
    assert "已登记离职" in replies[0].text
    with Session(bot.engine) as session:
        employee = session.exec(select(Employee)).one()
        assert employee.status == "left" and employee.last_day == date(2026, 12, 20)
    await bot.restart(crash=True)
    # The finished conversation stays finished: its buttons are stale, /leave starts afresh.
    replies = await bot.say(HR, "/leave")
    assert "当前没有在职员工" in replies[0].text


async def test_base_change_mid_year(bot: BotHarness) -> None:
    bot.clock.set(datetime(2026, 8, 5, 10, 0, tzinfo=SHANGHAI))
    await bot.join_as_hr(HR)
    await import_rows(bot, f"陈明远,{make_id(1)},2026-03-02,后厨,8000,北京,2026-03~2026-06")
    replies = await bot.say(HR, "/base")
    assert "缴费基数调整" in replies[0].text
    await bot.press(HR, "陈明远（后厨）")
    replies = await bot.say(HR, "九千")
    assert "❌" in replies[0].text
    replies = await bot.say(HR, "9500")
    assert "生效月份" in replies[0].text
    replies = await bot.say(HR, "2026-07")
    assert "¥8,000.00" in replies[0].text and "¥9,500.00" in replies[0].text
    replies = await bot.press(HR, "✅ 确认")
    assert "已更新 2 个待申报月份" in replies[0].text
    months = {m: b for m, _, b in ledger_months(bot, "陈明远")}
    assert months[date(2026, 6, 1)] == Decimal("8000.00")
    assert months[date(2026, 7, 1)] == months[date(2026, 8, 1)] == Decimal("9500.00")

    # The yearly adjustment: a base below the new floor is shown as clamped.
    replies = await bot.say(HR, "/base_all 2026-09")
    assert "年度缴费基数调整" in replies[0].text
    file = "身份证号,缴费基数\n" + make_id(1) + ",3000\n"
    replies = await send_file(bot, "新基数.csv", file.encode("utf-8"))
    assert "按上下限调整 <b>1</b>" in (replies[0].raw_text or ""), replies[0].text
    assert "下限" in replies[0].text
    replies = await bot.press(HR, "✅ 确认调整")
    assert "年度基数调整完成" in replies[0].text


async def test_rollover_runs_by_itself_when_the_bot_starts(bot: BotHarness) -> None:
    """After downtime across the 1st, the start-up job catches up without any other trigger."""
    await bot.join_as_hr(HR)
    await import_rows(bot, f"陈明远,{make_id(1)},2026-12-01,后厨,8000,北京,")
    await bot.stop()
    bot.clock.set(datetime(2027, 2, 3, 9, 0, tzinfo=SHANGHAI))
    await bot.start()

    def months() -> list[date]:
        return [m for m, _, _ in ledger_months(bot, "陈明远")]

    await bot.eventually(lambda: date(2027, 2, 1) in months(), timeout=5)
    assert months() == [date(2026, 12, 1), date(2027, 1, 1), date(2027, 2, 1)]
