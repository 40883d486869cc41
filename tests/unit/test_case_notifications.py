"""Back-payment cases at the outbox's edge: 办理补缴 only where HR can act on it privately, and
the stall reminder's wording."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

from bot.channels.base import ChannelKind, Endpoint
from bot.channels.present import present
from bot.services.notifications import (
    Addressee,
    BackpayStalledFacts,
    Notification,
    RegistrationReminderFacts,
)
from policies.reminder_plan import ReminderKind

OVERDUE = RegistrationReminderFacts(
    employee_name="陈明远", department="后厨", left_on=None, days_employed=34,
    deadline=date(2026, 12, 31), days_left=-4, days_overdue=4, month=date(2026, 12, 1),
    late_fee=Decimal("12.34"), employee_id=7,
)
HR = Addressee(Endpoint.telegram(1001), membership_id=1)
GROUP = Addressee(Endpoint.telegram(-5001, is_group=True))
ROBOT = Addressee(Endpoint.robot(3, ChannelKind.WECOM))


def note(facts: Any, kind: ReminderKind, catch_up: bool = False) -> Notification:
    return Notification(reminder_id=42, company_id=1, kind=kind, facts=facts,
                        addressees=(HR, GROUP, ROBOT), already_delivered=0,
                        catch_up=catch_up, due_date=date(2027, 1, 8))


def test_only_the_private_overdue_reminder_offers_a_case() -> None:
    overdue = note(OVERDUE, ReminderKind.REGISTRATION_OVERDUE)
    assert ("🧾 办理补缴", "case:open:7") in [
        (a.label, a.callback_data) for a in present(overdue, HR).actions]
    for shared in (GROUP, ROBOT):
        assert "case:open:7" not in [a.callback_data for a in present(overdue, shared).actions]
    urgent = note(OVERDUE, ReminderKind.REGISTRATION_URGENT)
    assert "case:open:7" not in [a.callback_data for a in present(urgent, HR).actions]
    unknown = note(replace(OVERDUE, employee_id=None), ReminderKind.REGISTRATION_OVERDUE)
    assert all(not a.callback_data.startswith("case:") for a in present(unknown, HR).actions)


def test_the_stall_reminder_names_the_case_and_its_idle_spell() -> None:
    facts = BackpayStalledFacts(case_id=5, employee_name="陈明远",
                                months=(date(2026, 12, 1), date(2027, 1, 1)),
                                state="needs_materials", since=date(2027, 1, 1), working_days=5)
    rendered = present(note(facts, ReminderKind.BACKPAY_STALLED), HR)
    assert rendered.title == "补缴进度提醒" and not rendered.personal
    assert "补缴案例 #5（2026-12、2027-01）" in rendered.html
    assert "自 2027-01-01（周五） 起已 5 个工作日没有进展" in rendered.html
    assert "需补充材料" in rendered.html
    assert [(a.label, a.callback_data, a.start_payload) for a in rendered.actions] == [
        ("📂 查看案例", "case:show:5", None)]
    late = present(note(facts, ReminderKind.BACKPAY_STALLED, catch_up=True), HR)
    assert "（补发，原定 2027-01-08（周五））" in late.html
