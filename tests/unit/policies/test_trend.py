"""Correlation with n, and cases per quarter before and after the bot (policies/trend.py)."""

from datetime import date
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from policies.trend import (
    MIN_POINTS_TO_MEAN_ANYTHING,
    cases_per_quarter,
    mean_per_quarter,
    pearson,
)

D = Decimal


def test_a_perfect_negative_relation_is_minus_one_with_its_n() -> None:
    result = pearson([D(100), D(90), D(80)], [D(0), D(10), D(20)])
    assert result.r == D("-1.00") and result.n == 3
    assert not result.is_meaningful  # three points: shown with a warning


def test_too_few_points_or_no_spread_give_no_r() -> None:
    assert pearson([D(1), D(2)], [D(1), D(2)]).r is None
    assert pearson([D(5)] * 4, [D(1), D(2), D(3), D(4)]).r is None


def test_enough_points_are_meaningful() -> None:
    xs = [D(i) for i in range(MIN_POINTS_TO_MEAN_ANYTHING)]
    assert pearson(xs, [x * 2 + 1 for x in xs]).is_meaningful


@given(st.lists(st.tuples(st.integers(0, 100), st.integers(0, 100)), min_size=3, max_size=30))
def test_r_stays_within_minus_one_and_one(pairs: list[tuple[int, int]]) -> None:
    r = pearson([D(x) for x, _ in pairs], [D(y) for _, y in pairs]).r
    assert r is None or D(-1) <= r <= D(1)


def test_cases_per_quarter_before_and_after_the_start() -> None:
    lapses = [date(2025, 11, 1), date(2025, 12, 1), date(2026, 2, 1), date(2026, 8, 1)]
    rows = cases_per_quarter(lapses, started=date(2026, 3, 10), through=date(2026, 11, 30))
    assert [(r.label, r.cases, r.before) for r in rows] == [
        ("2025Q4", 2, True),
        ("2026Q1", 1, False),
        ("2026Q2", 0, False),
        ("2026Q3", 1, False),
        ("2026Q4", 0, False),
    ]
    assert mean_per_quarter(rows, before=True) == D("2.0")
    assert mean_per_quarter(rows, before=False) == D("0.5")


def test_no_cases_still_show_the_quarter_before_the_start() -> None:
    rows = cases_per_quarter([], started=date(2026, 5, 1), through=date(2026, 6, 1))
    assert [(r.label, r.before) for r in rows] == [("2026Q1", True), ("2026Q2", False)]
