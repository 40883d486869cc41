"""The start-up command menu catch-up (issue 15): at start only the menus that differ from the
ones last given are sent, in the background, paced, a 429 waited out; the bot answers updates
meanwhile.

The bot starts here in the order of Application.run_polling — initialize, post_init, polling,
start — since post_init is where the catch-up is scheduled (the harness skips post_init).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable

import pytest
from harness import HR, BotHarness
from sqlalchemy import func, insert, update
from sqlmodel import Session, select

import handlers.menu
from bot.app import build_application
from bot.local_api import ApiCall
from bot.services import onboarding
from models.command_menu import CommandMenu
from models.company import Membership

FIRST_EMPLOYEE = 500_000


@pytest.fixture
async def catch_ups(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[CatchUps]:
    """Every catch-up the bot runs, observed: how many menus each gave, and when it ended."""
    observed = CatchUps(handlers.menu.set_all_menus)
    monkeypatch.setattr(handlers.menu, "set_all_menus", observed)
    yield observed


class CatchUps:
    def __init__(self, original: Callable[..., object]) -> None:
        self._original = original
        self.given: list[int] = []
        self.ended = 0

    async def __call__(self, application: object, **kwargs: object) -> int:
        try:
            given = await self._original(application, **kwargs)  # type: ignore[misc]
            self.given.append(given)
            return given
        finally:
            self.ended += 1

    async def wait(self, count: int, bot: BotHarness) -> None:
        await bot.eventually(lambda: self.ended >= count, timeout=60)


async def start_as_run_polling(bot: BotHarness) -> None:
    """(Re)start the bot as `hrbot run` does, post_init included."""
    await bot.stop()
    app = build_application(bot.settings, engine=bot.engine, clock=bot.clock,
                            base_url=bot.api.base_url, base_file_url=bot.api.base_file_url,
                            token=bot.api.token)
    await app.initialize()
    assert app.post_init is not None
    await app.post_init(app)
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0.0, timeout=1)
    await app.start()
    bot.app = app


def bind_people(bot: BotHarness, employees: int) -> list[int]:
    """A company whose HR admin is `HR`, with `employees` bound employees; their user ids."""
    company = onboarding.create_company(bot.engine, "示例餐饮", "北京", "Asia/Shanghai")
    now = bot.clock.now()
    users = list(range(FIRST_EMPLOYEE, FIRST_EMPLOYEE + employees))
    rows = [{"company_id": company.id, "telegram_user_id": HR, "chat_id": HR, "role": "hr",
             "admin": True, "display_name": "HR", "active": True, "created_at": now,
             "current_at": now}]
    rows += [{"company_id": company.id, "telegram_user_id": user, "chat_id": user,
              "role": "employee", "admin": False, "display_name": "", "active": True,
              "created_at": now, "current_at": now} for user in users]
    with bot.engine.begin() as connection:
        connection.execute(insert(Membership), rows)
    return users


def scope_of(call: ApiCall) -> dict[str, object]:
    scope = call.params.get("scope")
    return json.loads(scope) if isinstance(scope, str) else dict(scope or {})


def chat_menus_sent(bot: BotHarness, since: int = 0) -> list[int]:
    """The chats given a menu (setMyCommands accepted) among the calls from index `since`."""
    return [int(scope_of(c)["chat_id"]) for c in bot.api.calls[since:]  # type: ignore[arg-type]
            if c.method.lower() == "setmycommands" and c.ok and scope_of(c).get("type") == "chat"]


def menu(bot: BotHarness, chat_id: int) -> set[str]:
    return {c["command"] for c in bot.api.commands({"type": "chat", "chat_id": chat_id})}


def remembered(bot: BotHarness) -> int:
    with Session(bot.engine) as session:
        return session.exec(select(func.count()).select_from(CommandMenu)).one()


async def test_a_restart_gives_no_menu_that_did_not_change(
    bot: BotHarness, catch_ups: CatchUps, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(handlers.menu, "MENUS_PER_SECOND", 500.0)
    users = bind_people(bot, 40)
    await start_as_run_polling(bot)
    await catch_ups.wait(1, bot)
    assert sorted(chat_menus_sent(bot)) == sorted([HR, *users])  # first start: all due
    assert "me" in menu(bot, users[0]) and "hire" in menu(bot, HR)
    assert remembered(bot) == 1 + 1 + len(users)  # the default scope, HR, the employees

    mark = len(bot.api.calls)
    await start_as_run_polling(bot)
    await catch_ups.wait(2, bot)
    assert catch_ups.given == [1 + 1 + len(users), 0]
    assert [c for c in bot.api.calls[mark:] if c.method.lower() == "setmycommands"] == []
    [todo] = await bot.say(HR, "/todo")  # and the bot is serving
    assert "没有待办" in todo.text


async def test_a_role_changed_while_the_bot_was_down_gets_its_menu_at_start(
    bot: BotHarness, catch_ups: CatchUps, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(handlers.menu, "MENUS_PER_SECOND", 500.0)
    users = bind_people(bot, 5)
    await start_as_run_polling(bot)
    await catch_ups.wait(1, bot)
    promoted = users[2]
    assert "team" not in menu(bot, promoted)

    await bot.stop()
    with bot.engine.begin() as connection:  # e.g. `hrbot` or another process changed it
        connection.execute(update(Membership).where(Membership.telegram_user_id == promoted)
                           .values(role="manager", scope={"departments": []}))
    mark = len(bot.api.calls)
    await start_as_run_polling(bot)
    await catch_ups.wait(2, bot)
    assert chat_menus_sent(bot, mark) == [promoted]
    assert "team" in menu(bot, promoted) and "me" not in menu(bot, promoted)


async def test_the_bot_answers_before_a_long_catch_up_ends(
    bot: BotHarness, catch_ups: CatchUps
) -> None:
    """300 stale menus at the real pace (20 a second): the reply goes out between them."""
    bind_people(bot, 300)
    mark = bot.api.mark()
    bot.api.send_message(HR, "/todo")  # waiting before the bot starts, as after a restart
    await start_as_run_polling(bot)
    [todo] = await bot.api.wait_for_messages(HR, count=1, since=mark, timeout=15)
    assert "没有待办" in todo.text

    def menus_after_the_reply() -> int:
        calls = bot.api.calls
        reply = next(i for i, c in enumerate(calls)
                     if c.method.lower() == "sendmessage" and c.chat_id == HR)
        return len(chat_menus_sent(bot, reply + 1))

    # The catch-up was still giving menus when the reply was recorded …
    await bot.api.wait_until(menus_after_the_reply, timeout=15)
    assert len(chat_menus_sent(bot)) < 301
    assert bot.api.max_calls_per_window(1.0, methods=("setMyCommands",)) <= 25  # ~20 a second
    # … and stopping does not wait for it to finish: it ends at the next menu.
    await bot.stop()
    assert catch_ups.ended == 1 and catch_ups.given[0] < 301
    assert remembered(bot) == catch_ups.given[0]


async def test_flood_control_is_waited_out_and_the_catch_up_completes(
    bot: BotHarness, catch_ups: CatchUps, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(handlers.menu, "MENUS_PER_SECOND", 500.0)
    users = bind_people(bot, 4)
    bot.api.fail_next("setMyCommands", error="retry_after", retry_after=1, times=2)
    await start_as_run_polling(bot)
    await catch_ups.wait(1, bot)
    outcomes = [c.outcome for c in bot.api.calls_of("setMyCommands")]
    assert outcomes[:2] == ["retry_after", "retry_after"]
    assert outcomes[2:] == ["ok"] * (1 + 1 + len(users))  # the default scope, HR, employees
    assert sorted(chat_menus_sent(bot)) == sorted([HR, *users])
    assert catch_ups.given == [1 + 1 + len(users)]


async def test_a_chat_that_failed_is_tried_again_at_the_next_start(
    bot: BotHarness, catch_ups: CatchUps, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another TelegramError is logged and the others go on; nothing is remembered for it."""
    monkeypatch.setattr(handlers.menu, "MENUS_PER_SECOND", 500.0)
    await start_as_run_polling(bot)  # nobody bound: gives the default scope only
    await catch_ups.wait(1, bot)
    users = bind_people(bot, 3)
    bot.api.fail_next("setMyCommands", error="bad_request")  # the first chat: HR
    await start_as_run_polling(bot)
    await catch_ups.wait(2, bot)
    assert chat_menus_sent(bot) == users and catch_ups.given[1] == len(users)

    mark = len(bot.api.calls)
    await start_as_run_polling(bot)
    await catch_ups.wait(3, bot)
    assert chat_menus_sent(bot, mark) == [HR]
    assert "hire" in menu(bot, HR)


async def test_a_role_change_during_the_catch_up_is_not_undone(
    bot: BotHarness, catch_ups: CatchUps
) -> None:
    """Each menu is read afresh when it is sent, and remembered: a person whose role changed
    (refresh_menu) while their turn was still to come gets the new menu, not the old one."""
    users = bind_people(bot, 60)
    last = users[-1]
    await start_as_run_polling(bot)
    await bot.api.wait_until(lambda: len(chat_menus_sent(bot)) >= 3, timeout=15)
    assert last not in chat_menus_sent(bot)
    with bot.engine.begin() as connection:
        connection.execute(update(Membership).where(Membership.telegram_user_id == last)
                           .values(role="manager", scope={"departments": []}))
    assert bot.app is not None
    await handlers.menu.refresh_menu(bot.app, last)  # what /members does after a change
    assert "team" in menu(bot, last)
    await catch_ups.wait(1, bot)
    assert "team" in menu(bot, last) and "me" not in menu(bot, last)
