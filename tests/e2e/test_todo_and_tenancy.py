"""Onboarding by invite code, /todo with its buttons, employee views, and tenant isolation."""

from __future__ import annotations

from datetime import date, timedelta

from harness import HR, HR2, OTHER_HR, STRANGER, BotHarness
from sqlmodel import Session, select

from bot.services import onboarding
from models.company import Membership
from models.ledger import LedgerMonth
from models.task import Task

VALID_ID = "110101199003071233"
SECOND_ID = "110105198501010020"


async def hire(
    bot: BotHarness, user: int, name: str, id_number: str, city: str = "北京"
) -> None:
    await bot.say(user, "/hire")
    await bot.say(user, name)
    await bot.say(user, id_number)
    await bot.say(user, "12月1日")
    await bot.say(user, "后厨")
    await bot.say(user, "5000")
    await bot.press(user, f"{city}（默认）")
    replies = await bot.press(user, "✅ 确认")
    assert "已登记" in replies[0].text


async def test_onboarding_with_valid_used_expired_and_unknown_codes(bot: BotHarness) -> None:
    replies = await bot.say(STRANGER, "/start")
    assert "还没有加入任何公司" in replies[0].text and "邀请码" in replies[0].text

    _, code = bot.create_company("示例餐饮", "北京")
    assert "邀请码无效" in (await bot.say(STRANGER, "/start WRONGCODE123"))[0].text
    joined = (await bot.say(HR, f"/start {code}"))[0].text
    assert "已加入" in joined and "示例餐饮" in joined and "HR" in joined
    assert "已被使用" in (await bot.say(STRANGER, f"/start {code}"))[0].text
    assert "无需重复" in (await bot.say(HR, f"/start {code}"))[0].text

    company_id = bot.companies["示例餐饮"]
    expired = onboarding.create_invite(
        bot.engine, company_id, now=bot.clock.now() - timedelta(days=8), valid_days=7
    )
    assert "已过期" in (await bot.say(STRANGER, f"/start {expired.code}"))[0].text

    with Session(bot.engine) as session:
        members = session.exec(select(Membership)).all()
        assert [(m.telegram_user_id, m.role) for m in members] == [(HR, "hr")]
    # A member's plain /start shows what they can do.
    assert "/hire" in (await bot.say(HR, "/start"))[0].text


async def test_invite_links_are_refused_in_groups(bot: BotHarness) -> None:
    _, code = bot.create_company()
    replies = await bot.say(
        HR, f"/start {code}", chat_id=-100500, chat_type="group", chat_title="群"
    )
    assert "私聊" in replies[0].text


async def test_todo_shows_the_new_task_and_marks_it_done(bot: BotHarness) -> None:
    await bot.join_as_hr(HR)
    assert "没有待办" in (await bot.say(HR, "/todo"))[0].text
    await hire(bot, HR, "陈明远", VALID_ID)
    bot.clock.advance(timedelta(days=5))  # 2026-12-06

    todo = (await bot.say(HR, "/todo"))[0]
    assert "陈明远" in todo.text and "社保登记" in todo.text
    assert "2026-12-31（周四）" in todo.text and "剩余 25 天" in todo.text
    assert "12月社保待缴纳" in todo.text
    labels = [label for label, _ in todo.buttons]
    assert "✅ 陈明远 社保登记 已办理" in labels and any("已缴纳" in label for label in labels)

    prompt = (await bot.press(HR, "✅ 陈明远 社保登记 已办理"))[0].text
    assert "陈明远" in prompt and "2026-12-06" in prompt
    assert "不能晚于今天" in (await bot.say(HR, "明天"))[0].text
    assert "例如" in (await bot.say(HR, "上周"))[0].text
    done = (await bot.say(HR, "12月4日"))[0].text
    assert "已办理" in done and "2026-12-04" in done

    with Session(bot.engine) as session:
        task = session.exec(select(Task)).one()
        assert (task.status, task.done_on, task.done_by) == ("done", date(2026, 12, 4), HR)

    todo = (await bot.say(HR, "/todo"))[0]
    assert "社保登记" not in todo.text and "12月社保待缴纳" in todo.text
    await bot.press(HR, "💰 陈明远 12月 已缴纳")
    paid = (await bot.press(HR, "今天"))[0].text
    assert "已缴纳" in paid
    with Session(bot.engine) as session:
        month = session.exec(select(LedgerMonth)).one()
        assert (month.state, month.paid_on) == ("paid", date(2026, 12, 6))
    assert "没有待办" in (await bot.say(HR, "/todo"))[0].text


