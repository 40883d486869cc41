"""Notifications into words: the one place an outbox notification becomes text and actions.

Services decide what to tell whom (bot/services/notifications.py); this module renders each
notification for one addressee from the templates (reminder.j2, policy_update.j2,
reminder_blocked.j2) into a `Rendered` that any channel can send. A private HR chat may read
personal facts (the late fee, derived from wages) and gets the 【公司】 prefix when the person
serves several companies; a group chat or a robot never gets personal facts. The same text goes
to robots, which convert the HTML subset themselves; the 查看 action carries a deep-link
payload (``r<reminder id>``) so a robot message can link back to the bot.
"""

from __future__ import annotations

import html

from bot.callbacks import (
    CaseOpen,
    CaseShow,
    ComplaintClose,
    ComplaintReply,
    ReminderPress,
    reminder_payload,
)
from bot.channels.base import Action, Rendered
from bot.render import format_day, macro, render
from bot.services.notifications import (
    Addressee,
    BackpayStalledFacts,
    ComplaintAnsweredFacts,
    ComplaintFiledFacts,
    DeclarationReminderFacts,
    DocumentsForEmployeeFacts,
    EndpointGoneFacts,
    Notification,
    PendingDeclarant,
    PolicyChangeFacts,
    RegistrationReminderFacts,
    WeeklySummaryFacts,
)
from bot.services.policy_updates import change_facts
from policies.library import FieldChange, RegionPolicy
from policies.reminder_plan import ReminderKind

#: Shown in the "already told" line for the HR group.
GROUP_NAME = "HR群"


def reminder_actions(reminder_id: int) -> tuple[Action, ...]:
    """已办理 / 明天再提醒 / 查看; only 查看 has a link form (robots cannot take presses)."""
    return (
        Action("✅ 已办理", ReminderPress("done", reminder_id).data),
        Action("⏰ 明天再提醒", ReminderPress("snooze", reminder_id).data),
        Action("📄 查看", ReminderPress("view", reminder_id).data,
               reminder_payload(reminder_id)),
    )


def policy_update_html(facts: PolicyChangeFacts) -> str:
    """The policy change notice (HTML), also what `hrbot policies import` records."""
    if facts.recorded_html is not None:
        return facts.recorded_html
    return render(
        "policy_update",
        region={"city": facts.city},
        changes=[
            {"version": c.version, "label": c.label, "old": c.old, "new": c.new}
            for c in facts.changes
        ],
        more=facts.more,
    )


def _reminder_html(note: Notification, to: Addressee) -> str:
    facts = note.facts
    for_group = not to.is_private
    also_told = list(to.also_told) + ([GROUP_NAME] if to.also_group else [])
    common: dict[str, object] = {
        "kind": str(note.kind),
        "catch_up": note.catch_up,
        "due_date": note.due_date,
        "for_group": for_group,
        "also_told": also_told,
    }
    if isinstance(facts, RegistrationReminderFacts):
        return render(
            "reminder",
            **common,
            name=facts.employee_name,
            left_on=facts.left_on,
            department=facts.department,
            days_employed=facts.days_employed,
            deadline=facts.deadline,
            days_left=facts.days_left,
            days_overdue=facts.days_overdue,
            month=facts.month,
            # 滞纳金 is derived from wages: never in a group or robot message
            late_fee=None if for_group else facts.late_fee,
        )
    assert isinstance(facts, DeclarationReminderFacts)
    return render(
        "reminder",
        **common,
        city=facts.city,
        month=facts.month,
        names=[_declarant(n) for n in facts.names],
        deadline=facts.deadline,
        days_left=facts.days_left,
        holiday_notice_missing=facts.holiday_notice_missing,
    )


def _declarant(declarant: PendingDeclarant) -> str:
    """A new hire whose month may go with the registration is marked with that later date, so
    the declaration reminder and /todo say the same thing."""
    until = declarant.with_registration_until
    if until is None:
        return declarant.name
    return f"{declarant.name}（新员工，可随登记缴纳至 {format_day(until)}）"


def _gone_html(facts: EndpointGoneFacts) -> str:
    if facts.robot_kind is not None:
        return render(
            "reminder_blocked",
            robot_kind=facts.robot_kind,
            robot_label=macro("robot_labels", "robot_kind", facts.robot_kind),
            robot_hint=facts.robot_hint or "",
        )
    if facts.group:
        who = GROUP_NAME
    elif facts.member_name:
        who = f"{'员工' if facts.employee else 'HR'} {facts.member_name}"
    else:
        who = "一位员工" if facts.employee else "一位HR"
    return render("reminder_blocked", robot_kind=None, who=who, group=facts.group)


def present(note: Notification, to: Addressee) -> Rendered:
    """`note` as `to` reads it: text, actions and whether it is personal."""
    facts = note.facts
    actions: tuple[Action, ...] = ()
    personal = False
    if isinstance(facts, RegistrationReminderFacts | DeclarationReminderFacts):
        text = _reminder_html(note, to)
        actions = reminder_actions(note.reminder_id)
        if (isinstance(facts, RegistrationReminderFacts) and facts.employee_id is not None
                and note.kind == ReminderKind.REGISTRATION_OVERDUE and to.is_private):
            # overdue: the month is being missed; open a back-payment case (补缴案例)
            actions += (Action("🧾 办理补缴", CaseOpen(facts.employee_id).data),)
        # A private reminder may name the late fee; it is marked so no adapter sends it to a
        # group by mistake.
        personal = to.is_private
    elif isinstance(facts, BackpayStalledFacts):
        text = render("case_stalled", facts=facts, catch_up=note.catch_up,
                      due_date=note.due_date)
        actions = (Action("📂 查看案例", CaseShow(facts.case_id).data),)
    elif isinstance(facts, ComplaintFiledFacts):
        # one employee's own words: private chats only (compose addresses no group or robot)
        text = render("complaint_notice", facts=facts)
        actions = (Action(macro("labels", "complaint_action", "reply"),
                          ComplaintReply(facts.complaint_id).data),
                   Action(macro("labels", "complaint_action", "close"),
                          ComplaintClose(facts.complaint_id).data))
        personal = True
    elif isinstance(facts, ComplaintAnsweredFacts):
        text = render("complaint_answered", facts=facts)
        personal = True
    elif isinstance(facts, DocumentsForEmployeeFacts):
        # the caption of the last file: the employee's own case, their private chat only
        text = render("employee_documents", facts=facts)
        personal = True
    elif isinstance(facts, WeeklySummaryFacts):
        text = render("summary", s=facts.summary, catch_up=note.catch_up)
        personal = True  # names employees: private chats only
    elif isinstance(facts, PolicyChangeFacts):
        text = policy_update_html(facts)
    else:
        text = _gone_html(facts)
    if to.is_private and to.company_name:
        text = f"【{html.escape(to.company_name)}】\n{text}"
    return Rendered(
        title=macro("labels", "kind_label", str(note.kind)),
        html=text,
        actions=actions,
        personal=personal,
    )


def summary(region: RegionPolicy, changes: list[FieldChange]) -> str:
    """The notice HR get for `changes` of `region` after `hrbot policies import`."""
    return policy_update_html(change_facts(region, changes))
