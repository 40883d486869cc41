"""A seeded fuzzer that attacks the running bot end to end, through the local Bot API server.

Each case starts (or not) a conversation with a command, then sends hostile text, presses a
real button on the newest message, forges callback data from every pattern the bot registers,
or uploads a hostile file — as the HR of one company, the HR of another, or a stranger. After
the run three numbers say whether the bot held:

- unhandled: ERROR log records (the Application's error handler logs every unhandled
  exception as "unhandled <type>"; PTB logs its own failures at ERROR too);
- bad_writes: rows that should not exist — names, departments or amounts the validators
  refuse, dates outside the plausible window, anything written for the stranger;
- failed_sends: Bot API requests the local server rejected (a reply over 4,096 characters,
  broken HTML, an edit of a deleted message …) and its own internal errors.

tests/e2e/test_fuzz.py runs a few hundred cases on each database in CI; bench/fuzz_bot.py
runs 10,000 and prints the numbers.
"""

from __future__ import annotations

import asyncio
import io
import logging
import random
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from harness import HR, OTHER_HR, STRANGER, BotHarness
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from sqlmodel import Session, select

from bot.parsing import InputError, parse_department_name, parse_person_name
from models.audit import AuditLog
from models.employee import Department, Employee
from models.ledger import LedgerMonth
from models.task import Task
from policies.idnumber import check_digit

COMMANDS = [
    "/hire", "/leave", "/base", "/base_all", "/backpay", "/todo", "/employees", "/employee",
    "/ledger", "/export", "/policy", "/policy_version", "/settings", "/cancel", "/help",
    "/start", "/bindgroup", "/reminders", "/cases",
]  # fmt: skip

#: Every callback pattern's prefix, with typical and broken tails.
CALLBACK_PREFIXES = [
    "hire:cancel", "hire:city:default", "hire:confirm", "hire:dept:", "hire:edit", "hire:field:",
    "leave:cancel", "leave:confirm", "leave:emp:", "leave:reason:", "base:allok", "base:cancel",
    "base:confirm", "base:emp:", "base:month:", "backpay:emp:", "backpay:months:unpaid",
    "backpay:page:", "backpay:pay:today", "todo:done:", "todo:paid:", "todo:abort", "todo:today",
    "todo:page:", "emp:page:", "ledger:page:", "ledger:decl", "ledger:paid:", "ledger:bulk:",
    "ledger:month:", "policy:", "reminders:done:", "reminders:snooze:", "reminders:view:",
    "transfer:map:", "transfer:confirm", "transfer:cancel", "transfer:errors", "settings:",
    "case:open:", "case:bp:", "case:reason:", "case:pay:today", "case:paid:planned",
    "case:show:", "case:mv:", "case:docs:", "case:page:",
    "x", "", ":",
]  # fmt: skip

CALLBACK_TAILS = [
    "", "1", "0", "-1", "abc", "9223372036854775808", "99", "1:2", "x:2026-12", "2026-12",
    "abc:1", "name", "99:name", "1:base", "北京", "🙂", "1" * 40, ":", "::", "1:", "%00",
]  # fmt: skip

HOSTILE_TEXTS = [
    '=HYPERLINK("http://e.cn","点")', "=cmd|' /C calc'!A0", "+1+1", "-5000", "@SUM(A1)",
    "王\x00芳", "\u202e芳王", "\u200b\u200c\u200d", "王\t芳", "王\r芳", "<b>王芳</b>", "&amp;",
    "1e1000000", "1E5", "NaN", "Infinity", "-0", "0", "0.001", "999999999999", "１２３４",
    "0001-01-01", "9999-12-31", "2026-02-30", "2025-01至9999-12", "0000-00", "12月32日",
    "今天", "昨天", "明天", "9223372036854775808", "-9223372036854775809", "' OR 1=1 --",
    "/hire", "/cancel", "   ", "\n\n", "🙂" * 50, "北" * 1702, "王" * 4062, "x" * 4096,
    "陈明远", "后厨", "8000", "北京", "110101199003071233", "11010119900307123X",
]  # fmt: skip

#: An action is over when the bot has made no request for this long after fetching it.
QUIET_SECONDS = 0.04
#: An action with no answer in its chat after this long counts as unanswered (not an error:
#: a stranger's text in a group, for one, is rightly ignored).
SILENT_AFTER = 2.0
#: One group chat shared by everyone: buttons and commands there must stay private-safe.
GROUP = -100123