async def test_overdue_tasks_say_so(bot: BotHarness) -> None:
    await bot.join_as_hr(HR)
    await hire(bot, HR, "陈明远", VALID_ID)
    bot.clock.advance(timedelta(days=33))  # 2027-01-03
    todo = (await bot.say(HR, "/todo"))[0].text
    assert "已逾期 3 天" in todo and "⚠️" in todo


async def test_employee_views_mask_the_id_number(bot: BotHarness) -> None:
    await bot.join_as_hr(HR)
    await hire(bot, HR, "陈明远", VALID_ID)
    listing = (await bot.say(HR, "/employees"))[0].text
    assert "陈明远" in listing and "110101********1233" in listing and VALID_ID not in listing
    detail = (await bot.say(HR, "/employee 陈明远"))[0].text
    assert "110101********1233" in detail and "¥5,000.00" in detail and "待申报" in detail
    # The declared base is below Beijing's floor: the view says what the ledger bills.
    assert "2026年12月台账按 ¥7,270.00 计" in detail
    assert "没有找到" in (await bot.say(HR, "/employee 张三"))[0].text
    assert "/employee 陈明远" in (await bot.say(HR, "/employee"))[0].text
    # Personal data stays out of group chats.
    group = (await bot.say(HR, "/employees", chat_id=-100777, chat_type="group", chat_title="群"))
    assert "私聊" in group[0].text and "陈明远" not in group[0].text


async def test_a_second_company_cannot_see_the_first(bot: BotHarness) -> None:
    await bot.join_as_hr(HR, company="示例餐饮")
    await hire(bot, HR, "陈明远", VALID_ID)
    await bot.join_as_hr(OTHER_HR, company="另一家公司", city="上海")

    assert "没有待办" in (await bot.say(OTHER_HR, "/todo"))[0].text
    assert "还没有登记员工" in (await bot.say(OTHER_HR, "/employees"))[0].text
    assert "没有找到" in (await bot.say(OTHER_HR, "/employee 陈明远"))[0].text

    # The same 身份证 may be registered by another company (a person can change employer).
    await hire(bot, OTHER_HR, "陈明远", VALID_ID, city="上海")

    # Forged buttons naming the first company's task are refused and change nothing.
    with Session(bot.engine) as session:
        first_task = session.exec(select(Task).order_by(Task.id)).first()
        assert first_task is not None and first_task.id is not None
        first_row = session.exec(select(LedgerMonth).order_by(LedgerMonth.id)).first()
        assert first_row is not None
    before = len(bot.api.answered_callbacks)
    last = bot.api.last(OTHER_HR)
    bot.api.press_button(OTHER_HR, last.message_id, f"todo:done:{first_task.id}", strict=False)
    await bot.eventually(lambda: len(bot.api.answered_callbacks) > before)
    assert "找不到" in (bot.api.answered_callbacks[-1].text or "")
    bot.api.press_button(OTHER_HR, last.message_id, f"todo:paid:{first_row.id}", strict=False)
    await bot.eventually(lambda: len(bot.api.answered_callbacks) > before + 1)
    with Session(bot.engine) as session:
        assert session.get(Task, first_task.id).status == "open"  # type: ignore[union-attr]
        assert session.get(LedgerMonth, first_row.id).state == "pending"  # type: ignore[union-attr]


async def test_two_hr_of_one_company_share_the_list(bot: BotHarness) -> None:
    await bot.join_as_hr(HR)
    await bot.join_as_hr(HR2)
    await hire(bot, HR, "陈明远", VALID_ID)
    assert "陈明远" in (await bot.say(HR2, "/todo"))[0].text
