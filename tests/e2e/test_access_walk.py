"""The access walk (issue 12, "Done when"): every command and every button kind, tried by
every role of a company, a stranger and the HR of another company.

Commands come from the Application's registered CommandHandlers (conversation entry points
included) and button kinds from bot/callbacks.py, so a new command without a row in WALK, or
a new button kind, is walked (or fails) here without anyone remembering to add it.

- WALK: one row per command × role: what the person gets — ✓ served, ✗ refused (a role or
  membership refusal), · nothing (a /cancel with nothing to cancel). Checked against
  bot.services.access.COMMAND_ACCESS too, so /help, the menus and the handlers agree.
- What each may see: no reply to company A's people names company B's employees; the manager
  never sees the other department's people; the employee no colleague; strangers and B's HR
  nothing of A.
- Forged buttons: every kind, well-formed and pointing at the other company's rows (and, for
  the manager and the employee, at their own company's rows they may not touch), never
  changes a row and never shows a name it should not.
"""

from __future__ import annotations

import asyncio
import io
import json
from typing import Any, get_args, get_origin, get_type_hints

import pytest
from harness import HR, HR2, OTHER_HR, STRANGER, BotHarness
from openpyxl import Workbook
from sqlalchemy import Engine
from sqlalchemy import select as sa_select
from sqlmodel import Session, SQLModel, select
from telegram.ext import CommandHandler, ConversationHandler

from bot import callbacks
from bot.services import access
from bot.settings import Settings, load_settings
from models.backpay_case import BackpayCase
from models.company import Membership
from models.employee import Department, Employee
from models.ledger import LedgerMonth
from models.reminder import Reminder
from models.task import Task
from policies.idnumber import check_digit

MANAGER = 3001
EMPLOYEE = 3002
B_MANAGER = 2002
ROLES = {"admin": HR, "hr": HR2, "manager": MANAGER, "employee": EMPLOYEE,
         "stranger": STRANGER, "other": OTHER_HR}
#: access.Standing of each walker in the company they act in (None: a stranger).
STANDING = {"admin": access.Standing.HR_ADMIN, "hr": access.Standing.HR,
            "manager": access.Standing.MANAGER, "employee": access.Standing.EMPLOYEE,
            "stranger": None, "other": access.Standing.HR_ADMIN}

HR_ONLY = "✓ ✓ ✗ ✗ ✗ ✓"
EMPLOYEE_ONLY = "✗ ✗ ✗ ✓ ✗ ✗"
#: command: admin hr manager employee stranger other (the other company's HR admin, in B).
WALK: dict[str, str] = {
    "start": "✓ ✓ ✓ ✓ ✗ ✓",
    "help": "✓ ✓ ✓ ✓ ✗ ✓",
    "hire": HR_ONLY,
    "todo": HR_ONLY,
    "employees": HR_ONLY,
    "employee": HR_ONLY,
    "ledger": HR_ONLY,
    "leave": HR_ONLY,
    "base": HR_ONLY,
    "base_all": HR_ONLY,
    "export": HR_ONLY,
    "backpay": HR_ONLY,
    "cases": HR_ONLY,
    "complaints": HR_ONLY,
    "me": EMPLOYEE_ONLY,
    "impact": EMPLOYEE_ONLY,
    "complaint": EMPLOYEE_ONLY,
    "team": "✓ ✓ ✓ ✗ ✗ ✓",
    "invite": HR_ONLY,
    "members": HR_ONLY,
    "policy": "✓ ✓ ✓ ✓ ✓ ✓",
    "policy_version": "✓ ✓ ✓ ✓ ✓ ✓",
    "settings": HR_ONLY,
    "bindgroup": HR_ONLY,
    "robot": HR_ONLY,
    "audit": "✓ ✗ ✗ ✗ ✗ ✓",
    "trend": "✓ ✗ ✗ ✗ ✗ ✓",
    "kpi": "✓ ✗ ✗ ✗ ✗ ✓",
    "kpi_settings": "✓ ✗ ✗ ✗ ✗ ✓",
    "summary": "✓ ✓ ✓ ✗ ✗ ✓",
    "company": "✓ ✓ ✓ ✓ ✗ ✓",
    "cancel": "· · · · · ·",
}
REFUSALS = ("仅限", "还没有加入任何公司")

