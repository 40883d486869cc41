"""bot/send_lanes.py: replies before bulk deliveries, within Telegram's limits.

The scheduling rule (LaneQueue) is checked on a simulated clock, with hypothesis for the rate
property; the PTB rate limiter (SendLanes) with real asyncio waits, but with periods so long
that no slot frees by itself during a test, so nothing depends on how fast the machine is.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from telegram.error import RetryAfter

from bot.send_lanes import Lane, LaneQueue, SendLanes, group_of

# ------------------------------------------------------------------ the rule, simulated clock


@dataclass(eq=False)
class Waiter:
    name: str
    lane: Lane
    group: int | str | None = None
    arrived: float = 0.0
    withdrawn: bool = False
    granted_at: float | None = field(default=None)


def simulate(queue: LaneQueue[Waiter], arrivals: list[Waiter]) -> list[Waiter]:
    """Feed the waiters at their arrival times, asking `grant` exactly when it said to (or at
    an arrival); returns the waiters in the order they were granted."""
    pending = sorted(arrivals, key=lambda w: w.arrived)
    order: list[Waiter] = []
    wake: float | None = None
    now = 0.0
    while pending or wake is not None:
        candidates = [t for t in (wake, pending[0].arrived if pending else None) if t is not None]
        now = max(now, min(candidates))
        while pending and pending[0].arrived <= now:
            queue.add(pending.pop(0))
        granted, wake = queue.grant(now)
        for waiter in granted:
            waiter.granted_at = now
        order += granted
        # A wake-up is always in the future: the rule never asks to be polled.
        assert wake is None or wake > now
    return order


def most_in_any_window(times: list[float], period: float) -> int:
    times = sorted(times)
    best = start = 0
    for end, at in enumerate(times):
        while times[start] + period <= at:  # the limiter's own comparison (float-exact)
            start += 1
        best = max(best, end - start + 1)
    return best


waiters = st.lists(
    st.tuples(
        st.sampled_from(list(Lane)),
        st.sampled_from([None, None, None, -100, -200]),  # mostly private chats
        st.floats(min_value=0, max_value=5, allow_nan=False).map(lambda t: round(t, 2)),
    ),
    max_size=120,
)


@settings(max_examples=150, deadline=None)
@given(waiters)
def test_the_rate_and_group_limits_are_kept_and_everyone_is_served(
    drawn: list[tuple[Lane, int | None, float]],
) -> None:
    queue: LaneQueue[Waiter] = LaneQueue(10, 1.0, 3, 4.0)
    arrivals = [Waiter(str(n), lane, group, at) for n, (lane, group, at) in enumerate(drawn)]
    order = simulate(queue, arrivals)
    assert sorted(w.name for w in order) == sorted(w.name for w in arrivals)
    assert most_in_any_window([w.granted_at for w in order], 1.0) <= 10  # type: ignore[misc]
    for group in (-100, -200):
        times = [w.granted_at for w in order if w.group == group]
        assert most_in_any_window(times, 4.0) <= 3  # type: ignore[arg-type]
    for lane in Lane:  # FIFO within a lane, for each chat kind
        for group in (None, -100, -200):
            same = [w for w in order if w.lane is lane and w.group == group]
            assert [w.arrived for w in same] == sorted(w.arrived for w in same)


@settings(max_examples=150, deadline=None)
@given(waiters)
def test_bulk_starts_while_a_reply_waits_only_within_its_floor(
    drawn: list[tuple[Lane, int | None, float]],
) -> None:
    queue: LaneQueue[Waiter] = LaneQueue(10, 1.0, 3, 4.0)
    arrivals = [Waiter(str(n), lane, None, at) for n, (lane, _group, at) in enumerate(drawn)]
    order = simulate(queue, arrivals)
    bulk_starts = [w.granted_at for w in order if w.lane is Lane.BULK]
    for bulk in (w for w in order if w.lane is Lane.BULK):
        at = bulk.granted_at
        assert at is not None
        a_reply_waited = any(
            w.lane is Lane.INTERACTIVE and w.arrived <= at < w.granted_at  # type: ignore[operator]
            for w in order
        )
        if a_reply_waited:  # only starved bulk's floor goes ahead of a reply
            recent = [t for t in bulk_starts if t is not None and at - 2.0 < t <= at]
            assert len(recent) <= queue.bulk_floor


def test_replies_at_the_full_rate_do_not_starve_bulk() -> None:
    """100 replies a second for 10 s against a 30/s limit: reminders still go, 3 every 2 s."""
    queue: LaneQueue[Waiter] = LaneQueue(30, 1.0)
    replies = [Waiter(f"r{n}", Lane.INTERACTIVE, None, n / 100) for n in range(1000)]
    bulk = [Waiter(f"b{n}", Lane.BULK, None, 0.0) for n in range(100)]
    order = simulate(queue, bulk + replies)
    first_ten_seconds = [w for w in order if w.lane is Lane.BULK and w.granted_at < 10.0]  # type: ignore[operator]
    assert queue.bulk_floor == 3
    assert len(first_ten_seconds) >= 3 * 4
    assert most_in_any_window([w.granted_at for w in order], 1.0) <= 30  # type: ignore[misc]


def test_a_reply_queued_after_50_bulk_deliveries_goes_first() -> None:
    queue: LaneQueue[Waiter] = LaneQueue(30, 1.0)
    earlier = [Waiter(f"earlier{n}", Lane.INTERACTIVE) for n in range(30)]
    bulk = [Waiter(f"bulk{n}", Lane.BULK) for n in range(50)]
    reply = Waiter("reply", Lane.INTERACTIVE, arrived=0.5)
    order = simulate(queue, [*earlier, *bulk, reply])
    # 30 earlier replies filled the second; the first slot to free goes to the reply.
    assert [w.name for w in order].index("reply") == 30
    assert reply.granted_at == 1.0


def test_bulk_is_paced_evenly() -> None:
    queue: LaneQueue[Waiter] = LaneQueue(10, 1.0)
    order = simulate(queue, [Waiter(f"bulk{n}", Lane.BULK) for n in range(30)])
    assert [w.granted_at for w in order] == pytest.approx([n / 10 for n in range(30)])


def test_bulk_leaves_headroom_while_people_are_answered() -> None:
    def bulk_in_first_second(*replies: Waiter) -> int:
        queue: LaneQueue[Waiter] = LaneQueue(30, 1.0)
        bulk = [Waiter(f"bulk{n}", Lane.BULK) for n in range(100)]
        simulate(queue, [*replies, *bulk])
        return sum(w.granted_at < 1.0 for w in bulk)  # type: ignore[operator]

    assert bulk_in_first_second() == 30  # nobody typing: every slot
    assert bulk_in_first_second(Waiter("reply", Lane.INTERACTIVE)) == 24  # 5 of 30 kept free


@settings(max_examples=100, deadline=None)
@given(st.floats(min_value=0.0, max_value=5.0, allow_nan=False))
def test_a_reply_during_a_bulk_flood_waits_at_most_one_spacing(at: float) -> None:
    """The regression: a burst of bulk filled the window and freed all its slots together a
    second later, so a reply arriving in between waited up to a second."""
    queue: LaneQueue[Waiter] = LaneQueue(30, 1.0)
    reply = Waiter("reply", Lane.INTERACTIVE, arrived=at)
    simulate(queue, [*(Waiter(f"bulk{n}", Lane.BULK) for n in range(300)), reply])
    assert reply.granted_at is not None and reply.granted_at - at <= 1 / 30 + 1e-9


def test_a_group_at_its_limit_holds_back_only_its_own_messages() -> None:
    queue: LaneQueue[Waiter] = LaneQueue(30, 1.0, 20, 60.0)
    to_group = [Waiter(f"group{n}", Lane.INTERACTIVE, group=-100) for n in range(25)]
    private = [Waiter(f"private{n}", Lane.INTERACTIVE, arrived=0.5) for n in range(5)]
    order = simulate(queue, [*to_group, *private])
    times = {w.name: w.granted_at for w in order}
    assert [times[f"group{n}"] for n in range(20)] == [0.0] * 20
    assert [times[f"group{n}"] for n in range(20, 25)] == [60.0] * 5
    assert all(times[f"private{n}"] == 0.5 for n in range(5))


def test_a_withdrawn_waiter_takes_no_slot() -> None:
    queue: LaneQueue[Waiter] = LaneQueue(2, 1.0)
    a, b, c, d = (Waiter(name, Lane.INTERACTIVE) for name in "abcd")
    for waiter in (a, b, c, d):
        queue.add(waiter)
    granted, wake = queue.grant(0.0)
    assert granted == [a, b] and wake == 1.0
    c.withdrawn = True
    granted, wake = queue.grant(1.0)
    assert granted == [d] and wake is None
    assert queue.waiting() == 0


def test_group_of_follows_telegram_chat_ids() -> None:
    assert group_of(1001) is None and group_of("1001") is None
    assert group_of(-100500) == -100500 and group_of("-100500") == -100500
    assert group_of("@hr_channel") == "@hr_channel"


# ------------------------------------------------------------------ the PTB rate limiter

#: Long enough that no slot frees by itself while a test runs.
NEVER = 3600.0


class Recorder:
    def __init__(self) -> None:
        self.sent: list[str] = []

    def callback(self, name: str) -> Any:
        async def send() -> dict[str, Any]:
            self.sent.append(name)
            return {"ok": name}

        return send


async def request(
    limiter: SendLanes, recorder: Recorder, name: str, chat_id: int | None = 1,
    lane: Lane | None = None,
) -> Any:
    data = {} if chat_id is None else {"chat_id": chat_id}
    return await limiter.process_request(recorder.callback(name), (), {}, "sendMessage", data,
                                         lane)


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


def free_one_slot(limiter: SendLanes) -> None:
    """Let the oldest send of the window expire, as time would, and grant what may go."""
    window = limiter._queue.overall
    window.give_back(window._starts[0])
    limiter._pump()


async def test_the_limiter_holds_requests_beyond_the_rate() -> None:
    limiter = SendLanes(overall_max_rate=5, overall_period=NEVER)
    recorder = Recorder()
    tasks = [asyncio.create_task(request(limiter, recorder, f"m{n}")) for n in range(7)]
    await settle()
    assert recorder.sent == [f"m{n}" for n in range(5)]
    assert [t.done() for t in tasks] == [True] * 5 + [False] * 2
    assert tasks[0].result() == {"ok": "m0"}
    for task in tasks[5:]:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


async def test_a_reply_queued_after_50_bulk_requests_is_released_before_them() -> None:
    limiter = SendLanes(overall_max_rate=5, overall_period=NEVER)
    recorder = Recorder()
    earlier = [asyncio.create_task(request(limiter, recorder, f"earlier{n}", chat_id=n))
               for n in range(5)]
    bulk = [
        asyncio.create_task(request(limiter, recorder, f"bulk{n}", chat_id=100 + n,
                                    lane=Lane.BULK))
        for n in range(50)
    ]
    await settle()
    reply = asyncio.create_task(request(limiter, recorder, "reply", chat_id=7))
    await settle()
    assert recorder.sent == [f"earlier{n}" for n in range(5)]
    free_one_slot(limiter)
    await settle()
    assert recorder.sent[5:] == ["reply"] and reply.done()
    free_one_slot(limiter)
    await settle()
    assert recorder.sent[6:] == ["bulk0"]  # then the bulk lane resumes, in order
    for task in bulk:
        task.cancel()
    await asyncio.gather(*earlier, *bulk, return_exceptions=True)


async def test_a_group_chat_is_limited_per_group() -> None:
    limiter = SendLanes(overall_max_rate=100, overall_period=1.0, group_max_rate=2,
                        group_period=NEVER)
    recorder = Recorder()
    names = ["g1", "g2", "g3", "private", "other group"]
    chats = [-100, -100, -100, 5, -200]
    tasks = [
        asyncio.create_task(request(limiter, recorder, name, chat_id=chat))
        for name, chat in zip(names, chats, strict=True)
    ]
    await settle()
    # The third message to -100 waits for its group; the ones queued behind it do not.
    assert recorder.sent == ["g1", "g2", "private", "other group"]
    assert not tasks[2].done()
    tasks[2].cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


async def test_a_cancelled_waiter_does_not_eat_a_slot() -> None:
    limiter = SendLanes(overall_max_rate=1, overall_period=NEVER)
    recorder = Recorder()
    first = asyncio.create_task(request(limiter, recorder, "first"))
    await settle()
    waiting = asyncio.create_task(request(limiter, recorder, "cancelled while waiting"))
    granted = asyncio.create_task(request(limiter, recorder, "cancelled once granted"))
    last = asyncio.create_task(request(limiter, recorder, "last"))
    await settle()
    waiting.cancel()
    await settle()
    free_one_slot(limiter)  # the slot goes to the next live waiter …
    granted.cancel()  # … which is cancelled before it could run: it gives the slot back
    await settle()
    assert recorder.sent == ["first", "last"]
    assert waiting.cancelled() and granted.cancelled() and first.done() and last.done()
    assert limiter._queue.waiting() == 0 and len(limiter._queue.overall._starts) == 1


async def test_requests_without_a_chat_id_are_not_limited() -> None:
    limiter = SendLanes(overall_max_rate=1, overall_period=NEVER)
    recorder = Recorder()
    await request(limiter, recorder, "takes the only slot")
    for name in ("getMe", "setMyCommands", "answerCallbackQuery"):
        assert await request(limiter, recorder, name, chat_id=None) == {"ok": name}
    assert len(limiter._queue.overall._starts) == 1


async def test_retry_after_reaches_the_caller_and_holds_nobody_back() -> None:
    limiter = SendLanes(overall_max_rate=10, overall_period=NEVER)
    recorder = Recorder()

    async def flood() -> None:
        raise RetryAfter(7)

    with pytest.raises(RetryAfter):
        await limiter.process_request(flood, (), {}, "sendMessage", {"chat_id": 1}, Lane.BULK)
    assert await request(limiter, recorder, "next") == {"ok": "next"}


def test_the_application_sends_at_the_configured_share_of_the_token(tmp_path: Any) -> None:
    """[telegram] send_rate: processes sharing one token split its 30 msg/s."""
    from bot.app import build_application
    from bot.settings import load_settings
    from models.db import make_engine

    engine = make_engine(f"sqlite:///{tmp_path / 'lanes.sqlite'}")
    for env, rate in (({}, 30), ({"HRBOT_TELEGRAM_SEND_RATE": "12"}, 12)):
        settings = load_settings(path="/nonexistent/config.toml", env=env)
        app = build_application(settings, engine=engine)
        limiter = app.bot.rate_limiter
        assert isinstance(limiter, SendLanes) and limiter.overall_max_rate == rate
    engine.dispose()
    with pytest.raises(ValueError, match="send_rate"):
        load_settings(path="/nonexistent/config.toml", env={"HRBOT_TELEGRAM_SEND_RATE": "31"})
