"""/invite (one-time deep links), /members (who is bound; HR admin flag; revoke) and /team."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot.callbacks import MemberAdmin, MemberRevoke, MemberRevokeConfirm, MembersPage, matching
from bot.context import HRContext
from bot.render import render
from bot.services import access, members, onboarding, team
from bot.services.access import Member
from bot.services.errors import DomainError, MemberNotFound
from bot.services.members import MemberRow
from handlers.common import (
    current_member,
    edit_pressed,
    member_for_button,
    member_today,
    pager_buttons,
    paginate,
    pressed,
    reply,
)
from handlers.menu import refresh_menu
from handlers.refusals import refusal
from models.company import Role

ROLE_WORDS = {"hr": Role.HR, "manager": Role.MANAGER, "employee": Role.EMPLOYEE,
              "HR": Role.HR, "经理": Role.MANAGER, "部门经理": Role.MANAGER, "员工": Role.EMPLOYEE}


def _words(args: list[str]) -> list[str]:
    """Department names as typed: spaces, 、 or commas between them."""
    text = " ".join(args)
    for separator in ("、", "，", ","):
        text = text.replace(separator, " ")
    return text.split()


async def _refuse(update: Update, error: DomainError) -> None:
    if update.callback_query is not None:
        await update.callback_query.answer()
    await reply(update, refusal(error))


# ---------------------------------------------------------------- /invite


async def cmd_invite(update: Update, context: HRContext) -> None:
    """`/invite hr`, `/invite manager 部门…`, `/invite employee 姓名`: a one-time link."""
    member = await current_member(update, context, Role.HR)
    if member is None:
        return
    services = context.services
    valid_days = services.settings.company.invite_valid_days
    args = list(context.args or [])
    role = ROLE_WORDS.get(args[0]) if args else None
    if role is None:
        await reply(update, render("invite_usage", valid_days=valid_days,
                                   may_invite_hr=access.is_hr_admin(member)))
        return
    try:
        invite = await context.db(
            onboarding.invite_member, services.engine, member, role,
            departments=_words(args[1:]),
            employee_name=" ".join(args[1:]),
            now=services.clock.now(), valid_days=valid_days,
        )
    except DomainError as error:
        await reply(update, refusal(error))
        return
    local = invite.expires_at.astimezone(ZoneInfo(member.timezone))
    await reply(update, render(
        "invite_created", invite=invite, expires=local.date(), expires_time=f"{local:%H:%M}",
        link=onboarding.deep_link(context.bot.username, invite.code),
    ))


# ---------------------------------------------------------------- /members


def _member_buttons(viewer: Member, rows: list[MemberRow]) -> list[list[tuple[str, str]]]:
    """Buttons for what the viewer may change: an HR admin everyone's; an HR managers' and
    employees'. Their own row gets none (another admin acts on it)."""
    admin = access.is_hr_admin(viewer)
    buttons: list[list[tuple[str, str]]] = []
    for row in rows:
        if row.is_self or (row.role == Role.HR and not admin):
            continue
        line: list[tuple[str, str]] = []
        name = (row.display_name or "成员")[:12]
        if row.role == Role.HR:
            line.append((f"⬇️ {name} 改为HR", MemberAdmin(row.membership_id, "off").data)
                        if row.admin else
                        (f"⬆️ {name} 设为HR管理员", MemberAdmin(row.membership_id, "on").data))
        line.append((f"🚫 撤销 {name}", MemberRevoke(row.membership_id).data))
        buttons.append(line)
    return buttons


async def _send_members(update: Update, context: HRContext, member: Member, page: int) -> None:
    rows = await context.db(members.list_members, context.services.engine, member)
    shown, page, pages, offset = paginate(rows, page)
    buttons = _member_buttons(member, shown)
    buttons.append(pager_buttons(lambda n: MembersPage(member.company_id, n), page, pages))
    text = render("members_list", rows=shown, total=len(rows), page=page, pages=pages,
                  offset=offset)
    if update.callback_query is not None:
        await update.callback_query.answer()
        await edit_pressed(update, text, buttons)
    else:
        await reply(update, text, buttons)


