"""/backpay end to end: choose an employee or type a base, months, payment date → breakdown."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from harness import HR, OTHER_HR, STRANGER, BotHarness
from sqlmodel import Session, select

from models.employee import Employee
from models.ledger import LedgerMonth
from policies.backpay import back_payment
from policies.library import load_library

VALID_ID = "110101199003071233"


async def hire(bot: BotHarness, first_day: str, user: int = HR, name: str = "陈明远") -> None:
    await bot.say(user, "/hire")
    await bot.say(user, name)
    await bot.say(user, VALID_ID)
    await bot.say(user, first_day)
    await bot.say(user, "后厨")
    await bot.say(user, "5000")
    await bot.press(user, "北京（默认）")
    await bot.press(user, "✅ 确认")


def unpaid_months(bot: BotHarness) -> list[date]:
    with Session(bot.engine) as session:
        rows = session.exec(select(LedgerMonth).order_by(LedgerMonth.month)).all()
        return [r.month for r in rows if r.state in ("pending", "declared", "backpaying")]


async def test_backpay_for_an_employee_defaults_to_the_unpaid_ledger_months(
        bot: BotHarness) -> None:
    await bot.join_as_hr(HR)
    await hire(bot, "12月1日")
    await bot.eventually(lambda: unpaid_months(bot) != [])
    months = unpaid_months(bot)

    replies = await bot.say(HR, "/backpay")
    assert "补缴测算（1/3）" in replies[0].text
    assert [label for label, _ in replies[0].buttons] == ["陈明远"]

    replies = await bot.press(HR, "陈明远")
    asked = replies[0].text
    assert "补缴测算（2/3）" in asked and "¥5,000.00" in asked and "北京" in asked
    assert "2026-12" in asked
    assert any(m.text == "员工：陈明远" for m in bot.api.sent(HR) if m.edits)

    replies = await bot.press(HR, f"✅ 按未缴月份（{len(months)}个）")
    assert "补缴测算（3/3）" in replies[0].text

    # Bad date first: refused with the expected form, the conversation waits.
    assert "不是有效的日期" in (await bot.say(HR, "2026-02-30"))[0].text
    replies = await bot.say(HR, "2027-01-20")
    result = replies[0].text
    expected = back_payment(load_library().region("北京"), Decimal("5000"), months,
                            date(2027, 1, 20))
    assert "补缴测算结果" in result
    assert "员工 陈明远" in result
    assert "按下限" in result                              # 5000 is below Beijing's floor
    assert f"¥{expected.total:,.2f}" in result
    assert f"¥{expected.late_fee:,.2f}" in result
    assert "养老保险" in result and "工伤保险" in result
    assert "跨年补缴" in result                            # December paid in January
    assert "材料清单" in result and "劳动合同" in result
    assert "依据 北京2026年度" in result                     # 京人社发〔2026〕7号 bases
    # by hand at the 2026 floor 7,270: employer 1163.20 + 712.46 + 36.35 + 14.54,
    # employee 581.60 + 145.40 + 3 + 36.35
    assert "2026年12月：基数 ¥7,270.00（按下限），单位 ¥1,926.55，个人 ¥766.35" in result
    assert "未确认" in result
    assert VALID_ID not in result


async def test_backpay_with_a_typed_base_matches_the_cli_figures(bot: BotHarness) -> None:
    await bot.join_as_hr(HR)
    replies = await bot.say(HR, "/backpay")
    assert "没有员工记录" in replies[0].text

    assert "不是有效金额" in (await bot.say(HR, "五千块"))[0].text
    replies = await bot.say(HR, "5000")
    assert "请输入要补缴的月份" in replies[0].text
    assert replies[0].buttons == []

    assert "无法识别月份" in (await bot.say(HR, "2025-13"))[0].text
    replies = await bot.say(HR, "2025-12 2026-01")
    assert "2025-12、2026-01" in replies[0].text

    # A month after the payment date is refused and the date asked again.
    refusal = (await bot.say(HR, "2025-12-20"))[0].text
    assert "晚于计划缴费日期" in refusal

    result = (await bot.say(HR, "2026-01-20"))[0].text
    assert "2025年12月：基数 ¥7,162.00（按下限）" in result
    assert "滞纳金 ¥34.49（截止 2025-12-25，逾期 26 天）" in result
    assert "单位合计 ¥3,795.86" in result
    assert "个人合计 ¥1,510.02" in result
    assert "总计 ¥5,340.37" in result
    assert "跨年补缴" in result and "个税完税证明" in result
    assert "北京2025年度；北京2025年度（2026年1–6月）" in result


async def test_beijing_july_2026_is_charged_at_the_2025_base_first_then_trued_up(
        bot: BotHarness) -> None:
    """京人社发〔2026〕7号 came out 2026-08-21, after July's 25th: July is billed at the 2025
    floor first and the 补差 to the 2026 floor follows, with no announced fee-free window."""
    await bot.join_as_hr(HR)
    await bot.say(HR, "/backpay")
    await bot.say(HR, "5000")
    await bot.say(HR, "2026-07")
    result = (await bot.press(HR, "今天"))[0].text
    # by hand: at 7,162 employer 1145.92 + 701.88 + 35.81 + 14.32, employee 572.96 + 143.24
    # + 3 + 35.81 → 2652.94; at 7,270 → 2692.90; 补差 39.96
    assert "2026年7月：基数 ¥7,270.00（按下限）" in result
    assert "先按上年度基数 ¥7,162.00 缴 ¥2,652.94，补差 ¥39.96（补差期限未确认）" in result
    # 2652.94 × 0.05 % × 129 days (2026-07-26 … 2026-12-01) = 171.11
    assert "滞纳金 ¥171.11（截止 2026-07-25，逾期 129 天）" in result


async def test_today_button_and_cancel(bot: BotHarness) -> None:
    await bot.join_as_hr(HR)
    await bot.say(HR, "/backpay")
    await bot.say(HR, "8000")
    await bot.say(HR, "2026-10")
    result = (await bot.press(HR, "今天"))[0].text
    assert "计划缴费日 2026-12-01（周二）" in result
    assert "逾期 37 天" in result                         # due 2026-10-25

    await bot.say(HR, "/backpay")
    assert "已取消" in (await bot.say(HR, "/cancel"))[0].text


async def test_only_hr_of_the_company_and_only_its_employees(bot: BotHarness) -> None:
    await bot.join_as_hr(HR)
    await hire(bot, "12月1日")
    assert "还没有加入任何公司" in (await bot.say(STRANGER, "/backpay"))[0].text

    await bot.join_as_hr(OTHER_HR, company="沪上咖啡", city="上海")
    replies = await bot.say(OTHER_HR, "/backpay")
    assert replies[0].buttons == []                       # no employees of another company
    with Session(bot.engine) as session:
        foreign = session.exec(select(Employee)).one().id
    mark = bot.api.mark()
    bot.api.press_button(OTHER_HR, replies[0].message_id, f"backpay:emp:{foreign}",
                         strict=False)
    answered = await bot.api.wait_for_messages(OTHER_HR, count=1, since=mark)
    assert "补缴测算（1/3）" in answered[0].text
    assert bot.api.message(OTHER_HR, replies[0].message_id).text == \
        "该员工不存在或不属于您的公司，请重新选择。"
    assert "陈明远" not in " ".join(m.text or "" for m in bot.api.sent(OTHER_HR))


async def test_a_crash_mid_conversation_resumes_at_the_same_question(bot: BotHarness) -> None:
    await bot.join_as_hr(HR)
    await bot.say(HR, "/backpay")
    await bot.say(HR, "5000")
    assert "补缴测算（3/3）" in (await bot.say(HR, "2025-12 2026-01"))[0].text
    await bot.restart(crash=True)
    result = (await bot.say(HR, "2026-01-20"))[0].text
    assert "总计 ¥5,340.37" in result
