"""/hire end to end: HR records a hire by conversation; the obligations exist at once."""

from __future__ import annotations

from datetime import date, timedelta

from harness import HR, BotHarness
from sqlmodel import Session, col, select

from models.audit import AuditLog
from models.employee import Department, Employee
from models.ledger import LedgerMonth
from models.ptb_state import PtbState
from models.task import Task

VALID_ID = "110101199003071233"
OTHER_ID = "110105198501010020"


def counts(bot: BotHarness) -> tuple[int, int, int]:
    with Session(bot.engine) as session:
        return (
            len(session.exec(select(Employee)).all()),
            len(session.exec(select(Task)).all()),
            len(session.exec(select(LedgerMonth)).all()),
        )


async def hire_until_confirm(bot: BotHarness, user: int = HR, id_number: str = VALID_ID) -> str:
    await bot.say(user, "/hire")
    await bot.say(user, "陈明远")
    await bot.say(user, id_number)
    await bot.say(user, "12月1日")
    await bot.say(user, "后厨")
    await bot.say(user, "5000")
    replies = await bot.press(user, "北京（默认）")
    return replies[0].text


async def test_full_hire_with_every_validation_error_tried_once(bot: BotHarness) -> None:
    await bot.join_as_hr(HR)
    replies = await bot.say(HR, "/hire")
    assert "入职登记（1/6）" in replies[0].text

    # Name: too short, then valid.
    assert "2–30个字" in (await bot.say(HR, "陈"))[0].text
    assert "身份证号码（18位）" in (await bot.say(HR, "陈明远"))[0].text

    # 身份证: wrong length, bad check digit (the UX example), bad region, bad birth date.
    assert "18位" in (await bot.say(HR, "1101011990030712"))[0].text
    refusal = (await bot.say(HR, "11010119900307123X"))[0].text
    assert "校验位不正确" in refusal and "末位可为X" in refusal
    assert "行政区划" in (await bot.say(HR, "990101199003071233"))[0].text
    assert "出生日期" in (await bot.say(HR, "110101199013071233"))[0].text
    assert "用工之日" in (await bot.say(HR, VALID_ID))[0].text

    # First day: unparseable, too far ahead, then the Chinese month-day form.
    assert "例如" in (await bot.say(HR, "下个月"))[0].text
    assert "60天" in (await bot.say(HR, "2027-03-01"))[0].text
    replies = await bot.say(HR, "12月1日")
    assert "入职登记（4/6）" in replies[0].text

    # No departments yet: the name is typed.
    assert "缴费工资基数" in (await bot.say(HR, "后厨"))[0].text

    # Base: not a number, negative, then valid.
    assert "不是有效金额" in (await bot.say(HR, "五千"))[0].text
    assert "大于0" in (await bot.say(HR, "-5000"))[0].text
    replies = await bot.say(HR, "5000")
    assert "参保地" in replies[0].text

    # City: not a city name, then the default button.
    assert "中文名称" in (await bot.say(HR, "Beijing"))[0].text
    replies = await bot.press(HR, "北京（默认）")
    summary = replies[0].text
    assert "请核对入职信息" in summary
    assert "110101********1233" in summary and VALID_ID not in summary
    assert "2026-12-01（周二）" in summary
    assert "2026-12-31（周四）" in summary and "第58条" in summary
    # 5000 is below Beijing's 2026 floor: the summary says it is clamped and by which version.
    # The floor is published now (京人社发〔2026〕7号, S), so it is no longer called 未确认
    # (a carried-forward limit still is: tests/unit/policies/test_month_price.py, 杭州).
    assert "¥5,000.00" in summary and "北京2026年度下限 7,270.00，已按下限调整" in summary
    assert "未确认" not in summary
    # The pressed button's message now records the choice.
    assert any(m.text == "参保地：北京" for m in bot.api.sent(HR) if m.edits)

    # Text while the summary waits for a button: re-asked, nothing written.
    assert "点击" in (await bot.say(HR, "好的"))[0].text
    assert counts(bot) == (0, 0, 0)

    replies = await bot.press(HR, "✅ 确认")
    done = replies[0].text
    assert "已登记" in done and "截止 2026-12-31（周四），剩余30天" in done
    assert "12月社保待缴纳（基数 ¥7,270.00，单位" in done

    with Session(bot.engine) as session:
        employee = session.exec(select(Employee)).one()
        assert (employee.name, employee.id_number, employee.first_day) == (
            "陈明远",
            VALID_ID,
            date(2026, 12, 1),
        )
        assert session.exec(select(Department)).one().name == "后厨"
        task = session.exec(select(Task)).one()
        expected_task = ("registration", date(2026, 12, 31), "open")
        assert (task.kind, task.due_date, task.status) == expected_task
        month = session.exec(select(LedgerMonth)).one()
        expected_month = (date(2026, 12, 1), "pending", "7270.00")
        assert (month.month, month.state, str(month.base)) == expected_month
        assert month.employer_amount is not None and month.employee_amount is not None
        assert month.employer_amount > month.employee_amount > 0
        audit = session.exec(select(AuditLog).where(AuditLog.action == "employee.hired")).one()
        assert VALID_ID not in str(audit.detail) and "5000" not in str(audit.detail)

    def conversation_rows() -> list[PtbState]:
        with Session(bot.engine) as session:
            kind = PtbState.kind == "conversation:dialog"
            return list(session.exec(select(PtbState).where(kind)))

    # The conversation is over: its persisted state is gone too.
    await bot.eventually(lambda: conversation_rows() == [])


