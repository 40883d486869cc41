"""Chinese working days (工作日): weekends and public holidays off, 调休 make-up days on.

Reminders go out on working days, Shanghai's payment deadline is a working day, and day-of-month
deadlines that move off holidays move to the next working day, so every such rule asks this
module. The calendar is the State Council's yearly notice (国务院办公厅关于X年部分节假日安排的
通知), kept as dated data in ``policies/data/calendar/<year>.toml``: its days off and its 调休
working Saturdays/Sundays, nothing guessed. A year without a notice yet counts weekends only;
``calendar_caveat`` says so, and every date computed for such a year should carry that caveat.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from pathlib import Path
from typing import Any

__all__ = [
    "CALENDAR_DIRECTORY",
    "HolidayCalendar",
    "add_working_days",
    "calendar_caveat",
    "calendar_for",
    "has_official_calendar",
    "is_working_day",
    "last_working_day_on_or_before",
    "next_working_day",
    "previous_working_day",
    "working_day_on_or_after",
]

CALENDAR_DIRECTORY = Path(__file__).parent / "data" / "calendar"

# Long runs of days off (Spring Festival, National Day) are 9 days at most; a bound keeps a
# broken calendar from looping forever.
_MAX_SCAN_DAYS = 60


class CalendarFileError(ValueError):
    """A calendar file is malformed; names the file and what is wrong."""


@dataclass(frozen=True)
class HolidayCalendar:
    """One year's official schedule: the notice, its days off and its working weekend days."""

    year: int
    notice: str
    dated: str
    url: str | None
    conf: str
    days_off: frozenset[date]
    working_weekends: frozenset[date]


def parse_calendar(raw: Mapping[str, Any], file: str) -> HolidayCalendar:
    """Validate one year's calendar: dates inside the year, 调休 days on weekends only."""
    try:
        year = int(raw["year"])
        days_off: set[date] = set()
        for span in raw["days_off"]:
            first, last = span["first"], span["last"]
            if not isinstance(first, date) or not isinstance(last, date) or last < first:
                raise CalendarFileError(f"{file}: days_off {span.get('name')}: bad dates")
            days_off.update(first + timedelta(days=n) for n in range((last - first).days + 1))
        working = frozenset(raw.get("working_weekends", []))
        calendar = HolidayCalendar(year, str(raw["notice"]), str(raw["dated"]), raw.get("url"),
                                   str(raw.get("conf", "O")), frozenset(days_off), working)
    except (KeyError, TypeError) as exc:
        raise CalendarFileError(f"{file}: missing or malformed {exc}") from None
    for day in (*calendar.days_off, *calendar.working_weekends):
        if not isinstance(day, date) or day.year != year:
            raise CalendarFileError(f"{file}: {day} is not a day of {year}")
    for day in calendar.working_weekends:
        if day.weekday() < 5:
            raise CalendarFileError(f"{file}: working weekend day {day} is not a weekend")
    if calendar.days_off & calendar.working_weekends:
        raise CalendarFileError(f"{file}: a day is both off and worked")
    return calendar


@cache
def _calendars(directory: Path = CALENDAR_DIRECTORY) -> dict[int, HolidayCalendar]:
    calendars: dict[int, HolidayCalendar] = {}
    for path in sorted(directory.glob("*.toml")):
        calendar = parse_calendar(tomllib.loads(path.read_text(encoding="utf-8")), path.name)
        calendars[calendar.year] = calendar
    return calendars


def calendar_for(year: int) -> HolidayCalendar | None:
    """The official schedule of ``year``, or None when no notice has been entered."""
    return _calendars().get(year)


def has_official_calendar(year: int) -> bool:
    return calendar_for(year) is not None


def calendar_caveat(day: date) -> str | None:
    """What a date computed with working days must say when its year has no notice yet."""
    if has_official_calendar(day.year):
        return None
    return f"{day.year}年放假安排尚未公布，按周末计算工作日"


def is_working_day(day: date) -> bool:
    """True for Monday–Friday that is not a public holiday, and for a 调休 Saturday/Sunday.

    Without a notice for the year, Monday–Friday are working days (weekends only).
    """
    calendar = calendar_for(day.year)
    if calendar is not None:
        if day in calendar.working_weekends:
            return True
        if day in calendar.days_off:
            return False
    return day.weekday() < 5


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
