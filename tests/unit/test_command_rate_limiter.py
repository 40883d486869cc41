"""bot/rate_limit.py: a sliding window of N commands per M seconds per user."""

from __future__ import annotations

from bot.rate_limit import CommandRateLimiter


def test_sliding_window_per_user_and_one_spoken_refusal() -> None:
    now = [0.0]
    limiter = CommandRateLimiter(2, 10, monotonic=lambda: now[0])
    assert limiter.check(1).allowed
    now[0] = 1.0
    assert limiter.check(1).allowed
    now[0] = 4.0
    refused = limiter.check(1)
    assert not refused.allowed and refused.first_refusal and refused.retry_after == 6.0
    assert not limiter.check(1).first_refusal  # the burst goes on: answered once only
    assert limiter.check(2).allowed  # someone else
    now[0] = 10.0  # the first command left the window
    assert limiter.check(1).allowed
    assert not limiter.check(1).allowed


def test_zero_turns_it_off() -> None:
    limiter = CommandRateLimiter(0, 60)
    assert all(limiter.check(1).allowed for _ in range(1000))
