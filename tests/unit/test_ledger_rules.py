"""Unit and property tests for the pure ledger rules."""

import itertools
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from policies.ledger_rules import (
    LedgerState,
    Period,
    base_for_month,
    can_mark,
    employment_months,
    format_month,
    gap_months,
    is_gap,
    leave_task_deadline,
    missing_months,
    next_month,
    parse_month,
    previous_month,
)


def fifteenth(month: date) -> date:
    return month.replace(day=15)


def test_employment_months_span_first_to_last_month_inclusive() -> None:
    months = employment_months(date(2026, 11, 20), date(2027, 2, 3), through=date(2027, 6, 1))
    assert months == [date(2026, 11, 1), date(2026, 12, 1), date(2027, 1, 1), date(2027, 2, 1)]


def test_employment_months_stop_at_through_while_employed() -> None:
    assert employment_months(date(2026, 12, 31), None, through=date(2027, 1, 1)) == [
        date(2026, 12, 1),
        date(2027, 1, 1),
    ]


def test_employment_months_empty_when_hired_in_the_future() -> None:
    assert employment_months(date(2027, 3, 1), None, through=date(2027, 2, 28)) == []


def test_month_arithmetic_across_year_end() -> None:
    assert next_month(date(2026, 12, 1)) == date(2027, 1, 1)
    assert previous_month(date(2027, 1, 1)) == date(2026, 12, 1)


def test_parse_month_accepts_common_spellings() -> None:
    for text in ("2026-12", "2026/12", "2026.12", "2026年12月", " 2026-1 "):
        assert parse_month(text) is not None, text
    assert parse_month("2026-12") == date(2026, 12, 1)
    assert parse_month("2026-13") is None
    assert parse_month("十二月") is None
    assert format_month(date(2026, 1, 1)) == "2026-01"


def test_missing_months_is_idempotent_and_catches_up() -> None:
    periods = [Period(1, date(2026, 10, 8)), Period(2, date(2026, 12, 1), date(2026, 12, 20))]
    first = missing_months(periods, set(), through=date(2026, 12, 1))
    assert first == [
        (1, date(2026, 10, 1)),
        (1, date(2026, 11, 1)),
        (1, date(2026, 12, 1)),
        (2, date(2026, 12, 1)),
    ]
    assert missing_months(periods, set(first), through=date(2026, 12, 1)) == []
    # Down for two months: the next run fills both, and only employee 1 (still employed).
    later = missing_months(periods, set(first), through=date(2027, 2, 1))
    assert later == [(1, date(2027, 1, 1)), (1, date(2027, 2, 1))]


def test_missing_months_with_two_periods_of_one_employee() -> None:
    periods = [Period(1, date(2026, 1, 5), date(2026, 2, 10)), Period(1, date(2026, 5, 1))]
    assert [m for _, m in missing_months(periods, set(), through=date(2026, 6, 1))] == [
        date(2026, 1, 1),
        date(2026, 2, 1),
        date(2026, 5, 1),
        date(2026, 6, 1),
    ]


def test_gap_is_unpaid_after_due_date() -> None:
    assert not is_gap(LedgerState.PENDING, date(2026, 12, 15), today=date(2026, 12, 15))
    assert is_gap(LedgerState.PENDING, date(2026, 12, 15), today=date(2026, 12, 16))
    assert is_gap("declared", date(2026, 12, 15), today=date(2027, 1, 1))
    assert is_gap(LedgerState.BACKPAYING, date(2026, 12, 15), today=date(2027, 1, 1))
    for settled in (LedgerState.PAID, LedgerState.BACKPAID, LedgerState.EXEMPT):
        assert not is_gap(settled, date(2026, 12, 15), today=date(2027, 1, 1))


def test_gap_months_derived_from_states() -> None:
    rows = [
        (date(2026, 12, 1), LedgerState.PENDING),
        (date(2026, 10, 1), LedgerState.DECLARED),
        (date(2026, 11, 1), LedgerState.PAID),
        (date(2027, 1, 1), LedgerState.PENDING),
    ]
    assert gap_months(rows, fifteenth, today=date(2027, 1, 10)) == [
        date(2026, 10, 1),
        date(2026, 12, 1),
    ]


def test_marks_follow_the_state_machine() -> None:
    assert can_mark("pending", "declared")
    assert can_mark("pending", "paid")
    assert can_mark("declared", "paid")
    assert not can_mark("paid", "declared")
    assert not can_mark("declared", "pending")
    assert can_mark("backpaying", "backpaid")


def test_leave_deadline_is_the_month_declaration_deadline() -> None:
    assert leave_task_deadline(date(2026, 12, 10), fifteenth) == date(2026, 12, 15)
    assert leave_task_deadline(date(2026, 12, 15), fifteenth) == date(2026, 12, 15)


def test_leave_after_the_deadline_moves_to_next_month_window() -> None:
    assert leave_task_deadline(date(2026, 12, 28), fifteenth) == date(2027, 1, 15)


def test_base_for_month_uses_latest_change_in_force() -> None:
    changes = [(date(2026, 7, 1), Decimal("8000")), (date(2027, 7, 1), Decimal("9000"))]
    assert base_for_month(date(2026, 6, 1), changes, Decimal("7000")) == Decimal("7000")
    assert base_for_month(date(2026, 7, 1), changes, Decimal("7000")) == Decimal("8000")
    assert base_for_month(date(2027, 12, 1), changes, Decimal("7000")) == Decimal("9000")


@given(
    st.dates(min_value=date(2000, 1, 1), max_value=date(2040, 1, 1)),
    st.integers(min_value=0, max_value=800),
    st.integers(min_value=0, max_value=800),
)
def test_employment_months_are_consecutive_and_bounded(start: date, stay: int, wait: int) -> None:
    last = start + timedelta(days=stay)
    through = start + timedelta(days=wait)
    months = employment_months(start, last, through)
    if months:
        assert months[0] == start.replace(day=1)
        assert months[-1] == min(last, through).replace(day=1)
        for earlier, later in itertools.pairwise(months):
            assert later == next_month(earlier)


def test_parse_month_full_width_and_month_only() -> None:
    """HR type `/ledger 12月` or full-width digits; a bare month is the nearest such month."""
    assert parse_month("２０２６－１２") == date(2026, 12, 1)
    today = date(2027, 1, 5)
    assert parse_month("12月", today=today) == date(2026, 12, 1)
    assert parse_month("１月", today=today) == date(2027, 1, 1)
    assert parse_month("3月", today=today) == date(2027, 3, 1)
    assert parse_month("12月") is None  # without today a bare month stays ambiguous
    assert parse_month("13月", today=today) is None
