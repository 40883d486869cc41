"""An employee's own commands: /me, /impact (and free questions about a gap), /complaint.

Telegram I/O only: bot/services/self_service.py and complaints.py read the employee's own
record through their membership's binding; nothing typed or pressed names an employee.
"""

from __future__ import annotations

from enum import StrEnum

from telegram import Update
from telegram.ext import (
    Application,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.callbacks import STALE_ANSWER
from bot.context import HRContext
from bot.render import render
from bot.services import complaints, self_service
from bot.services.access import Member, member_of
from bot.services.errors import DomainError, NotBoundToEmployee
from bot.services.policy_qa import policy_store
from handlers import dialog
from handlers.common import (
    TEXT_ANSWER,
    current_member,
    member_today,
    message_text,
    reply,
    unexpected_answer,
)
from handlers.dialog import Dialog, checkpoint, finish
from handlers.refusals import refusal
from models.company import Role
from policies.impact import Reimbursement
from policies.impact_question import is_impact_question, question_month

COMPLAINT_DIALOG = "complaint"


class ComplaintState(StrEnum):
    TEXT = "complaint.text"


async def _employee(update: Update, context: HRContext) -> Member | None:
    """The sender as an employee, in a private chat; None means stop here (told why)."""
    return await current_member(update, context, Role.EMPLOYEE)


async def cmd_me(update: Update, context: HRContext) -> None:
    """`/me`: my registration, paid and unpaid months, open case, documents HR sent me."""
    member = await _employee(update, context)
    if member is None:
        return
    services = context.services
    try:
        status = await context.db(self_service.my_status, services.engine,
                                  policy_store(services).library, member,
                                  member_today(context, member))
    except DomainError as error:
        await reply(update, refusal(error))
        return
    await reply(update, render("me", s=status))


async def _answer_impact(update: Update, context: HRContext, member: Member,
                         question: str, *, unbound_falls_through: bool = False) -> bool:
    """Reply with the personal answer; False (nothing said) when `unbound_falls_through` and
    the member is bound to no employee record, so the question goes to the policy library."""
    services = context.services
    today = member_today(context, member)
    try:
        result = await context.db(self_service.my_impact, services.engine,
                                  policy_store(services).library, member, today,
                                  question_month(question, today))
    except NotBoundToEmployee as error:
        if unbound_falls_through:
            return False
        await reply(update, refusal(error))
        return True
    except DomainError as error:
        await reply(update, refusal(error))
        return True
    if isinstance(result, self_service.NoGap):
        await reply(update, render("impact_personal", kind="no_gap", r=result))
    elif isinstance(result, self_service.MonthNotAGap):
        await reply(update, render("impact_personal", kind="not_a_gap", r=result))
    else:
        reimbursement: Reimbursement = result.impact.medical.reimbursement
        await reply(update, render("impact_personal", kind="impact", r=result,
                                   reimbursement=reimbursement.value))
    return True


async def cmd_impact(update: Update, context: HRContext) -> None:
    """`/impact [问题]`: what my unpaid months mean for me (pension, medical, housing fund)."""
    member = await _employee(update, context)
    if member is None:
        return
    await _answer_impact(update, context, member, " ".join(context.args or []))


async def answer_employee_question(update: Update, context: HRContext, question: str) -> bool:
    """Free text in a private chat: a bound employee's question about a gap gets the personal
    answer (True); anyone else's — an employee not bound to a record yet included — or a
    general policy question goes on to the policy library (False)."""
    user = update.effective_user
    if user is None:
        return False
    member = await context.db(member_of, context.services.engine, user.id)
    if member is None or member.role != Role.EMPLOYEE or not is_impact_question(question):
        return False
    return await _answer_impact(update, context, member, question, unbound_falls_through=True)


# ---------------------------------------------------------------- /complaint


async def _file(update: Update, context: HRContext, member: Member, text: str) -> None:
    try:
        view = await context.db(complaints.file_complaint, context.services.engine, member,
                                text, context.services.clock.now())
    except DomainError as error:
        await reply(update, refusal(error))
        return
    await reply(update, render("complaint_filed", view=view))


async def cmd_complaint(update: Update, context: HRContext) -> object:
    """`/complaint 内容` files at once; `/complaint` alone asks for the text."""
    await dialog.begin(update, context, COMPLAINT_DIALOG)
    member = await _employee(update, context)
    if member is None:
        return ConversationHandler.END
    text = " ".join(context.args or []).strip()
    if text:
        await _file(update, context, member, text)
        return ConversationHandler.END
    await checkpoint(update, context, ComplaintState.TEXT)
    await reply(update, render("complaint_ask", limit=complaints.TEXT_LIMIT))
    return ComplaintState.TEXT


async def on_complaint_text(update: Update, context: HRContext) -> object:
    text = message_text(update).strip()
    if not text or len(text) > complaints.TEXT_LIMIT:
        await reply(update, render("complaint_ask", limit=complaints.TEXT_LIMIT))
        return ComplaintState.TEXT
    member = await _employee(update, context)
    if member is None:
        return ConversationHandler.END
    await checkpoint(update, context, None)
    await _file(update, context, member, text)
    return ConversationHandler.END


async def on_cancel(update: Update, context: HRContext) -> int:
    return await finish(update, context, render("complaint_cancelled"))


on_unexpected = unexpected_answer(
    button=STALE_ANSWER, text=render("complaint_ask", limit=complaints.TEXT_LIMIT),
)


def build_dialog() -> Dialog:
    return Dialog(
        COMPLAINT_DIALOG,
        entry_points=[CommandHandler("complaint", cmd_complaint)],
        states={ComplaintState.TEXT: [MessageHandler(TEXT_ANSWER, on_complaint_text)]},
        fallbacks=[
            CommandHandler("cancel", on_cancel),
            MessageHandler(~filters.COMMAND, on_unexpected),
        ],
    )


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(CommandHandler("me", cmd_me))
    app.add_handler(CommandHandler("impact", cmd_impact))