async def test_duplicate_id_is_refused_naming_the_existing_record(bot: BotHarness) -> None:
    await bot.join_as_hr(HR)
    await hire_until_confirm(bot)
    await bot.press(HR, "✅ 确认")
    await bot.say(HR, "/hire")
    await bot.say(HR, "王小二")
    refusal = (await bot.say(HR, VALID_ID))[0].text
    assert "已登记" in refusal and "陈明远" in refusal and "110101********1233" in refusal
    assert VALID_ID not in refusal
    assert counts(bot) == (1, 1, 1)


async def test_department_buttons_and_new_department(bot: BotHarness) -> None:
    await bot.join_as_hr(HR)
    await hire_until_confirm(bot)
    await bot.press(HR, "✅ 确认")
    await bot.say(HR, "/hire")
    await bot.say(HR, "王小二")
    await bot.say(HR, OTHER_ID)
    replies = await bot.say(HR, "今天")
    labels = [label for label, _ in replies[0].buttons]
    assert labels == ["后厨", "➕ 新部门"]
    replies = await bot.press(HR, "➕ 新部门")
    assert "新部门名称" in replies[0].text
    assert "缴费工资基数" in (await bot.say(HR, "前厅"))[0].text
    await bot.say(HR, "6000")
    summary = (await bot.say(HR, "上海"))[0].text
    assert "<b>部门</b> 前厅" in summary or "部门 前厅" in summary
    assert "上海" in summary
    await bot.press(HR, "✅ 确认")
    with Session(bot.engine) as session:
        assert sorted(d.name for d in session.exec(select(Department))) == ["前厅", "后厨"]
        wang = session.exec(select(Employee).where(Employee.name == "王小二")).one()
        assert wang.insured_city == "上海"


async def test_edit_from_the_summary(bot: BotHarness) -> None:
    await bot.join_as_hr(HR)
    await hire_until_confirm(bot)
    replies = await bot.press(HR, "✏️ 修改")
    assert "要修改的项目" in replies[0].text
    replies = await bot.press(HR, "缴费基数")
    assert "缴费工资基数" in replies[0].text
    summary = (await bot.say(HR, "8000"))[0].text
    assert "¥8,000.00" in summary and "请核对入职信息" in summary
    await bot.press(HR, "✅ 确认")
    with Session(bot.engine) as session:
        assert str(session.exec(select(Employee)).one().base) == "8000.00"


