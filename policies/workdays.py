"""Chinese working days (工作日): weekends and public holidays off, 调休 make-up days on.

Reminders go out on working days only, so every date rule that says "working day" asks this
module. The calendar comes from the maintained `holidays` package (China, including the
State Council's yearly 调休 schedule as ``weekend_workdays``); we never keep our own list.
For a year the package does not know yet, only the fixed-date holidays and weekends apply.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache

import holidays

__all__ = [
    "add_working_days",
    "is_working_day",
    "last_working_day_on_or_before",
    "next_working_day",
    "previous_working_day",
    "working_day_on_or_after",
]

# Long runs of days off (Spring Festival, National Day) are 9 days at most; a bound keeps a
# broken calendar from looping forever.
_MAX_SCAN_DAYS = 60


@cache
def _china_calendar() -> holidays.HolidayBase:
    """One lazily-built calendar; it fills in years on first use (expand=True)."""
    return holidays.China()


def is_working_day(day: date) -> bool:
    """True for Monday–Friday that is not a public holiday, and for a 调休 Saturday/Sunday."""
    return _china_calendar().is_working_day(day)


def _scan(start: date, step: int) -> date:
    day = start
    for _ in range(_MAX_SCAN_DAYS):
        if is_working_day(day):
            return day
        day += timedelta(days=step)
    raise RuntimeError(f"no working day within {_MAX_SCAN_DAYS} days of {start.isoformat()}")


def next_working_day(day: date) -> date:
    """The first working day strictly after ``day``."""
    return _scan(day + timedelta(days=1), +1)


def previous_working_day(day: date) -> date:
    """The last working day strictly before ``day``."""
    return _scan(day - timedelta(days=1), -1)


def working_day_on_or_after(day: date) -> date:
    """``day`` itself when it is a working day, else the next one."""
    return _scan(day, +1)


def last_working_day_on_or_before(day: date) -> date:
    """``day`` itself when it is a working day, else the previous one.

    Statutory deadlines are natural days (社会保险法 counts 日, not 工作日), so a deadline on a
    Sunday stays a Sunday; this gives the last day an office is actually open before it.
    """
    return _scan(day, -1)


def add_working_days(day: date, count: int) -> date:
    """The ``count``-th working day after ``day`` (``count`` >= 0; 0 returns ``day``)."""
    if count < 0:
        raise ValueError("count must be >= 0")
    for _ in range(count):
        day = next_working_day(day)
    return day
