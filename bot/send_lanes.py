"""Two send lanes for the Bot API: replies to people go before bulk deliveries.

PTB's AIORateLimiter paces every request of the process in one bucket, so a start-up
catch-up or the 07:00 reminders held a /todo reply behind the burst. Here each request waits
in one of two FIFO lanes: `Lane.INTERACTIVE` (the default: replies from handlers) and
`Lane.BULK` (reminders and notices, chosen by the Telegram channel adapter with PTB's
`rate_limit_args`). A free slot always goes to the oldest interactive request first; bulk gets
what replies leave over. Both lanes share Telegram's limits: at most `overall_max_rate`
requests in any `overall_period` seconds, and `group_max_rate` per `group_period` to one group
chat (a group at its limit holds only its own requests back, not the lane).

Bulk is also paced evenly, one request per `overall_period / overall_max_rate` (33 ms): let
a burst fill the window and its 30 slots all free together a second later, again and again,
so a reply arriving in between waited up to a second (measured: p95 616 ms in the rate
limiter alone during the start-up catch-up). Evenly spaced, a slot frees every 33 ms. And
while replies are being sent, bulk leaves a sixth (5) of the 30 slots to them, so a reply
seldom waits even for that; with nobody typing, bulk gets all 30. Replies alone at the full
rate cannot starve bulk: once it has waited two periods without a start, its three oldest go
ahead of the replies (STARVED_PERIODS, BULK_FLOOR).

Requests without a chat_id (getMe, setMyCommands, answerCallbackQuery …) pass straight
through, as in AIORateLimiter. A RetryAfter from Telegram propagates to the caller (like
AIORateLimiter with max_retries=0): the reminder scheduler turns it into RetryLater and keeps
the row, a reply fails like any other Telegram error.

Slots are granted by one event-loop callback (`_pump`), run when a request arrives, when a
granted waiter gives its slot back, and by a single timer at the moment the next slot frees:
no polling. A waiter cancelled before its turn holds nothing; one cancelled after it was
granted gives the slot back.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
from collections import deque
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

from telegram.constants import FloodLimit
from telegram.ext import BaseRateLimiter

#: Telegram's Bots FAQ, "My bot is hitting limits, how do I avoid this?"
#: (https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this): avoid
#: more than about 30 messages per second overall, and no more than 20 messages per minute to
#: one group. PTB's FloodLimit constants hold the same numbers (30 and 20).
OVERALL_MAX_RATE = FloodLimit.MESSAGES_PER_SECOND
OVERALL_PERIOD = 1.0
GROUP_MAX_RATE = FloodLimit.MESSAGES_PER_MINUTE_PER_GROUP
GROUP_PERIOD = 60.0

#: What a Bot API call returns (PTB's JSONDict).
JSONDict = dict[str, Any]

#: While people are being answered (a reply started within the last period), bulk leaves this
#: share of the period's slots free (5 of 30), so a reply seldom waits at all; with nobody
#: typing, bulk uses every slot.
INTERACTIVE_HEADROOM = 1 / 6

#: However busy people keep the bot, bulk is never starved: when it has waited this many
#: periods without a start, its oldest BULK_FLOOR share of a period's slots (3 of 30) goes ahead
#: of the replies. With replies at the full rate reminders still leave at 1.5 a second: late,
#: never silent.
STARVED_PERIODS = 2
BULK_FLOOR = 1 / 10

#: Beyond this many group windows, the idle ones are forgotten (they hold no recent send).
_GROUP_WINDOWS_KEPT = 512


class Lane(enum.Enum):
    """Which queue a request waits in (PTB's `rate_limit_args`)."""

    #: Replies to updates: someone is waiting for them.
    INTERACTIVE = "interactive"
    #: Reminders and notices sent by the scheduler: they may wait for the replies.
    BULK = "bulk"


class SlidingWindow:
    """At most `limit` starts in any `period` seconds: a log of the recent start times."""

    def __init__(self, limit: int, period: float) -> None:
        self.limit = limit
        self.period = period
        self._starts: deque[float] = deque()

    def _forget(self, now: float) -> None:
        # `start + period`, the same expression free_at returns: a timer set for that instant
        # always finds the slot free (no float round-off that would re-arm it at once).
        while self._starts and self._starts[0] + self.period <= now:
            self._starts.popleft()

    def free_at(self, now: float, limit: int | None = None) -> float:
        """`now` if a start is allowed now, else the instant enough old starts have left
        (`limit`: a lower one than the window's, for a caller that leaves room to others)."""
        self._forget(now)
        limit = self.limit if limit is None else limit
        if len(self._starts) < limit:
            return now
        return self._starts[len(self._starts) - limit] + self.period

    def take(self, now: float) -> None:
        self._starts.append(now)

    def give_back(self, at: float) -> None:
        """Forget a start that never sent (its waiter was cancelled after the grant)."""
        with contextlib.suppress(ValueError):
            self._starts.remove(at)

    def idle(self, now: float) -> bool:
        self._forget(now)
        return not self._starts


class Waiter(Protocol):
    """A request waiting for a slot: its lane, its group chat (None for a private chat) and
    whether it is still waiting (a cancelled one is skipped)."""

    @property
    def lane(self) -> Lane: ...

    @property
    def group(self) -> int | str | None: ...

    @property
    def withdrawn(self) -> bool: ...


W = TypeVar("W", bound=Waiter)


class LaneQueue(Generic[W]):
    """The scheduling rule without asyncio: which waiters may start at `now`, in which order.

    `grant(now)` hands out every slot free at `now`, interactive waiters first, each lane in
    arrival order; a waiter whose group chat is at its limit is passed over (it keeps its
    place) so it does not hold up the requests behind it.
    """

    def __init__(
        self,
        overall_max_rate: int = OVERALL_MAX_RATE,
        overall_period: float = OVERALL_PERIOD,
        group_max_rate: int = GROUP_MAX_RATE,
        group_period: float = GROUP_PERIOD,
    ) -> None:
        self.overall = SlidingWindow(overall_max_rate, overall_period)
        #: Bulk requests are spaced this far apart; `_bulk_next` is when the next may start.
        self._bulk_spacing = overall_period / overall_max_rate
        self._bulk_next = float("-inf")
        self._bulk_limit = max(1, overall_max_rate - int(overall_max_rate * INTERACTIVE_HEADROOM))
        #: How many bulk waiters go ahead of replies once bulk is starved, and since when bulk
        #: has waited without a start (None: it started, or nothing waits).
        self.bulk_floor = max(1, int(overall_max_rate * BULK_FLOOR))
        self._starved_after = STARVED_PERIODS * overall_period
        self._bulk_starved_since: float | None = None
        self._owed = 0
        self._last_interactive = float("-inf")
        self._group_max_rate = group_max_rate
        self._group_period = group_period
        self._groups: dict[int | str, SlidingWindow] = {}
        self._lanes: dict[Lane, deque[W]] = {lane: deque() for lane in Lane}

    def add(self, waiter: W) -> None:
        self._lanes[waiter.lane].append(waiter)

    def waiting(self) -> int:
        return sum(not w.withdrawn for lane in self._lanes.values() for w in lane)

    def _group_window(self, group: int | str) -> SlidingWindow:
        window = self._groups.get(group)
        if window is None:
            window = self._groups[group] = SlidingWindow(self._group_max_rate,
                                                         self._group_period)
        return window

    def grant(self, now: float) -> tuple[list[W], float | None]:
        """The waiters that start now (their slots taken), and when to ask again (None when
        nobody waits)."""
        owed = self._owed_to_bulk(now)
        granted: list[W] = []
        wake: float | None = None
        for lane in Lane:  # INTERACTIVE first
            queue = self._lanes[lane]
            passed_over: list[W] = []
            full = False
            while queue:
                waiter = queue[0]
                if waiter.withdrawn:
                    queue.popleft()
                    continue
                overall_at = self.overall.free_at(now)
                if lane is Lane.BULK:
                    overall_at = max(self._bulk_free_at(now, overall_at), self._bulk_next)
                if overall_at > now:
                    wake = overall_at if wake is None else min(wake, overall_at)
                    full = True
                    break
                group = waiter.group
                if group is not None and self._group_max_rate:
                    window = self._group_window(group)
                    group_at = window.free_at(now)
                    if group_at > now:
                        wake = group_at if wake is None else min(wake, group_at)
                        passed_over.append(queue.popleft())
                        continue
                    window.take(now)
                self.overall.take(now)
                if lane is Lane.INTERACTIVE:
                    self._last_interactive = now
                else:
                    # A spacing after the planned instant when the timer was a little late
                    # (so lateness does not add up to a slower rate), after now when bulk
                    # was idle; the window still caps the rate.
                    late = now - self._bulk_next < self._bulk_spacing
                    self._bulk_next = (self._bulk_next if late else now) + self._bulk_spacing
                granted.append(queue.popleft())
            queue.extendleft(reversed(passed_over))
            if full:
                break
        self._note_starvation(now, granted)
        granted[:0] = owed
        if len(self._groups) > _GROUP_WINDOWS_KEPT:
            self._forget_idle_groups(now)
        return granted, wake

    def _owed_to_bulk(self, now: float) -> list[W]:
        """The oldest bulk waiters (up to the floor) that start ahead of replies because bulk
        has waited STARVED_PERIODS without a start: replies at the full rate would starve it."""
        granted: list[W] = []
        since = self._bulk_starved_since
        if not self._owed and (since is None or now - since < self._starved_after):
            return granted
        self._owed = self._owed or self.bulk_floor
        queue = self._lanes[Lane.BULK]
        while queue and self._owed:
            if self.overall.free_at(now) > now:
                break
            waiter = queue[0]
            if waiter.withdrawn:
                queue.popleft()
                continue
            if waiter.group is not None and self._group_max_rate:
                window = self._group_window(waiter.group)
                if window.free_at(now) > now:
                    break  # the lane loop passes it over and serves the others
                window.take(now)
            self.overall.take(now)
            granted.append(queue.popleft())
            self._owed -= 1
            if not self._owed:
                self._bulk_starved_since = now  # the clock starts again
        if not queue:
            self._owed = 0
        return granted

    def _note_starvation(self, now: float, granted: list[W]) -> None:
        """Bulk is starved from the first grant that left it waiting without a start, until
        it starts in its own turn or has nothing left to send."""
        if any(w.lane is Lane.BULK for w in granted) or not any(
            not w.withdrawn for w in self._lanes[Lane.BULK]
        ):
            self._bulk_starved_since = None
            self._owed = 0
        elif self._bulk_starved_since is None:
            self._bulk_starved_since = now

    def _bulk_free_at(self, now: float, free_at: float) -> float:
        """When bulk may take a slot: within the headroom limit while replies are recent,
        else (after the last reply's period) whenever the window has room."""
        headroom_ends = self._last_interactive + self.overall.period
        if headroom_ends <= now:
            return free_at
        below_headroom = self.overall.free_at(now, self._bulk_limit)
        return min(below_headroom, max(free_at, headroom_ends))

    def give_back(self, waiter: W, at: float) -> None:
        """A granted waiter did not send after all: its slots are free again."""
        self.overall.give_back(at)
        if waiter.group is not None and waiter.group in self._groups:
            self._groups[waiter.group].give_back(at)

    def _forget_idle_groups(self, now: float) -> None:
        waiting = {w.group for lane in self._lanes.values() for w in lane}
        for group, window in list(self._groups.items()):
            if group not in waiting and window.idle(now):
                del self._groups[group]


@dataclass(eq=False)
class _Request:
    lane: Lane
    group: int | str | None
    future: asyncio.Future[float] = field(repr=False)

    @property
    def withdrawn(self) -> bool:
        # Cancelling the awaiting task cancels this future at once (before the task resumes),
        # so a grant in between never picks it.
        return self.future.done()


def group_of(chat_id: object) -> int | str | None:
    """The group a chat_id names, None for a private chat (the same rule as AIORateLimiter:
    negative ids are groups, supergroups and channels; a "@username" is a supergroup or
    channel)."""
    if isinstance(chat_id, str):
        try:
            chat_id = int(chat_id)
        except ValueError:
            return chat_id
    if isinstance(chat_id, int) and chat_id < 0:
        return chat_id
    return None


class SendLanes(BaseRateLimiter[Lane]):
    """PTB rate limiter with an interactive and a bulk lane (see the module docstring).

    Pass `rate_limit_args=Lane.BULK` on a Bot call to send it in the bulk lane; without it a
    request is interactive.
    """

    __slots__ = ("_queue", "_timer")

    def __init__(
        self,
        overall_max_rate: int = OVERALL_MAX_RATE,
        overall_period: float = OVERALL_PERIOD,
        group_max_rate: int = GROUP_MAX_RATE,
        group_period: float = GROUP_PERIOD,
    ) -> None:
        self._queue: LaneQueue[_Request] = LaneQueue(
            overall_max_rate, overall_period, group_max_rate, group_period
        )
        self._timer: asyncio.TimerHandle | None = None

    @property
    def overall_max_rate(self) -> int:
        """Requests this process may start in any overall period ([telegram] send_rate)."""
        return self._queue.overall.limit

    async def initialize(self) -> None:
        """Nothing to set up: the timer is armed only while requests wait."""

    async def shutdown(self) -> None:
        """Nothing to release: a request still waiting keeps its turn."""

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | JSONDict | list[JSONDict]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: Lane | None,
    ) -> bool | JSONDict | list[JSONDict]:
        chat_id = data.get("chat_id")
        if chat_id is not None:
            await self._wait_for_slot(rate_limit_args or Lane.INTERACTIVE, group_of(chat_id))
        return await callback(*args, **kwargs)

    async def _wait_for_slot(self, lane: Lane, group: int | str | None) -> None:
        request = _Request(lane, group, asyncio.get_running_loop().create_future())
        self._queue.add(request)
        self._pump()
        try:
            await request.future  # no suspension when the pump granted it already
        except asyncio.CancelledError:
            future = request.future
            if future.done() and not future.cancelled():  # granted, then cancelled
                self._queue.give_back(request, future.result())
                self._pump()
            raise

    def _pump(self, due: float | None = None) -> None:
        """Grant every slot free now and arm one timer for the next one."""
        loop = asyncio.get_running_loop()
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        # asyncio may run a timer up to its clock resolution early: count it as on time.
        now = loop.time() if due is None else max(loop.time(), due)
        granted, wake = self._queue.grant(now)
        for request in granted:
            request.future.set_result(now)
        if wake is not None:
            self._timer = loop.call_at(wake, self._pump, wake)
