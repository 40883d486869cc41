"""Employees in the bot (issue 12): /me, a personal answer to "what does my gap mean", and a
complaint that HR answer — each person seeing only their own.

The employee's binding (`membership.employee_id`) is made by HR's `/invite employee 姓名`
deep link (docs/roles.md), exactly as a real employee would join.
"""

from __future__ import annotations

import io
import re
from datetime import date, datetime

from docx import Document
from harness import HR, OTHER_HR, SHANGHAI, BotHarness
from sqlmodel import Session, col, select

from bot.callbacks import ComplaintReply, ComplaintShow
from bot.local_api import SentMessage
from bot.services import onboarding
from models.company import Membership, Role
from models.complaint import Complaint, SentDocument, open_complaints_by_department
from models.employee import Employee
from models.kpi_events import complaint_events
from policies.idnumber import check_digit

INVITE_LINK = re.compile(r"https://t\.me/\w+\?start=([\w-]+)")

EMPLOYEE = 3001
COLLEAGUE = 3002


def id_number(serial: str) -> str:
    first17 = f"11010119900307{serial}"
    return first17 + check_digit(first17)


async def hire(bot: BotHarness, name: str, serial: str, department: str = "后厨") -> None:
    """北京, 用工之日 2026-12-01, base 8000."""
    await bot.say(HR, "/hire")
    await bot.say(HR, name)
    await bot.say(HR, id_number(serial))
    await bot.say(HR, "12月1日")
    await bot.say(HR, department)
    await bot.say(HR, "8000")
    await bot.press(HR, "北京（默认）")
    (done,) = await bot.press(HR, "✅ 确认")
    assert "已登记" in done.text


async def bind_employee(bot: BotHarness, user_id: int, name: str,
                        company: str = "示例餐饮") -> None:
    """The employee joins through HR's `/invite employee 姓名` deep link, as in the product."""
    company_id = bot.companies[company]
    [answer] = await bot.say(HR, f"/invite employee {name}")
    found = INVITE_LINK.search(answer.text or "")
    assert found is not None, answer.text
    await bot.say(user_id, f"/start {found[1]}")
    with Session(bot.engine) as session:
        employee = session.exec(select(Employee).where(Employee.company_id == company_id,
                                                       Employee.name == name)).one()
        membership = session.exec(select(Membership).where(
            Membership.telegram_user_id == user_id, Membership.company_id == company_id)).one()
        assert membership.employee_id == employee.id, "the invite binds the employee record"


async def tick(bot: BotHarness) -> None:
    assert bot.app is not None and bot.app.services.reminders is not None
    await bot.app.services.reminders.tick()


def texts(bot: BotHarness, chat: int) -> list[str]:
    return [m.text or "" for m in bot.api.sent(chat)]


