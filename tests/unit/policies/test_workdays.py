"""Working days follow the State Council's 2026 schedule, 调休 Saturdays and Sundays included."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from policies.workdays import (
    add_working_days,
    is_working_day,
    last_working_day_on_or_before,
    next_working_day,
    previous_working_day,
    working_day_on_or_after,
)

days = st.dates(min_value=date(2025, 1, 1), max_value=date(2027, 12, 31))


@pytest.mark.parametrize(
    "day",
    [
        date(2026, 1, 4),  # Sunday worked for 元旦
        date(2026, 2, 14),  # Saturday worked for 春节
        date(2026, 2, 28),
        date(2026, 5, 9),
        date(2026, 9, 20),
        date(2026, 10, 10),
    ],
)
def test_make_up_weekend_days_are_working_days(day: date) -> None:
    assert day.weekday() >= 5
    assert is_working_day(day)


@pytest.mark.parametrize(
    "day",
    [
        date(2026, 1, 1),
        date(2026, 1, 2),
        date(2026, 2, 16),
        date(2026, 2, 23),  # Monday, part of the nine-day Spring Festival break
        date(2026, 4, 6),
        date(2026, 5, 5),
        date(2026, 6, 19),
        date(2026, 9, 25),
        date(2026, 10, 7),
        date(2026, 11, 28),  # an ordinary Saturday
    ],
)
def test_holidays_and_ordinary_weekends_are_days_off(day: date) -> None:
    assert not is_working_day(day)


def test_neighbours_skip_the_national_day_break() -> None:
    assert next_working_day(date(2026, 9, 30)) == date(2026, 10, 8)
    assert previous_working_day(date(2026, 10, 8)) == date(2026, 9, 30)
    assert previous_working_day(date(2026, 10, 12)) == date(2026, 10, 10)


def test_neighbours_cross_the_year_boundary() -> None:
    # 2027 has no State Council notice yet: weekends only, so Friday 2027-01-01 counts as
    # a working day (the holidays package used to guess an 元旦 day off)
    assert next_working_day(date(2026, 12, 31)) == date(2027, 1, 1)
    assert previous_working_day(date(2026, 1, 4)) == date(2025, 12, 31)


def test_add_working_days_counts_make_up_days() -> None:
    # 09-30, 10-08, 10-09, 10-10 (调休 Saturday), 10-12
    assert add_working_days(date(2026, 9, 29), 5) == date(2026, 10, 12)
    assert add_working_days(date(2026, 9, 29), 0) == date(2026, 9, 29)
    with pytest.raises(ValueError):
        add_working_days(date(2026, 9, 29), -1)


@given(days)
def test_next_is_the_first_working_day_after(day: date) -> None:
    nxt = next_working_day(day)
    assert nxt > day and is_working_day(nxt)
    between = (day + timedelta(days=n) for n in range(1, (nxt - day).days))
    assert not any(is_working_day(d) for d in between)


@given(days)
def test_previous_is_the_last_working_day_before(day: date) -> None:
    prev = previous_working_day(day)
    assert prev < day and is_working_day(prev)
    between = (prev + timedelta(days=n) for n in range(1, (day - prev).days))
    assert not any(is_working_day(d) for d in between)


@given(days)
def test_on_or_variants_keep_working_days(day: date) -> None:
    after = working_day_on_or_after(day)
    before = last_working_day_on_or_before(day)
    assert is_working_day(after) and is_working_day(before)
    assert before <= day <= after
    assert (after == day) == is_working_day(day) == (before == day)


# --- the official calendar as data (policies/data/calendar) ----------------------------------

def test_2025_schedule_comes_from_its_notice() -> None:
    from policies.workdays import calendar_for

    calendar = calendar_for(2025)
    assert calendar is not None and "2025年部分节假日安排" in calendar.notice
    assert is_working_day(date(2025, 1, 26)) and is_working_day(date(2025, 2, 8))  # 调休
    assert not is_working_day(date(2025, 2, 4)) and not is_working_day(date(2025, 10, 8))


def test_a_year_without_a_notice_counts_weekends_only_and_says_so() -> None:
    from policies.workdays import calendar_caveat, has_official_calendar

    assert not has_official_calendar(2027)
    assert is_working_day(date(2027, 10, 1))          # no invented "observed" days off
    assert not is_working_day(date(2027, 10, 2))      # a Saturday
    assert calendar_caveat(date(2027, 3, 1)) == "2027年放假安排尚未公布，按周末计算工作日"
    assert calendar_caveat(date(2026, 3, 1)) is None


def test_a_make_up_day_on_a_weekday_is_refused() -> None:
    from policies.workdays import CalendarFileError, parse_calendar

    with pytest.raises(CalendarFileError, match="not a weekend"):
        parse_calendar({"year": 2026, "notice": "n", "dated": "d", "days_off": [],
                        "working_weekends": [date(2026, 3, 2)]}, "2026.toml")


def test_the_holidays_package_is_no_longer_used() -> None:
    import pathlib

    source = pathlib.Path(__file__).resolve().parents[3] / "policies" / "workdays.py"
    assert "import holidays" not in source.read_text(encoding="utf-8")
