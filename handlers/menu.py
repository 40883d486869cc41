"""The command menu (setMyCommands) each person sees: their own commands, per private chat.

Telegram shows the menu of the most specific scope: BotCommandScopeChat for every bound user
(set when they bind, change role, are revoked, switch company or send /start or /help), the
default scope for strangers. Which commands are whose is decided by
bot.services.access.COMMAND_ACCESS; only the descriptions live here.

Telegram keeps a menu until it is replaced, so each one given is remembered as a fingerprint
(bot/services/menus.py, table command_menu). At start `schedule_menu_catch_up` gives, in the
background and at most MENUS_PER_SECOND requests a second, only the menus that differ from the
ones last given — normally none; the bot answers updates meanwhile (issue 15).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import warnings
import weakref
from collections.abc import Callable
from datetime import timedelta

from telegram import Bot, BotCommand, BotCommandScope, BotCommandScopeChat, BotCommandScopeDefault
from telegram.error import RetryAfter, TelegramError
from telegram.ext import Application
from telegram.warnings import PTBDeprecationWarning

from bot.context import HRApplication, HRContext
from bot.services import access, menus
from bot.services.access import Member, Standing
from models.command_menu import DEFAULT_SCOPE

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


#: The start-up catch-up's pace: setMyCommands carries no chat_id, so PTB's rate limiter does
#: not pace it, and a burst invites Telegram's flood control (429).
MENUS_PER_SECOND = 20.0

#: The catch-up's job in the job queue.
CATCH_UP_JOB = "menu_catch_up"

#: One lock per application around "read the membership, send its menu, remember it", so a
#: role change during the catch-up cannot be overwritten by the menu read just before it.
_menu_locks: weakref.WeakKeyDictionary[Application, asyncio.Lock] = (  # type: ignore[type-arg]
    weakref.WeakKeyDictionary()
)


def menu_of(standing: Standing | None) -> list[BotCommand]:
    """The menu of someone of `standing` (None: a stranger), in access.COMMAND_ACCESS's order;
    /start is left out for members."""
    return [
        BotCommand(command, DESCRIPTIONS[command])
        for command in access.COMMAND_ACCESS
        if command in DESCRIPTIONS
        and access.may_use_standing(standing, command)
        and not (standing is not None and command == "start")
    ]


def menu_for(member: Member | None) -> list[BotCommand]:
    """The menu of `member` (None: a stranger); /start is left out for members."""
    return menu_of(access.standing_of(member))


def fingerprint(bot_id: int, commands: list[BotCommand]) -> str:
    """What identifies a menu as given: the bot (another token is another bot, whose menus are
    unset) and every command with its description, in order."""
    given = [bot_id, [[c.command, c.description] for c in commands]]
    return hashlib.sha256(json.dumps(given, ensure_ascii=False).encode()).hexdigest()[:32]


async def set_menu(bot: Bot, chat_id: int, member: Member | None) -> None:
    """Show `member`'s commands in their private chat; a failure is logged, never raised
    (the menu is a convenience: every command re-checks access)."""
    try:
        await bot.set_my_commands(menu_for(member), scope=BotCommandScopeChat(chat_id))
    except TelegramError:
        log.warning("setMyCommands failed for one chat")


def _lock(application: Application) -> asyncio.Lock:  # type: ignore[type-arg]
    lock = _menu_locks.get(application)
    if lock is None:
        lock = _menu_locks[application] = asyncio.Lock()
    return lock


async def _give(application: HRApplication, user_id: int, chat_id: int) -> None:
    """Send the menu the chat should show now (the user's membership read afresh; the
    strangers' for DEFAULT_SCOPE) and remember it. TelegramError (RetryAfter included) is
    raised, and then nothing is remembered."""
    services = application.services
    bot = application.bot
    scope: BotCommandScope
    async with _lock(application):
        if (user_id, chat_id) == DEFAULT_SCOPE:
            scope, commands = BotCommandScopeDefault(), menu_of(None)
        else:
            member = await asyncio.to_thread(access.member_of, services.engine, user_id)
            scope, commands = BotCommandScopeChat(chat_id), menu_for(member)
        await bot.set_my_commands(commands, scope=scope)
        await asyncio.to_thread(menus.record_menu, services.engine, user_id, chat_id,
                                fingerprint(bot.id, commands), now=services.clock.now())


async def refresh_menu(
    application: Application, user_id: int, chat_id: int | None = None  # type: ignore[type-arg]
) -> None:
    """Read the user's current membership afresh, set their private chat's menu and remember
    it; a failure is logged, never raised (the catch-up at the next start retries it)."""
    assert isinstance(application, HRApplication)
    chat = chat_id or user_id
    try:
        await _give(application, user_id, chat)
    except TelegramError:
        log.warning("setMyCommands failed for one chat")


def _seconds(error: RetryAfter) -> float:
    """`retry_after` is int or timedelta depending on PTB_TIMEDELTA; accept both, no warning."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class _Pace:
    """At most `per_second` starts a second, measured from one start to the next."""

    def __init__(self, per_second: float) -> None:
        self.per_second = per_second
        self._interval = 1.0 / per_second
        self._next = 0.0

    async def wait(self) -> None:
        loop = asyncio.get_running_loop()
        now = loop.time()
        if now < self._next:
            await asyncio.sleep(self._next - now)
            now = self._next
        self._next = now + self._interval


async def set_all_menus(
    application: Application, *, per_second: float | None = None  # type: ignore[type-arg]
) -> int:
    """Give the strangers' default menu and every bound person their own where it differs
    from the one they were last given (normally nobody); returns how many were given.

    Paced at `per_second` (MENUS_PER_SECOND); a 429 is waited out as long as Telegram asks
    and the same chat tried again; any other TelegramError is logged for that chat and the
    rest go on (a chat not given is due again at the next start). Stops early when the
    application stops, if it was running when this began.
    """
    assert isinstance(application, HRApplication)
    engine = application.services.engine
    bot_id = application.bot.id
    was_running = application.running
    pace = _Pace(per_second or MENUS_PER_SECOND)

    def stopped() -> bool:
        return was_running and not application.running

    async def give(user_id: int, chat_id: int) -> bool:
        while not stopped():
            await pace.wait()
            try:
                await _give(application, user_id, chat_id)
                return True
            except RetryAfter as error:
                delay = _seconds(error)
                log.warning("setMyCommands flood control: waiting %.0f s as Telegram asks", delay)
                await _sleep_unless_stopped(delay, stopped)
            except TelegramError as error:
                log.warning("setMyCommands failed for one chat (%s)", type(error).__name__)
                return False
        return False

    fingerprints = {standing: fingerprint(bot_id, menu_of(standing))
                    for standing in (None, *Standing)}
    last_default = await asyncio.to_thread(menus.given_fingerprint, engine, *DEFAULT_SCOPE)
    default_given = last_default != fingerprints[None] and await give(*DEFAULT_SCOPE)
    given = failed = 0
    due = await asyncio.to_thread(menus.menus_due, engine, fingerprints)
    if due:
        log.info("command menus: %d to give at %.0f a second", len(due), pace.per_second)
    for user_id, chat_id in due:
        if stopped():
            log.info("command menus: stopped with %d not given", len(due) - given - failed)
            break
        if await give(user_id, chat_id):
            given += 1
        else:
            failed += 1
    if due:
        log.info("command menus: %d given, %d failed", given, failed)
    return given + default_given


async def _sleep_unless_stopped(seconds: float, stopped: Callable[[], bool]) -> None:
    """Sleep `seconds`, waking early (within 0.1 s) when `stopped()` turns true."""
    loop = asyncio.get_running_loop()
    until = loop.time() + seconds
    while not stopped() and (left := until - loop.time()) > 0:
        await asyncio.sleep(min(left, 0.1))


async def _catch_up_job(context: HRContext) -> None:
    try:
        await set_all_menus(context.application)
    except Exception as error:  # a convenience: the next start tries again
        # Only the type: a database error's text may quote rows.
        log.error("command menu catch-up failed: %s", type(error).__name__)


def schedule_menu_catch_up(application: Application) -> None:  # type: ignore[type-arg]
    """Run `set_all_menus` in the background once the application runs (post_init comes
    before PTB fetches updates, so doing it there would keep everyone waiting)."""
    queue = application.job_queue
    assert queue is not None, "the job-queue extra of python-telegram-bot is a dependency"
    queue.run_once(_catch_up_job, when=0, name=CATCH_UP_JOB,
                   job_kwargs={"misfire_grace_time": None, "coalesce": True})