async def test_employee_me_impact_and_complaint_answered(bot: BotHarness) -> None:
    company_id = await bot.join_as_hr(HR)
    await hire(bot, "陈明远", "123")
    await hire(bot, "李华", "456", department="前厅")
    bot.clock.set(datetime(2027, 1, 15, 10, tzinfo=SHANGHAI))
    await tick(bot)  # the registration reminders due by now go out first
    await bind_employee(bot, EMPLOYEE, "陈明远")
    await bind_employee(bot, COLLEAGUE, "李华")

    (help_text,) = await bot.say(EMPLOYEE, "/help")
    assert "/me" in help_text.text and "/complaint" in help_text.text
    assert "/hire" not in help_text.text and "/complaints" not in help_text.text
    (refused,) = await bot.say(EMPLOYEE, "/hire")
    assert "仅限HR" in refused.text

    (me,) = await bot.say(EMPLOYEE, "/me")
    assert "陈明远" in me.text and "后厨" in me.text
    assert "2026年12月" in me.text and "未缴纳" in me.text
    assert "李华" not in me.text and id_number("123") not in me.text

    (answer,) = await bot.say(EMPLOYEE, "我12月社保没交会影响什么")
    assert "陈明远，您的2026年12月社保未按时缴纳" in answer.text
    assert "养老保险" in answer.text and "医疗保险" in answer.text
    assert "住房公积金" in answer.text and "估算" in answer.text
    (medical,) = await bot.say(EMPLOYEE, "断缴会影响医保报销吗")
    assert "2026年12月" in medical.text and "报销" in medical.text
    (outside,) = await bot.say(EMPLOYEE, "我11月社保没交会影响什么")
    assert "2026年11月不在您在本公司的参保月份内" in outside.text
    (general,) = await bot.say(EMPLOYEE, "北京跨年补缴需要什么材料")
    assert "陈明远" not in general.text  # a general question stays with the policy library

    (asked,) = await bot.say(EMPLOYEE, "/complaint")
    assert "请直接输入" in asked.text
    (filed,) = await bot.say(EMPLOYEE, "我12月的社保还没有缴纳，请尽快处理")
    assert "已提交" in filed.text
    with Session(bot.engine) as session:
        complaint = session.exec(select(Complaint)).one()
        assert complaint.company_id == company_id and complaint.department_id is not None
        assert open_complaints_by_department(session, company_id) == {
            complaint.department_id: 1}
        # the KPI counts it in the employee's department on the day it was filed
        (event,) = complaint_events(session, company_id, date(2027, 1, 1), date(2027, 1, 31))
        assert (event.department_id, event.on) == (complaint.department_id, date(2027, 1, 15))
        assert complaint_events(session, company_id, date(2027, 1, 1), date(2027, 1, 31),
                                frozenset({None})) == []
        complaint_id = complaint.id
    assert complaint_id is not None

    colleague_before = len(bot.api.sent(COLLEAGUE))
    mark = bot.api.mark()
    await tick(bot)
    (notice,) = await bot.api.wait_for_messages(HR, count=1, since=mark)
    assert "员工社保投诉" in notice.text and "陈明远" in notice.text and "后厨" in notice.text
    assert "我12月的社保还没有缴纳" in notice.text
    assert [label for label, _ in notice.buttons] == ["💬 回复", "✅ 关闭投诉"]

    (listing,) = await bot.say(HR, "/complaints")
    assert "陈明远" in listing.text and "待处理" in listing.text

    (ask_reply,) = await bot.press(HR, "💬 回复")
    assert "请输入回复内容" in ask_reply.text
    (replied,) = await bot.say(HR, "已安排1月20日前补缴，补缴后不影响您的待遇。")
    assert "已回复 陈明远" in replied.text
    mark = bot.api.mark()
    await tick(bot)
    (received,) = await bot.api.wait_for_messages(EMPLOYEE, count=1, since=mark)
    assert "HR已回复您的社保投诉" in received.text
    assert "已安排1月20日前补缴" in received.text

    # the colleague heard nothing of it and cannot reach it
    assert len(bot.api.sent(COLLEAGUE)) == colleague_before
    (colleague_me,) = await bot.say(COLLEAGUE, "/me")
    assert "李华" in colleague_me.text and "陈明远" not in colleague_me.text
    (not_hr,) = await bot.say(COLLEAGUE, "/complaints")
    assert "仅限HR" in not_hr.text
    anchor = colleague_me.message_id
    mark = bot.api.mark()
    bot.api.press_button(COLLEAGUE, anchor, ComplaintReply(complaint_id).data, strict=False)
    (forged,) = await bot.api.wait_for_messages(COLLEAGUE, count=1, since=mark)
    assert "仅限HR" in forged.text and "陈明远" not in forged.text

    # another company's HR sees nothing of it either
    await bot.join_as_hr(OTHER_HR, company="另一家公司")
    (other_list,) = await bot.say(OTHER_HR, "/complaints")
    assert "暂无投诉" in other_list.text and "陈明远" not in other_list.text
    anchor = other_list.message_id
    mark = bot.api.mark()
    bot.api.press_button(OTHER_HR, anchor, ComplaintShow(complaint_id).data, strict=False)
    (other_show,) = await bot.api.wait_for_messages(OTHER_HR, count=1, since=mark)
    assert "找不到该投诉" in other_show.text and "陈明远" not in other_show.text

    # HR close it: it no longer counts as open
    await bot.press(HR, "✅ 关闭投诉", expect=0)
    with Session(bot.engine) as session:
        assert open_complaints_by_department(session, company_id) == {}
        assert session.exec(select(Complaint.status).where(
            col(Complaint.id) == complaint_id)).one() == "closed"


