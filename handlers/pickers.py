"""The paginated "pick an active employee" step that /leave and /base open with."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from typing import Any

from telegram import Update
from telegram.ext import CallbackQueryHandler, ConversationHandler

from bot.callbacks import matching
from bot.context import HRContext
from bot.parsing import echo
from bot.render import render
from bot.services import leaving
from bot.services.access import Member
from bot.services.leaving import StaffChoice
from handlers import dialog
from handlers.common import (
    current_hr,
    edit_pressed,
    message_text,
    pager_buttons,
    paginate,
    pressed,
    reply,
    show_choice,
)
from handlers.dialog import Draft, begin, checkpoint
from policies.idnumber import mask_id_number, normalise

Rows = list[list[tuple[str, str]]]
PAGE = 10


def staff_buttons(
    prefix: str, staff: list[StaffChoice], page: int, employee_button: Any
) -> tuple[Rows, int, int]:
    """One button per employee, 10 a page with ◀ ▶, and a cancel button."""
    shown, page, pages, _ = paginate(staff, page)
    rows = [
        [
            (
                f"{s.name}（{s.department}）" if s.department else s.name,
                employee_button(s.employee_id).data,
            )
        ]
        for s in shown
    ]
    rows.append(pager_buttons(prefix, page, pages))
    rows.append([("✖️ 取消", f"{prefix}:cancel")])
    return rows, page, pages


@dataclass(frozen=True)
class ActiveEmployeePicker:
    """The first step of an HR conversation named `name` (also its command and callback
    prefix): list the active employees, page through them, hand the chosen one back."""

    name: str
    state: str
    #: The dialog's draft, started empty when the employees are listed.
    draft: type[Draft]
    question: str  # template rendered with page and pages
    nobody: str  # said instead when there is no active employee
    employee_button: Any  # the bot.callbacks kind of an employee's button (employee_id)
    page_button: Any  # the bot.callbacks kind of a ◀ ▶ button (page)

    async def start(self, update: Update, context: HRContext) -> object:
        """`/<name>`: a fresh draft and the first page of employees."""
        await begin(update, context, self.name)
        member = await current_hr(update, context)
        if member is None:
            return ConversationHandler.END
        staff = leaving.active_staff(context.services.engine, member)
        if not staff:
            await reply(update, self.nobody)
            return ConversationHandler.END
        dialog.save(context, self.draft())
        rows, page, pages = staff_buttons(self.name, staff, 1, self.employee_button)
        await checkpoint(update, context, self.state)
        await reply(update, render(self.question, page=page, pages=pages), rows)
        return self.state

    async def on_page(self, update: Update, context: HRContext) -> object:
        """◀ ▶ pressed: the same message shows another page."""
        member = await current_hr(update, context)
        if member is None:
            return ConversationHandler.END
        staff = leaving.active_staff(context.services.engine, member)
        wanted = pressed(update, self.page_button).page
        rows, page, pages = staff_buttons(self.name, staff, wanted, self.employee_button)
        query = update.callback_query
        assert query is not None
        await query.answer()
        await edit_pressed(update, render(self.question, page=page, pages=pages), rows)
        return self.state

    async def typed(
        self, update: Update, context: HRContext
    ) -> tuple[Member, StaffChoice] | None:
        """A typed name or 身份证 instead of a button (317 staff are 32 pages): the one match,
        or None once the matches (as buttons) or what to type instead have been shown."""
        member = await current_hr(update, context)
        if member is None:
            return None
        text = message_text(update).strip()
        staff = leaving.active_staff(context.services.engine, member)
        found = [s for s in staff if s.matches(text)]
        if len(found) == 1:
            return member, found[0]
        if not found:
            shown = mask_id_number(normalise(text)) if len(normalise(text)) == 18 else echo(text)
            await reply(
                update,
                f"没有找到“{escape(shown)}”对应的在职员工。请输入姓名（或其中几个字）、"
                "18位身份证号码，或点选上一条消息中的按钮。",
            )
            return None
        rows, _, _ = staff_buttons(self.name, found[:PAGE], 1, self.employee_button)
        more = f"，以下为前 {PAGE} 人，请输入更完整的姓名" if len(found) > PAGE else ""
        await reply(update, f"找到 {len(found)} 位在职员工{more}，请点选：", rows)
        return None

    def page_handler(self) -> CallbackQueryHandler[HRContext, int]:
        return CallbackQueryHandler(self.on_page, pattern=matching(self.page_button))

    def employee_handler(
        self, callback: Any
    ) -> CallbackQueryHandler[HRContext, int]:
        return CallbackQueryHandler(callback, pattern=matching(self.employee_button))

    async def chosen(
        self, update: Update, context: HRContext
    ) -> tuple[Member, StaffChoice] | None:
        """The member and the employee whose button was pressed; None once the user has been
        told why not (the conversation is then over)."""
        member = await current_hr(update, context)
        if member is None:
            return None
        employee_id = pressed(update, self.employee_button).employee_id
        staff = leaving.active_staff(context.services.engine, member)
        choice = next((s for s in staff if s.employee_id == employee_id), None)
        if choice is None:
            dialog.forget(context)
            await checkpoint(update, context, None)
            await show_choice(update, f"❌ 该员工不在职或不存在，请发送 /{self.name} 重新选择。")
            return None
        return member, choice