async def test_cancel_at_any_step_writes_nothing(bot: BotHarness) -> None:
    await bot.join_as_hr(HR)
    await bot.say(HR, "/hire")
    await bot.say(HR, "陈明远")
    replies = await bot.say(HR, "/cancel")
    assert "已取消入职登记" in replies[0].text
    # After /cancel, plain text no longer feeds the conversation.
    await bot.api.expect_silence(HR, 0.2)
    await hire_until_confirm(bot)
    summary = bot.api.last(HR)
    stale = next(data for label, data in summary.buttons if label == "✅ 确认")
    assert stale is not None
    replies = await bot.press(HR, "✖️ 取消")
    assert "已取消" in replies[0].text
    assert counts(bot) == (0, 0, 0)
    # A stale 确认 from the old summary (e.g. a second device) does nothing but explain.
    before = len(bot.api.answered_callbacks)
    bot.api.press_button(HR, summary.message_id, stale, strict=False)
    await bot.eventually(lambda: len(bot.api.answered_callbacks) > before)
    assert "已结束" in (bot.api.answered_callbacks[-1].text or "")
    assert counts(bot) == (0, 0, 0)


async def test_restart_in_the_middle_of_hire_resumes_where_it_was(bot: BotHarness) -> None:
    await bot.join_as_hr(HR)
    await bot.say(HR, "/hire")
    await bot.say(HR, "陈明远")
    await bot.say(HR, VALID_ID)
    await bot.restart(crash=True)
    # The bot process is new; the answer to "用工之日" is still expected.
    replies = await bot.say(HR, "12月1日")
    assert "入职登记（4/6）" in replies[0].text
    await bot.say(HR, "后厨")
    await bot.say(HR, "5000")
    await bot.restart(crash=True)
    summary = (await bot.press(HR, "北京（默认）"))[0].text
    assert "陈明远" in summary and "110101********1233" in summary
    await bot.restart(crash=True)
    await bot.press(HR, "✅ 确认")
    assert counts(bot) == (1, 1, 1)


async def test_hire_is_refused_to_strangers_and_in_groups(bot: BotHarness) -> None:
    replies = await bot.say(5555, "/hire")
    assert "还没有加入任何公司" in replies[0].text
    await bot.join_as_hr(HR)
    replies = await bot.say(HR, "/hire", chat_id=-100123, chat_type="group", chat_title="HR群")
    assert "私聊" in replies[0].text


async def test_late_first_day_is_accepted_with_a_warning(bot: BotHarness) -> None:
    await bot.join_as_hr(HR)
    await bot.say(HR, "/hire")
    await bot.say(HR, "陈明远")
    await bot.say(HR, VALID_ID)
    replies = await bot.say(HR, "2026-10-01", expect=2)
    assert "已过" in replies[0].text and "2026-10-31（周六）" in replies[0].text
    assert "入职登记（4/6）" in replies[1].text
    await bot.say(HR, "后厨")
    await bot.say(HR, "8000")
    await bot.press(HR, "北京（默认）")
    done = (await bot.press(HR, "✅ 确认"))[0].text
    assert "已逾期31天" in done
    # October could be paid with the registration until its deadline (10-31, first-month rule),
    # and November's Beijing window (by 11-25) closed too, before the hire was recorded.
    assert "10月社保缴费截止日 2026-10-31（周六） 已过" in done and "/backpay" in done
    assert "11月社保缴费截止日 2026-11-25（周三） 已过" in done


async def test_no_back_payment_warning_when_the_month_is_still_open(bot: BotHarness) -> None:
    await bot.join_as_hr(HR)
    await hire_until_confirm(bot)
    done = (await bot.press(HR, "✅ 确认"))[0].text
    assert "需按补缴办理" not in done