A_KITCHEN = ("陈远航", "王芳")  # 后厨, the manager's department
A_HALL = ("李静",)  # 前厅, the bound employee
B_NAMES = ("赵乙丁", "钱丙戊")


def make_id(serial: int) -> str:
    first17 = f"1101011990{serial // 100 % 12 + 1:02d}{serial % 28 + 1:02d}{serial % 1000:03d}"
    return first17 + check_digit(first17)


def roster(rows: list[tuple[str, str, str, str]], serial: int) -> bytes:
    book = Workbook()
    book.active.append(["姓名", "身份证号", "入职日期", "部门", "缴费基数", "参保地", "已缴月份"])
    for i, (name, first_day, department, paid) in enumerate(rows):
        book.active.append([name, make_id(serial + i), first_day, department, 8000, "北京", paid])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


async def import_roster(bot: BotHarness, user: int, data: bytes) -> None:
    mark = bot.api.mark()
    bot.api.send_document(user, "花名册.xlsx", data)
    await bot.api.wait_for_messages(user, count=1, since=mark, timeout=15)
    for _ in range(3):
        texts = [t for t, _ in bot.api.last(user).buttons]
        if "✅ 确认导入" in texts:
            break
        await bot.press(user, next((t for t in texts if "未登记" in t), texts[0]))
    mark = bot.api.mark()
    progress = (await bot.press(user, "✅ 确认导入"))[0]
    await bot.api.wait_for_edit(user, progress.message_id, since=mark)


async def invite(bot: BotHarness, what: str, hr: int = HR) -> str:
    [answer] = await bot.say(hr, f"/invite {what}")
    return answer.text.split("?start=")[1].split()[0]


def registered_commands(bot: BotHarness) -> set[str]:
    assert bot.app is not None
    found: set[str] = set()

    def walk(handlers: list[Any]) -> None:
        for handler in handlers:
            if isinstance(handler, CommandHandler):
                found.update(handler.commands)
            elif isinstance(handler, ConversationHandler):
                walk(handler.entry_points)
                walk(handler.fallbacks)
                for state in handler.states.values():
                    walk(state)

    for group in bot.app.handlers.values():
        walk(group)
    return found


def snapshot(engine: Engine) -> dict[str, list[str]]:
    """Every row of every table the bot's data lives in (conversation state, logs and
    heartbeats aside); the scheduler is paused meanwhile, so only presses write."""
    skip = {"ptb_state", "audit_log", "alembic_version"}
    rows: dict[str, list[str]] = {}
    with engine.connect() as connection:
        for table in SQLModel.metadata.sorted_tables:
            if table.name in skip or "heartbeat" in table.name:
                continue
            result = connection.execute(sa_select(*table.columns))
            rows[table.name] = sorted(json.dumps(list(r), default=str) for r in result)
    return rows


async def settle(bot: BotHarness, chat: int, before: int, *, silent: int = 8) -> list[str]:
    """The texts the bot sent to `chat` after message `before`, once it has gone quiet (for
    `silent` polls of 50 ms when it sent nothing yet)."""
    quiet, seen = 0, -1
    for _ in range(200):
        await asyncio.sleep(0.05)
        count = len(bot.api.sent(chat))
        quiet = quiet + 1 if count == seen else 0
        seen = count
        if quiet >= 4 and count > 0 and bot.api.last(chat).message_id > before:
            break
        if quiet >= silent:
            break
    return [m.text or "" for m in bot.api.sent(chat) if m.message_id > before]


def last_id(bot: BotHarness, chat: int) -> int:
    sent = bot.api.sent(chat)
    return sent[-1].message_id if sent else 0


def outcome(texts: list[str]) -> str:
    if not texts:
        return "·"
    return "✗" if any(marker in t for t in texts for marker in REFUSALS) else "✓"


