"""The command menu (setMyCommands) each person sees: their own commands, per private chat.

Telegram shows the menu of the most specific scope: BotCommandScopeChat for every bound user
(set when they bind, change role, are revoked, switch company or send /start or /help), the
default scope for strangers. Which commands are whose is decided by
bot.services.access.COMMAND_ACCESS; only the descriptions live here.
"""

from __future__ import annotations

import logging

from telegram import Bot, BotCommand, BotCommandScopeChat, BotCommandScopeDefault
from telegram.error import TelegramError
from telegram.ext import Application

from bot.context import HRApplication
from bot.services import access
from bot.services.access import Member

log = logging.getLogger(__name__)

#: Each command's line in the menu, in access.COMMAND_ACCESS's order.
DESCRIPTIONS: dict[str, str] = {
    "start": "开始",
    "help": "帮助",
    "hire": "入职登记",
    "todo": "待办事项",
    "employees": "员工列表",
    "employee": "查看员工",
    "ledger": "社保台账（可加月份，如 /ledger 2026-12）",
    "leave": "离职登记（减员）",
    "base": "调整缴费基数",
    "base_all": "年度基数调整",
    "export": "导出员工与台账",
    "backpay": "补缴测算",
    "cases": "补缴案例",
    "complaints": "员工社保投诉",
    "team": "团队社保状态",
    "invite": "邀请成员（一次性链接）",
    "members": "成员与权限",
    "audit": "操作与查阅记录",
    "me": "我的社保状态",
    "impact": "断缴或补缴对我的影响",
    "complaint": "社保问题反映",
    "policy": "政策问答",
    "policy_version": "生效的政策版本",
    "settings": "提醒设置",
    "bindgroup": "绑定HR提醒群（在群内发送）",
    "robot": "企业微信/飞书/钉钉群机器人",
    "kpi": "社保绩效考核（可加 2026-11、2026Q4、2026）",
    "kpi_settings": "考核标准设置",
    "summary": "上周社保简报（图表与明细表）",
    "trend": "趋势分析",
    "company": "查看与切换所属的公司",
    "cancel": "取消当前操作",
}


def menu_for(member: Member | None) -> list[BotCommand]:
    """The menu of `member` (None: a stranger); /start is left out for members."""
    commands = access.commands_for(member)
    if member is not None:
        commands = [c for c in commands if c != "start"]
    return [BotCommand(c, DESCRIPTIONS[c]) for c in commands if c in DESCRIPTIONS]


async def set_menu(bot: Bot, chat_id: int, member: Member | None) -> None:
    """Show `member`'s commands in their private chat; a failure is logged, never raised
    (the menu is a convenience: every command re-checks access)."""
    try:
        await bot.set_my_commands(menu_for(member), scope=BotCommandScopeChat(chat_id))
    except TelegramError:
        log.warning("setMyCommands failed for one chat")


async def refresh_menu(
    application: Application, user_id: int, chat_id: int | None = None  # type: ignore[type-arg]
) -> None:
    """Read the user's current membership afresh and set their private chat's menu."""
    assert isinstance(application, HRApplication)
    member = access.member_of(application.services.engine, user_id)
    await set_menu(application.bot, chat_id or user_id, member)


async def set_all_menus(application: Application) -> None:  # type: ignore[type-arg]
    """At start: strangers' default menu, then every bound user's own (so people bound before
    per-person menus existed get theirs without doing anything)."""
    assert isinstance(application, HRApplication)
    try:
        await application.bot.set_my_commands(menu_for(None), scope=BotCommandScopeDefault())
    except TelegramError:
        log.warning("setMyCommands failed for the default scope")
    for user_id, chat_id in access.bound_private_chats(application.services.engine):
        await refresh_menu(application, user_id, chat_id)
