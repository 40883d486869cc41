"""/complaints: HR read employees' complaints, reply (the employee gets it through the
outbox) and close them. Telegram I/O only; bot/services/complaints.py decides."""

from __future__ import annotations

from enum import StrEnum

from telegram import Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.callbacks import (
    STALE_ANSWER,
    ComplaintClose,
    ComplaintReply,
    ComplaintShow,
    ComplaintsPage,
    matching,
)
from bot.context import HRContext
from bot.render import macro, render
from bot.services import access, complaints
from bot.services.access import Member
from bot.services.errors import ComplaintClosed, DomainError
from handlers import dialog
from handlers.common import (
    TEXT_ANSWER,
    current_hr,
    current_member,
    edit_pressed,
    member_for_button,
    message_text,
    pager_buttons,
    paginate,
    pressed,
    reply,
    unexpected_answer,
)
from handlers.dialog import Dialog, checkpoint, finish
from handlers.drafts import ComplaintReplyDraft
from handlers.refusals import refusal
from models.company import Role
from models.complaint import ComplaintStatus

REPLY_DIALOG = "complaint_reply"


class ReplyState(StrEnum):
    TEXT = "complaint_reply.text"


def _buttons(view: complaints.ComplaintView) -> list[list[tuple[str, str]]]:
    if view.status == ComplaintStatus.CLOSED:
        return []
    return [[(macro("labels", "complaint_action", "reply"), ComplaintReply(view.id).data),
             (macro("labels", "complaint_action", "close"), ComplaintClose(view.id).data)]]


async def _list(context: HRContext, member: Member,
                page: int) -> tuple[str, list[list[tuple[str, str]]]]:
    views = await context.db(complaints.list_complaints, context.services.engine, member)
    shown, page, pages, offset = paginate(views, page)
    buttons = [[(render("complaint_line", v=v), ComplaintShow(v.id).data)] for v in shown]
    buttons.append(pager_buttons(lambda n: ComplaintsPage(member.company_id, n), page, pages))
    return render("complaints_list", views=shown, total=len(views), offset=offset), buttons


async def cmd_complaints(update: Update, context: HRContext) -> None:
    """`/complaints`: employees' complaints, open ones first."""
    member = await current_hr(update, context)
    if member is None:
        return
    await reply(update, *await _list(context, member, 1))


async def on_page(update: Update, context: HRContext) -> None:
    button = pressed(update, ComplaintsPage)
    member = await member_for_button(update, context, button.company_id, Role.HR)
    if member is None:
        return
    assert update.callback_query is not None
    await update.callback_query.answer()
    await edit_pressed(update, *await _list(context, member, button.page))


async def _complaint_member(update: Update, context: HRContext,
                            complaint_id: int) -> Member | None:
    """The presser as HR of the complaint's company (a forged id resolves to their current
    company, where the service finds no such complaint)."""
    user = update.effective_user
    assert user is not None
    company_id = access.company_for_row(context.services.engine, user.id, "complaint",
                                        complaint_id)
    return await current_member(update, context, Role.HR, company_id=company_id)


async def _refuse(update: Update, error: DomainError) -> None:
    if update.callback_query is not None:
        await update.callback_query.answer()
    await reply(update, refusal(error))


async def on_show(update: Update, context: HRContext) -> None:
    complaint_id = pressed(update, ComplaintShow).complaint_id
    member = await _complaint_member(update, context, complaint_id)
    if member is None:
        return
    try:
        view = await context.db(complaints.complaint_view, context.services.engine, member,
                                complaint_id)
    except DomainError as error:
        await _refuse(update, error)
        return
    assert update.callback_query is not None
    await update.callback_query.answer()
    await reply(update, render("complaint_view", v=view), _buttons(view))


async def on_close(update: Update, context: HRContext) -> None:
    complaint_id = pressed(update, ComplaintClose).complaint_id
    member = await _complaint_member(update, context, complaint_id)
    if member is None:
        return
    try:
        view = await context.db(complaints.close_complaint, context.services.engine, member,
                                complaint_id, context.services.clock.now())
    except DomainError as error:
        await _refuse(update, error)
        return
    assert update.callback_query is not None
    await update.callback_query.answer()
    await edit_pressed(update, render("complaint_view", v=view), [])


# ---------------------------------------------------------------- the reply dialog


async def on_reply(update: Update, context: HRContext) -> object:
    """回复: ask HR for the reply's text."""
    await dialog.begin(update, context, REPLY_DIALOG)
    complaint_id = pressed(update, ComplaintReply).complaint_id
    member = await _complaint_member(update, context, complaint_id)
    if member is None:
        return ConversationHandler.END
    try:
        view = await context.db(complaints.complaint_view, context.services.engine, member,
                                complaint_id)
        if view.status == ComplaintStatus.CLOSED:
            raise ComplaintClosed()
    except DomainError as error:
        await _refuse(update, error)
        return ConversationHandler.END
    assert update.callback_query is not None
    await update.callback_query.answer()
    dialog.save(context, ComplaintReplyDraft(complaint_id, member.company_id))
    await checkpoint(update, context, ReplyState.TEXT)
    await reply(update, render("complaint_ask_reply", v=view, limit=complaints.TEXT_LIMIT))
    return ReplyState.TEXT


async def on_reply_text(update: Update, context: HRContext) -> object:
    draft = dialog.load(context, ComplaintReplyDraft)
    if draft is None:
        return await on_cancel(update, context)
    text = message_text(update).strip()
    if not text or len(text) > complaints.TEXT_LIMIT:
        await reply(update, render("complaint_ask_reply", v=None, limit=complaints.TEXT_LIMIT))
        return ReplyState.TEXT
    member = await current_member(update, context, Role.HR, company_id=draft.company_id)
    if member is None:
        return ConversationHandler.END
    try:
        view = await context.db(complaints.answer_complaint, context.services.engine, member,
                                draft.complaint_id, text, context.services.clock.now())
    except DomainError as error:
        await reply(update, refusal(error))
        return await on_cancel(update, context)
    dialog.forget(context)
    await checkpoint(update, context, None)
    await reply(update, render("complaint_replied", v=view), _buttons(view))
    return ConversationHandler.END


async def on_cancel(update: Update, context: HRContext) -> int:
    return await finish(update, context, render("complaint_reply_cancelled"))


on_unexpected = unexpected_answer(
    button=STALE_ANSWER,
    text=render("complaint_ask_reply", v=None, limit=complaints.TEXT_LIMIT),
)


def build_dialog() -> Dialog:
    return Dialog(
        REPLY_DIALOG,
        entry_points=[CallbackQueryHandler(on_reply, pattern=matching(ComplaintReply))],
        states={ReplyState.TEXT: [MessageHandler(TEXT_ANSWER, on_reply_text)]},
        fallbacks=[
            CommandHandler("cancel", on_cancel),
            MessageHandler(~filters.COMMAND, on_unexpected),
        ],
        stale=render("complaint_reply_cancelled"),
    )


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(CommandHandler("complaints", cmd_complaints))
    app.add_handler(CallbackQueryHandler(on_show, pattern=matching(ComplaintShow)))
    app.add_handler(CallbackQueryHandler(on_page, pattern=matching(ComplaintsPage)))
    app.add_handler(CallbackQueryHandler(on_close, pattern=matching(ComplaintClose)))