async def test_rehire_through_hire_keeps_history(bot: BotHarness) -> None:
    """A former employee's 身份证 starts a new employment period instead of being refused."""
    await bot.join_as_hr(HR)
    await hire_until_confirm(bot)
    await bot.press(HR, "✅ 确认")
    await bot.say(HR, "/leave")
    await bot.press(HR, "陈明远（后厨）")
    await bot.say(HR, "12月20日")
    await bot.press(HR, "合同到期")
    assert "已登记离职" in (await bot.press(HR, "✅ 确认"))[0].text

    bot.clock.advance(timedelta(days=40))  # 2027-01-10
    await bot.say(HR, "/hire")
    await bot.say(HR, "陈明远")
    replies = await bot.say(HR, VALID_ID, expect=2)
    assert "曾在本公司任职" in replies[0].text and "2026-12-20离职" in replies[0].text
    assert "用工之日" in replies[1].text
    await bot.say(HR, "今天")
    await bot.press(HR, "后厨")
    await bot.say(HR, "6000")
    summary = (await bot.press(HR, "北京（默认）"))[0].text
    assert "再次入职" in summary
    done = (await bot.press(HR, "✅ 确认"))[0].text
    assert "已登记" in done and "2027-02-09" in done
    with Session(bot.engine) as session:
        employee = session.exec(select(Employee)).one()
        assert (employee.status, employee.first_day, employee.last_day) == (
            "active",
            date(2027, 1, 10),
            None,
        )
        months = [row.month for row in session.exec(select(LedgerMonth))]
        assert date(2026, 12, 1) in months and date(2027, 1, 1) in months
        tasks = session.exec(select(Task).where(Task.kind == "registration")).all()
        assert len(tasks) == 2


async def test_rehire_through_hire_writes_one_audit_row(bot: BotHarness) -> None:
    """A re-hire is one event: one `employee.rehired` row, carrying the draft's key and rows.

    It used to be two: the re-hire helper wrote one and /hire wrote its own beside it.
    """
    await bot.join_as_hr(HR)
    await hire_until_confirm(bot)
    await bot.press(HR, "✅ 确认")
    await bot.say(HR, "/leave")
    await bot.press(HR, "陈明远（后厨）")
    await bot.say(HR, "12月20日")
    await bot.press(HR, "合同到期")
    await bot.press(HR, "✅ 确认")
    bot.clock.advance(timedelta(days=40))
    await bot.say(HR, "/hire")
    await bot.say(HR, "陈明远")
    await bot.say(HR, VALID_ID, expect=2)
    await bot.say(HR, "今天")
    await bot.press(HR, "后厨")
    await bot.say(HR, "6000")
    assert "再次入职" in (await bot.press(HR, "北京（默认）"))[0].text
    assert "已登记" in (await bot.press(HR, "✅ 确认"))[0].text
    with Session(bot.engine) as session:
        actions = [entry.action for entry in session.exec(select(AuditLog))]
        rehired = session.exec(
            select(AuditLog).where(AuditLog.action == "employee.rehired")
        ).all()
        newest = select(Task).where(Task.kind == "registration").order_by(col(Task.id).desc())
        task = session.exec(newest).first()
    assert actions.count("employee.hired") == 1 and actions.count("employee.left") == 1
    assert len(rehired) == 1, [entry.detail for entry in rehired]
    assert task is not None and rehired[0].detail["task_id"] == task.id
    assert rehired[0].detail["hire_key"]


async def test_insured_city_is_named_as_the_policy_library_names_it(bot: BotHarness) -> None:
    await bot.join_as_hr(HR)
    await bot.say(HR, "/hire")
    await bot.say(HR, "陈明远")
    await bot.say(HR, VALID_ID)
    await bot.say(HR, "12月1日")
    await bot.say(HR, "后厨")
    await bot.say(HR, "9000")
    summary = (await bot.say(HR, "上海市"))[0].text
    assert "<b>参保地</b> 上海" in bot.api.last(HR).raw_text and "上海" in summary
    other = await bot.press(HR, "✏️ 修改")
    assert other
    await bot.press(HR, "参保地")
    summary = (await bot.say(HR, "南京"))[0].text
    assert "南京暂无专门政策数据，按全国默认规则估算" in summary