@dataclass
class FuzzReport:
    cases: int = 0
    actions: int = 0
    silent: int = 0
    unhandled: list[str] = field(default_factory=list)
    bad_writes: list[str] = field(default_factory=list)
    failed_sends: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def summary(self) -> str:
        return (
            f"cases={self.cases} actions={self.actions} unanswered={self.silent} "
            f"unhandled={len(self.unhandled)} bad_writes={len(self.bad_writes)} "
            f"failed_sends={len(self.failed_sends)} seconds={self.seconds:.0f}"
        )


class _ErrorLog(logging.Handler):
    """Collects ERROR records: the error handler's "unhandled …" and PTB's own failures."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.records: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage()
        if record.exc_info and record.exc_info[1] is not None:
            text += f" [{type(record.exc_info[1]).__name__}]"
        lines = text.strip().splitlines()
        where = [line.strip() for line in lines if line.strip().startswith('File "')]
        ours = [line for line in where if "site-packages" not in line]
        where = ours or where  # the deepest frame of our own code says where it broke
        last = where[-1].replace('File "', "").split('", line ') if where else ["", ""]
        place = "/".join(last[0].rsplit("/", 2)[-2:]) + ":" + last[-1] if where else "?"
        self.records.append(f"{record.name}: {lines[0] if lines else ''} at {place}")


def make_id(serial: int) -> str:
    first17 = f"1101011990{serial // 100 % 12 + 1:02d}{serial % 28 + 1:02d}{serial % 1000:03d}"
    return first17 + check_digit(first17)


def hostile_text(rng: random.Random) -> str:
    choice = rng.random()
    if choice < 0.6:
        return rng.choice(HOSTILE_TEXTS)
    if choice < 0.8:
        alphabet = "王芳陈明远0123456789-=+@<>&/\\:;'\"\t\r\n\x00\u202e\u200b ¥万千eE.,至~"
        return "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 60)))
    return rng.choice(HOSTILE_TEXTS) + rng.choice(HOSTILE_TEXTS)


def forged_callback(rng: random.Random) -> str:
    data = rng.choice(CALLBACK_PREFIXES) + rng.choice(CALLBACK_TAILS)
    return data.encode()[:64].decode(errors="ignore") or "x"


def hostile_file(rng: random.Random) -> tuple[str, bytes]:
    kind = rng.randrange(7)
    header = "姓名,身份证号,入职日期,部门,缴费基数,参保地\n"
    if kind == 0:
        return "junk.xlsx", rng.randbytes(rng.randint(0, 2000))
    if kind == 1:
        rows = "".join(
            f"{hostile_text(rng).replace(',', '')},{make_id(rng.randrange(900))},2026-11-20,"
            f"{rng.choice(HOSTILE_TEXTS[:6])},{rng.choice(['8000', '1e1000000', '-1'])},北京\n"
            for _ in range(rng.randint(1, 5))
        )
        return "hostile.csv", (header + rows).encode()
    if kind == 2:
        return "wide.csv", (",".join(f"c{i}" for i in range(200)) + "\n").encode()
    if kind == 3:
        return "gbk.csv", rng.randbytes(300)
    if kind == 4:
        book = Workbook()
        book.active.append(["姓名", "身份证号", "入职日期", "缴费基数"])
        name = ILLEGAL_CHARACTERS_RE.sub("", hostile_text(rng))  # openpyxl cannot store them
        book.active.append([name, make_id(rng.randrange(900)), "2026-11-20", "8000"])
        if rng.random() < 0.5:
            book.active["XFD1048576"] = "x"
        out = io.BytesIO()
        book.save(out)
        return "sheet.xlsx", out.getvalue()
    if kind == 5:
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("xl/workbook.xml", b"<" * 1000)
        return "broken.xlsx", out.getvalue()
    return "notes.txt", b"hello"


class Fuzzer:
    """One lane of seeded cases: its own two companies, HR users, stranger and group chat.

    Lanes run side by side in one Application (updates of different chats are processed
    concurrently), which is how bench/fuzz_bot.py gets through 10,000 cases.
    """

    def __init__(self, bot: BotHarness, seed: int, *, lane: int = 0, forge: bool = True) -> None:
        """`forge=False` leaves out forged callback data (pressing only buttons the bot sent)."""
        self.bot = bot
        self.forge = forge
        self.lane = lane
        self.rng = random.Random(seed * 1000 + lane)
        self.report = FuzzReport()
        self.hr = HR + 100 * lane
        self.other_hr = OTHER_HR + 100 * lane
        self.stranger = STRANGER + 100 * lane
        self.users = [self.hr, self.hr, self.hr, self.other_hr, self.stranger]
        self.group = GROUP - lane

    async def setup(self) -> None:
        """Two companies (one HR each) with employees, so every flow has buttons to press."""
        bot = self.bot
        suffix = f"{self.lane}" if self.lane else ""
        await bot.join_as_hr(self.hr, company=f"示例餐饮{suffix}")
        await bot.join_as_hr(self.other_hr, company=f"另一家公司{suffix}")
        people = ((self.hr, "甲"), (self.hr, "乙"), (self.other_hr, "丙"))
        for serial, (user, mark) in enumerate(people, start=1):
            await bot.say(user, "/hire")
            await bot.say(user, f"员工{mark}某")
            await bot.say(user, make_id(self.lane * 10 + serial))
            await bot.say(user, "12月1日")
            await bot.say(user, "后厨")
            await bot.say(user, "8000")
            await bot.press(user, "北京（默认）")
            await bot.press(user, "✅ 确认")

    async def run(
        self, cases: int, progress: Callable[[], None] | None = None, *, until: float = 0.0
    ) -> None:
        for _ in range(cases):
            if until and time.monotonic() > until:
                return
            await self.case()
            self.report.cases += 1
            if progress:
                progress()

    async def case(self) -> None:
        rng = self.rng
        user = rng.choice(self.users)
        group = rng.random() < 0.05
        chat = self.group if group else None
        if rng.random() < 0.5:
            command = rng.choice(COMMANDS)
            if rng.random() < 0.3:
                command += " " + hostile_text(rng)
            await self.act(
                user, chat, lambda: self.bot.api.send_message(user, command, **_where(chat))
            )
        for _ in range(rng.randint(1, 3)):
            roll = rng.random()
            if roll < 0.45:
                text = hostile_text(rng)
                await self.act(
                    user,
                    chat,
                    lambda text=text: self.bot.api.send_message(user, text, **_where(chat)),
                )
            elif roll < 0.75:
                await self.press_real_button(user, chat)
            elif roll < 0.95:
                if self.forge:
                    await self.press_forged(user, chat)
                else:
                    await self.press_real_button(user, chat)
            else:
                name, data = hostile_file(rng)
                await self.act(
                    user,
                    chat,
                    lambda name=name, data=data: self.bot.api.send_document(
                        user, name, data, **_where(chat)
                    ),
                )

    async def press_real_button(self, user: int, chat: int | None) -> None:
        target = user if chat is None else chat
        messages = [m for m in self.bot.api.sent(target)[-3:] if m.buttons and not m.deleted]
        if not messages:
            return
        message = self.rng.choice(messages)
        buttons = [data for _, data in message.buttons if data]
        if not buttons:
            return
        data = self.rng.choice(buttons)
        await self.act(
            user,
            chat,
            lambda: self.bot.api.press_button(
                user, message.message_id, data, chat_id=chat, strict=False
            ),
        )

    async def press_forged(self, user: int, chat: int | None) -> None:
        target = user if chat is None else chat
        messages = [m for m in self.bot.api.sent(target) if not m.deleted]
        if not messages:
            return
        message = self.rng.choice(messages[-5:])
        data = forged_callback(self.rng)
        await self.act(
            user,
            chat,
            lambda: self.bot.api.press_button(
                user, message.message_id, data, chat_id=chat, strict=False
            ),
        )

    async def act(self, user: int, chat: int | None, inject: Callable[[], object]) -> None:
        """Inject one update and wait until the bot has answered it in that chat (a message,
        an edit, or the callback answered) and then gone quiet there."""
        api = self.bot.api
        target = user if chat is None else chat
        mark = api.mark().seq
        outcome = inject()
        query_id = outcome if isinstance(outcome, str) else None
        self.report.actions += 1
        deadline = time.monotonic() + SILENT_AFTER
        while (last := self._last_activity(target, mark)) is None:
            if query_id is not None and api._callback_queries.get(query_id):
                last = mark
                break
            if time.monotonic() > deadline:
                self.report.silent += 1
                return
            await asyncio.sleep(0.005)
        while True:  # follow-up messages of the same answer (a notice, then the question)
            await asyncio.sleep(QUIET_SECONDS)
            newer = self._last_activity(target, last)
            if newer is None:
                return
            last = newer

    def _last_activity(self, chat_id: int, after: int) -> int | None:
        """The newest activity seq in `chat_id` after `after`; only the tail is scanned."""
        api = self.bot.api
        with api._lock:  # a read-only peek at the server's record, cheap at any length
            for activity in reversed(api._activities[-60:]):
                if activity.seq <= after:
                    return None
                if activity.chat_id == chat_id:
                    return activity.seq
        return None


async def fuzz(
    bot: BotHarness,
    cases: int,
    *,
    seed: int = 8,
    lanes: int = 1,
    forge: bool = True,
    progress_every: int = 0,
    max_seconds: float = 0.0,
) -> FuzzReport:
    """Run `cases` cases split over `lanes` concurrent lanes; check logs, sends and rows.

    With `max_seconds`, lanes start no new case after that long (the report says how many
    cases ran)."""
    fuzzers = [Fuzzer(bot, seed, lane=lane, forge=forge) for lane in range(lanes)]
    for fuzzer in fuzzers:
        await fuzzer.setup()
    errors = _ErrorLog()
    logging.getLogger().addHandler(errors)
    calls_before = len(bot.api.calls)
    started = time.monotonic()
    done = [0]

    def progress() -> None:
        done[0] += 1
        if progress_every and done[0] % progress_every == 0:
            print(
                f"  {done[0]} cases, {time.monotonic() - started:.0f}s, "
                f"unhandled so far {len(errors.records)}",
                flush=True,
            )

    share = [cases // lanes + (1 if lane < cases % lanes else 0) for lane in range(lanes)]
    try:
        until = started + max_seconds if max_seconds else 0.0
        await asyncio.gather(
            *(f.run(n, progress, until=until) for f, n in zip(fuzzers, share, strict=True))
        )
    finally:
        logging.getLogger().removeHandler(errors)
    report = FuzzReport(seconds=time.monotonic() - started)
    for fuzzer in fuzzers:
        report.cases += fuzzer.report.cases
        report.actions += fuzzer.report.actions
        report.silent += fuzzer.report.silent
    report.unhandled = list(errors.records)
    report.failed_sends = _failed_sends(bot, calls_before)
    report.bad_writes = bad_writes(bot, {f.stranger for f in fuzzers})
    return report


def _failed_sends(bot: BotHarness, start: int) -> list[str]:
    """Rejected requests, except an edit to what the message already says: a button tapped
    twice makes that edit, Telegram refuses it, and handlers.common.edit_message counts it as
    done by design (the message shows what it should; a 3,000-case run met it twice)."""
    failed = [
        f"{c.method}: {c.outcome} {c.description[:80]}"
        for c in bot.api.calls[start:]
        if c.method.lower() != "getupdates"
        and c.outcome not in ("ok", "pending")
        and not (c.method.lower().startswith("edit") and "message is not modified"
                 in c.description.lower())
    ]
    return failed + [f"server: {e}" for e in bot.api.errors]


def bad_writes(bot: BotHarness, strangers: set[int]) -> list[str]:
    """Rows the validators would refuse, dates out of range, anything a stranger wrote."""
    bad: list[str] = []
    today = bot.clock.now().date()
    with Session(bot.engine) as session:
        people = {e.id: e for e in session.exec(select(Employee))}
        for person in people.values():
            if not _valid(parse_person_name, person.name):
                bad.append(f"employee {person.id} name {person.name[:40]!r}")
            if not Decimal(0) < person.base < Decimal(1_000_000):
                bad.append(f"employee {person.id} base {str(person.base)[:40]}")
        for department in session.exec(select(Department)):
            if not _valid(parse_department_name, department.name):
                bad.append(f"department {department.id} {department.name[:40]!r}")
        for task in session.exec(select(Task)):
            if task.done_on is None:
                continue
            owner = people.get(task.employee_id)
            earliest = owner.first_day if owner else date(1995, 1, 1)
            if not earliest <= task.done_on <= today:
                bad.append(f"task {task.id} done_on {task.done_on}")
        for row in session.exec(select(LedgerMonth)):
            if row.paid_on is not None and not date(1995, 1, 1) <= row.paid_on <= today:
                bad.append(f"ledger {row.id} paid_on {row.paid_on}")
        for entry in session.exec(select(AuditLog)):
            if entry.actor_user_id in strangers:
                bad.append(f"audit {entry.id} by a stranger")
    return bad


def _where(chat: int | None) -> dict[str, object]:
    return {} if chat is None else {"chat_id": chat, "chat_type": "supergroup"}


def _valid(parse: Callable[[str], str], value: str) -> bool:
    try:
        return parse(value) == value
    except InputError:
        return False