def forbidden_names(role: str) -> tuple[str, ...]:
    """Names the role must never be shown."""
    return {
        "admin": B_NAMES,
        "hr": B_NAMES,
        "manager": B_NAMES + A_HALL,
        "employee": B_NAMES + A_KITCHEN,
        "stranger": B_NAMES + A_KITCHEN + A_HALL,
        "other": A_KITCHEN + A_HALL,
    }[role]


@pytest.fixture
def settings() -> Settings:
    """The walk sends every command (and /cancel) as each user within a minute: no per-user
    command rate limit here (tests/e2e/test_command_rate_limit.py covers it)."""
    return load_settings(path="/nonexistent/config.toml", env={"HRBOT_LIMITS_COMMANDS": "0"})


@pytest.fixture
async def company_a_and_b(bot: BotHarness) -> dict[str, Any]:
    """Company A: an HR admin, an HR, the manager of 后厨, 李静 bound as employee; company B:
    its own HR admin, a manager and two employees."""
    a = await bot.join_as_hr(HR)
    await import_roster(bot, HR, roster([
        ("陈远航", "2026-06-01", "后厨", "2026-06~2026-11"),
        ("王芳", "2026-10-01", "后厨", ""),
        ("李静", "2026-11-16", "前厅", ""),
    ], 1))
    code = await invite(bot, "hr")
    await bot.say(HR2, f"/start {code}")
    code = await invite(bot, "manager 后厨")
    await bot.say(MANAGER, f"/start {code}")
    code = await invite(bot, "employee 李静")
    await bot.say(EMPLOYEE, f"/start {code}")
    b = await bot.join_as_hr(OTHER_HR, "别家公司", "上海")
    await import_roster(bot, OTHER_HR, roster([
        ("赵乙丁", "2026-10-01", "仓库", ""),
        ("钱丙戊", "2026-06-01", "仓库", "2026-06~2026-11"),
    ], 40))
    code = await invite(bot, "manager 仓库", OTHER_HR)
    await bot.say(B_MANAGER, f"/start {code}")
    return {"a": a, "b": b}


async def test_every_command_with_every_role(
    bot: BotHarness, company_a_and_b: dict[str, Any]
) -> None:
    commands = registered_commands(bot)
    assert commands == set(WALK), f"commands without a row in WALK: {commands ^ set(WALK)}"
    problems: list[str] = []
    for command, row in WALK.items():
        expected = dict(zip(ROLES, row.split(), strict=True))
        for role, user in ROLES.items():
            before = last_id(bot, user)
            bot.api.send_message(user, f"/{command}")
            texts = await settle(bot, user, before)
            got = outcome(texts)
            if got != expected[role]:
                problems.append(f"/{command} {role}: expected {expected[role]}, got {got} "
                                f"{texts[:1]}")
            leaked = [n for n in forbidden_names(role) for t in texts if n in t]
            if leaked:
                problems.append(f"/{command} {role}: saw {leaked}")
            if got == "✓":  # end a conversation it may have started
                bot.api.send_message(user, "/cancel")
                await settle(bot, user, last_id(bot, user))
    assert problems == [], "\n".join(problems)


def _ids(engine: Engine, company_id: int) -> dict[str, int]:
    """One row of each kind a button can point at, in `company_id`: the newest, so the
    membership is one a forged press could change (not the last HR admin, who is kept)."""
    with Session(engine) as session:
        def first(model: Any, *where: Any) -> int:
            row = session.exec(
                select(model).where(model.company_id == company_id, *where)
                .order_by(model.id.desc())
            ).first()
            return row.id if row is not None and row.id is not None else 999_999

        return {
            "company_id": company_id,
            "employee_id": first(Employee),
            "department_id": first(Department),
            "reminder_id": first(Reminder),
            "row_id": first(LedgerMonth),
            "item_id": first(Task),
            "case_id": first(BackpayCase),
            "membership_id": first(Membership),
        }