async def test_a_user_without_a_binding_is_told_to_ask_hr(bot: BotHarness) -> None:
    company_id = await bot.join_as_hr(HR)
    invite = onboarding.create_invite(bot.engine, company_id, now=bot.clock.now(),
                                      valid_days=7, role=Role.EMPLOYEE)
    await bot.say(EMPLOYEE, f"/start {invite.code}")
    (me,) = await bot.say(EMPLOYEE, "/me")
    assert "还没有关联员工档案" in me.text
    (complaint,) = await bot.say(EMPLOYEE, "/complaint 没交社保")
    assert "还没有关联员工档案" in complaint.text
    (hr_me,) = await bot.say(HR, "/me")
    assert "仅限员工" in hr_me.text


def docx_text(data: bytes | None) -> str:
    assert data is not None
    document = Document(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    parts += [c.text for t in document.tables for row in t.rows for c in row.cells]
    return "\n".join(parts)


async def open_december_case(bot: BotHarness) -> SentMessage:
    """/backpay for 陈明远's December, then 生成补缴案例: the case view."""
    await bot.say(HR, "/backpay")
    await bot.press(HR, "陈明远")
    await bot.say(HR, "2026-12")
    await bot.say(HR, "2027-01-20")
    await bot.press(HR, "🧾 生成补缴案例")
    (case,) = await bot.press(HR, "入职信息未同步")
    assert "已创建补缴案例" in case.text
    return case


async def test_hr_send_the_case_letter_and_impact_note_to_the_bound_employee(
        bot: BotHarness) -> None:
    await bot.join_as_hr(HR)
    await hire(bot, "陈明远", "123")
    bot.clock.set(datetime(2027, 1, 15, 10, tzinfo=SHANGHAI))
    await tick(bot)
    case = await open_december_case(bot)
    assert "📨 发送给员工" not in [label for label, _ in case.buttons]  # nobody bound yet

    await bind_employee(bot, EMPLOYEE, "陈明远")
    (listing,) = await bot.say(HR, "/cases")
    (view,) = await bot.press(HR, next(label for label, _ in listing.buttons if "陈明远" in label))
    assert "📨 发送给员工" in [label for label, _ in view.buttons]
    (queued,) = await bot.press(HR, "📨 发送给员工")
    assert "已安排发送给 陈明远" in queued.text and "说明函" in queued.text

    (pending_me,) = await bot.say(EMPLOYEE, "/me")
    assert "发送中" in pending_me.text and "补缴办理" in pending_me.text

    mark = bot.api.mark()
    await tick(bot)
    letter, impact = await bot.api.wait_for_messages(EMPLOYEE, count=2, since=mark)
    assert letter.document_name == "社保补缴说明函_陈明远_2026-12.docx"
    assert impact.document_name == "跨年补缴权益影响说明_陈明远_2026-12.docx"
    assert "补缴说明文件" in (impact.text or "")
    for sent in (letter, impact):
        text = docx_text(sent.document_bytes)
        assert "110101********" in text and id_number("123") not in text

    (me,) = await bot.say(EMPLOYEE, "/me")
    assert "社保补缴说明函_陈明远_2026-12.docx" in me.text and "发送中" not in me.text
    with Session(bot.engine) as session:
        rows = session.exec(select(SentDocument)).all()
        assert len(rows) == 2 and all(r.content is None and r.delivered_at for r in rows)
