"""The employee feature's outbox notices as each addressee reads them (bot/channels/present.py)."""

from __future__ import annotations

from datetime import date
from typing import Any

from bot import callbacks
from bot.callbacks import ComplaintClose, ComplaintReply
from bot.channels.base import Endpoint
from bot.channels.present import present
from bot.services.notifications import (
    Addressee,
    Attachment,
    ComplaintAnsweredFacts,
    ComplaintFiledFacts,
    DocumentsForEmployeeFacts,
    EndpointGoneFacts,
    Notification,
)
from policies.reminder_plan import ReminderKind

HR = Addressee(Endpoint.telegram(1001), membership_id=1)
EMPLOYEE = Addressee(Endpoint.telegram(3001), membership_id=7)


def note(facts: Any, kind: ReminderKind) -> Notification:
    return Notification(reminder_id=42, company_id=1, kind=kind, facts=facts, addressees=(),
                        already_delivered=0, catch_up=False, due_date=date(2027, 1, 15))


def test_a_filed_complaint_reads_with_reply_and_close_buttons_and_is_personal() -> None:
    facts = ComplaintFiledFacts(5, "陈明远", "后厨", "我<12月>的社保没交", date(2027, 1, 15))
    shown = present(note(facts, ReminderKind.COMPLAINT_FILED), HR)
    assert "员工社保投诉" in shown.html and "陈明远（后厨）" in shown.html
    assert "我&lt;12月&gt;的社保没交" in shown.html  # escaped like every echo
    assert [a.label for a in shown.actions] == ["💬 回复", "✅ 关闭投诉"]
    assert [a.callback_data for a in shown.actions] == [ComplaintReply(5).data,
                                                        ComplaintClose(5).data]
    assert all(callbacks.is_valid(a.callback_data) for a in shown.actions)
    assert shown.personal and shown.title == "员工社保投诉"


def test_an_answer_reads_the_complaint_and_the_reply() -> None:
    facts = ComplaintAnsweredFacts(5, "我12月的社保没交", date(2027, 1, 15), "已补缴")
    shown = present(note(facts, ReminderKind.COMPLAINT_ANSWERED), EMPLOYEE)
    assert "HR已回复您的社保投诉" in shown.html and "已补缴" in shown.html
    assert "2027-01-15" in shown.html and not shown.actions and shown.personal


def test_documents_have_a_short_caption() -> None:
    facts = DocumentsForEmployeeFacts("陈明远", (date(2026, 12, 1),),
                                      (Attachment("a.docx", b"x"), Attachment("b.docx", b"y")))
    shown = present(note(facts, ReminderKind.DOCUMENTS_TO_EMPLOYEE), EMPLOYEE)
    assert "2026年12月" in shown.html and shown.personal
    assert len(shown.html) < 1024  # Telegram's caption limit


def test_a_gone_employee_chat_is_named_as_an_employee() -> None:
    shown = present(note(EndpointGoneFacts(member_name="陈明远", employee=True),
                         ReminderKind.RECIPIENT_GONE), HR)
    assert "员工 陈明远已屏蔽机器人" in shown.html
    nameless = present(note(EndpointGoneFacts(member_name="", employee=True),
                            ReminderKind.RECIPIENT_GONE), HR)
    assert "一位员工已屏蔽机器人" in nameless.html