def forged(kind: type[callbacks.Button], ids: dict[str, int]) -> callbacks.Button:
    """A well-formed button of `kind` whose ids all point at `ids`' rows."""
    values: dict[str, object] = {}
    for name, hint in get_type_hints(kind).items():
        if name.isupper() or name.startswith("_"):
            continue
        if hint is int:
            values[name] = ids.get(name, 1)
        elif hint is callbacks.Month:
            values[name] = callbacks.Month(2026, 11, 1)
        elif get_origin(hint) is not None and get_args(hint):
            values[name] = get_args(hint)[0]
        else:
            values[name] = "a1b2c3d4e5f6"
    return kind(**values)  # type: ignore[call-arg]


async def press_all(
    bot: BotHarness, presses: list[tuple[int, str]]
) -> tuple[list[list[str]], bool]:
    """Press each (user, data) on that user's newest message, all at once (the Application
    handles chats concurrently); what each user saw (answers, messages, edits), and whether
    any press sent a message (it may have started a conversation)."""
    started = []
    for user, data in presses:
        anchor = bot.api.last(user)
        query = bot.api.press_button(user, anchor.message_id, data, strict=False)
        started.append((user, anchor.message_id, len(anchor.edits), query))
    for _ in range(200):
        answered = {a.callback_query_id for a in bot.api.answered_callbacks}
        if all(q in answered or last_id(bot, u) > m for u, m, _, q in started):
            break
        await asyncio.sleep(0.03)
    seen, messages = [], False
    for user, before, edits_before, query in started:
        texts = await settle(bot, user, before, silent=2)
        messages = messages or bool(texts)
        texts += [a.text or "" for a in bot.api.answered_callbacks if a.callback_query_id == query]
        texts += [e.text or "" for e in bot.api.message(user, before).edits[edits_before:]]
        seen.append(texts)
    return seen, messages


async def test_forged_buttons_never_reach_rows_they_should_not(
    bot: BotHarness, company_a_and_b: dict[str, Any]
) -> None:
    a_rows, b_rows = _ids(bot.engine, company_a_and_b["a"]), _ids(bot.engine, company_a_and_b["b"])
    assert bot.app is not None and bot.app.job_queue is not None
    bot.app.job_queue.scheduler.pause()  # the reminder tick writes rows of its own
    # Who presses buttons pointing at whose rows: A's people at B's; the manager, the employee
    # and B's HR at A's (nothing of A is theirs to change). A's plain HR acts as A's admin
    # does on B's rows, and a stranger the same on A's rows as on B's.
    attempts = [(role, b_rows) for role in ("admin", "manager", "employee", "stranger")]
    attempts += [(role, a_rows) for role in ("manager", "employee", "other")]
    problems: list[str] = []
    for kind in callbacks.kinds():
        for role in {r for r, _ in attempts}:
            await bot.say(ROLES[role], "/help")  # a fresh message to press on
        before = snapshot(bot.engine)
        presses = [(ROLES[role], forged(kind, ids).data) for role, ids in attempts]
        seen, messages = await press_all(bot, presses)
        after = snapshot(bot.engine)
        changed = [t for t in before if before[t] != after[t]]
        if changed:
            problems.append(f"{kind.__name__} by {[r for r, _ in attempts]}: changed {changed}")
        for (role, _), (_, data), texts in zip(attempts, presses, seen, strict=True):
            leaked = [n for n in forbidden_names(role) for t in texts if n in t]
            if leaked:
                problems.append(f"{data} by {role}: saw {leaked}")
        if messages:  # end whatever a press may have started
            for role in {r for r, _ in attempts}:
                bot.api.send_message(ROLES[role], "/cancel")
            await asyncio.sleep(0.3)
    assert problems == [], "\n".join(problems)


def test_walk_covers_the_access_table() -> None:
    """Every command COMMAND_ACCESS lists that is registered has a row, and they agree."""
    for command in WALK:
        if command == "cancel":
            continue
        row = dict(zip(ROLES, WALK[command].split(), strict=True))
        for role, mark in row.items():
            if role == "stranger" and command in ("start", "help"):
                continue  # served, with the refusal's own words: join first
            assert access.may_use_standing(STANDING[role], command) == (mark == "✓"), (
                command, role)


