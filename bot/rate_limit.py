"""Per-user command rate limit: at most N commands in any M seconds (config [limits]).

One person (or a script with their account) sending commands in a burst would otherwise make
the bot do a database round-trip per command for everyone's cost. Only commands count
(messages starting with "/"): answers typed inside a conversation and button presses do not,
so filling in /hire quickly is never refused. The window slides (each user keeps the times of
their last N commands), and the state is in memory: a restart forgets it, which is harmless.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Verdict:
    """`allowed`, else how long until the next command is, and whether this is the first
    refusal of the burst (the one worth answering; later ones are dropped silently)."""

    allowed: bool
    retry_after: float = 0.0
    first_refusal: bool = False


class CommandRateLimiter:
    def __init__(self, commands: int, per_seconds: float,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.commands = commands
        self.per_seconds = per_seconds
        self._now = monotonic
        self._recent: dict[int, deque[float]] = {}
        self._told: set[int] = set()

    @property
    def enabled(self) -> bool:
        return self.commands > 0

    def check(self, user_id: int) -> Verdict:
        """Count a command by `user_id` now, unless it is over the limit."""
        if not self.enabled:
            return Verdict(True)
        now = self._now()
        recent = self._recent.setdefault(user_id, deque())
        while recent and recent[0] <= now - self.per_seconds:
            recent.popleft()
        if len(recent) < self.commands:
            recent.append(now)
            self._told.discard(user_id)
            self._forget_idle(now)
            return Verdict(True)
        first = user_id not in self._told
        self._told.add(user_id)
        return Verdict(False, retry_after=recent[0] + self.per_seconds - now, first_refusal=first)

    def _forget_idle(self, now: float) -> None:
        """Drop users whose last command left the window, so the table stays small."""
        if len(self._recent) < 1024:
            return
        for user_id in [u for u, times in self._recent.items()
                        if not times or times[-1] <= now - self.per_seconds]:
            del self._recent[user_id]
            self._told.discard(user_id)