async def cmd_members(update: Update, context: HRContext) -> None:
    member = await current_member(update, context, Role.HR)
    if member is not None:
        await _send_members(update, context, member, 1)


async def on_members_page(update: Update, context: HRContext) -> None:
    button = pressed(update, MembersPage)
    member = await member_for_button(update, context, button.company_id, Role.HR)
    if member is not None:
        await _send_members(update, context, member, button.page)


async def _member_of_row(update: Update, context: HRContext, membership_id: int) -> Member | None:
    """The presser as HR of the company the membership row belongs to (else their current
    company, where the service then finds no such row)."""
    user = update.effective_user
    assert user is not None
    company_id = await context.db(access.company_for_row, context.services.engine, user.id,
                                  "membership", membership_id)
    return await current_member(update, context, Role.HR, company_id=company_id)


async def on_admin(update: Update, context: HRContext) -> None:
    button = pressed(update, MemberAdmin)
    member = await _member_of_row(update, context, button.membership_id)
    if member is None:
        return
    services = context.services
    try:
        row = await context.db(members.set_admin, services.engine, member, button.membership_id,
                               button.admin == "on", now=services.clock.now())
    except DomainError as error:
        await _refuse(update, error)
        return
    assert update.callback_query is not None
    await refresh_menu(context.application, row.user_id, row.chat_id)
    await update.callback_query.answer()
    await edit_pressed(update, render("member_changed", row=row, revoked=False))


async def on_revoke(update: Update, context: HRContext) -> None:
    """🚫 撤销: ask once more, naming who; the confirm button does it."""
    button = pressed(update, MemberRevoke)
    member = await _member_of_row(update, context, button.membership_id)
    if member is None:
        return
    rows = await context.db(members.list_members, context.services.engine, member)
    row = next((r for r in rows if r.membership_id == button.membership_id), None)
    assert update.callback_query is not None
    if row is None:
        await _refuse(update, MemberNotFound())
        return
    await update.callback_query.answer()
    await edit_pressed(update, render("member_revoke_confirm", row=row), [
        [("🚫 确认撤销", MemberRevokeConfirm(row.membership_id).data),
         ("↩️ 返回", MembersPage(member.company_id, 1).data)],
    ])


async def on_revoke_confirm(update: Update, context: HRContext) -> None:
    button = pressed(update, MemberRevokeConfirm)
    member = await _member_of_row(update, context, button.membership_id)
    if member is None:
        return
    services = context.services
    try:
        row = await context.db(members.revoke, services.engine, member, button.membership_id,
                               now=services.clock.now())
    except DomainError as error:
        await _refuse(update, error)
        return
    assert update.callback_query is not None
    await refresh_menu(context.application, row.user_id, row.chat_id)
    await update.callback_query.answer()
    await edit_pressed(update, render("member_changed", row=row, revoked=True))


# ---------------------------------------------------------------- /team


async def cmd_team(update: Update, context: HRContext) -> None:
    """A manager's departments (HR: every department, or `/team 部门`)."""
    member = await current_member(update, context, Role.HR, Role.MANAGER)
    if member is None:
        return
    today = member_today(context, member)
    try:
        view = await context.db(team.team, context.services.engine, member, today=today,
                                department=" ".join(context.args or []))
    except DomainError as error:
        await reply(update, refusal(error))
        return
    await reply(update, render("team", view=view, today=today))


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(CommandHandler("invite", cmd_invite))
    app.add_handler(CommandHandler("members", cmd_members))
    app.add_handler(CommandHandler("team", cmd_team))
    app.add_handler(CallbackQueryHandler(on_members_page, pattern=matching(MembersPage)))
    app.add_handler(CallbackQueryHandler(on_admin, pattern=matching(MemberAdmin)))
    app.add_handler(CallbackQueryHandler(on_revoke, pattern=matching(MemberRevoke)))
    app.add_handler(CallbackQueryHandler(on_revoke_confirm, pattern=matching(MemberRevokeConfirm)))
