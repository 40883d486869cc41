"""What HR type for dates and amounts, and the deadline rule of art. 58."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.parsing import (
    InputError,
    parse_amount,
    parse_day,
    parse_department_name,
    parse_month,
    parse_person_name,
)
from policies.deadlines import days_left, registration_deadline
from policies.hiring import FirstDayRefused, check_first_day

TODAY = date(2026, 11, 25)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-12-01", date(2026, 12, 1)),
        ("2026/12/1", date(2026, 12, 1)),
        ("2026.12.1", date(2026, 12, 1)),
        ("2026年12月1日", date(2026, 12, 1)),
        ("20261201", date(2026, 12, 1)),
        ("12月1日", date(2026, 12, 1)),
        ("12月1号", date(2026, 12, 1)),
        ("１２月１日", date(2026, 12, 1)),
        ("12.31", date(2026, 12, 31)),
        ("12/1", date(2026, 12, 1)),
        ("１２．３１", date(2026, 12, 31)),
        ("今天", TODAY),
        ("昨天", TODAY - timedelta(days=1)),
        ("明天", TODAY + timedelta(days=1)),
        (" 2026-12-01 ", date(2026, 12, 1)),
    ],
)
def test_accepted_date_forms(text: str, expected: date) -> None:
    assert parse_day(text, today=TODAY) == expected


def test_month_day_picks_the_nearest_year() -> None:
    assert parse_day("12月28日", today=date(2027, 1, 5)) == date(2026, 12, 28)
    assert parse_day("1月3日", today=date(2026, 12, 28)) == date(2027, 1, 3)
    assert parse_day("2月29日", today=date(2027, 11, 1)) == date(2028, 2, 29)


@pytest.mark.parametrize("text", ["", "下周", "2026-13-01", "2026-02-30", "13月1日", "abc"])
def test_refused_dates_say_what_to_type(text: str) -> None:
    with pytest.raises(InputError, match="例如"):
        parse_day(text, today=TODAY)


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)))
def test_iso_round_trip(day: date) -> None:
    assert parse_day(day.isoformat(), today=TODAY) == day
    assert parse_day(f"{day.year}/{day.month}/{day.day}", today=TODAY) == day


def test_month_parsing() -> None:
    assert parse_month("2026-12") == date(2026, 12, 1)
    assert parse_month("2026年1月") == date(2026, 1, 1)
    with pytest.raises(InputError):
        parse_month("2026-13")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("5000", "5000.00"),
        ("5,000.50", "5000.50"),
        ("¥7162", "7162.00"),
        ("7162元", "7162.00"),
        ("5千", "5000.00"),
        ("1.2万", "12000.00"),
    ],
)
def test_amounts(text: str, expected: str) -> None:
    assert parse_amount(text) == Decimal(expected)


@pytest.mark.parametrize("text", ["0", "-5000", "五千", "5000.001", "1e9", "NaN", "2000000"])
def test_refused_amounts(text: str) -> None:
    with pytest.raises(InputError):
        parse_amount(text)


def test_department_names_that_are_really_dates_or_amounts_are_refused() -> None:
    assert parse_department_name("后厨") == "后厨"
    assert parse_department_name("2号店") == "2号店"
    for answer_to_another_question in ["2月1日", "今天", "2026-12-01", "5000", "5,000.00"]:
        with pytest.raises(InputError, match="部门名称"):
            parse_department_name(answer_to_another_question)


def test_names() -> None:
    assert parse_person_name("  陈明远 ") == "陈明远"
    for bad in ["陈", "陈明远1", "/hire", "陈" * 31]:
        with pytest.raises(InputError):
            parse_person_name(bad)


def test_registration_deadline_is_thirty_natural_days() -> None:
    assert registration_deadline(date(2026, 12, 1)) == date(2026, 12, 31)
    assert registration_deadline(date(2026, 2, 1)) == date(2026, 3, 3)
    assert registration_deadline(date(2028, 2, 1)) == date(2028, 3, 2)
    assert days_left(date(2026, 12, 31), date(2026, 12, 1)) == 30
    assert days_left(date(2026, 12, 31), date(2027, 1, 3)) == -3


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 1, 1)))
def test_deadline_property(first_day: date) -> None:
    deadline = registration_deadline(first_day)
    assert (deadline - first_day).days == 30
    assert deadline > first_day


def test_first_day_window() -> None:
    assert check_first_day(TODAY + timedelta(days=60), today=TODAY).warning is None
    with pytest.raises(FirstDayRefused, match="60"):
        check_first_day(TODAY + timedelta(days=61), today=TODAY)
    assert check_first_day(TODAY - timedelta(days=30), today=TODAY).warning is None
    late = check_first_day(TODAY - timedelta(days=31), today=TODAY)
    assert late.warning is not None and "已过" in late.warning


def test_spaces_inside_a_chinese_name_are_dropped() -> None:
    """`王 芳` (a space typed or pasted to align two-character names) is 王芳 on every form."""
    assert parse_person_name("王 芳") == "王芳"
    assert parse_person_name("王\u3000芳") == "王芳"
    assert parse_person_name("欧阳  娜娜") == "欧阳娜娜"
    # Foreign and mixed names keep their single spaces.
    assert parse_person_name("John  Smith") == "John Smith"
    assert parse_person_name("阿卜杜 Ali") == "阿卜杜 Ali"
