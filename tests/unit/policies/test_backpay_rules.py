"""Back-payment and late fee: per-month versions, day counts, flags and materials."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from policies.backpay import (
    BackPaymentError,
    back_payment,
    is_cross_year,
    late_fee,
    overdue_days,
)
from policies.library import NoVersionInForce, load_library

LIBRARY = load_library()
RATE = Decimal("0.0005")


@pytest.mark.parametrize(("due", "paid", "days"), [
    (date(2025, 12, 25), date(2025, 12, 25), 0),      # paid on the due day: on time
    (date(2025, 12, 25), date(2025, 12, 26), 1),      # the day after is the first late day
    (date(2025, 12, 25), date(2026, 1, 20), 26),      # across the year end
    (date(2025, 1, 31), date(2025, 2, 1), 1),         # month end
    (date(2025, 1, 31), date(2025, 3, 1), 29),        # non-leap February
    (date(2024, 1, 31), date(2024, 3, 1), 30),        # leap February has 29 days
    (date(2024, 2, 28), date(2024, 3, 1), 2),         # through 29 Feb 2024
    (date(2023, 2, 28), date(2023, 3, 1), 1),
    (date(2024, 2, 29), date(2025, 2, 28), 365),
    (date(2025, 12, 25), date(2025, 12, 1), 0),       # paid early
])
def test_overdue_days(due: date, paid: date, days: int) -> None:
    assert overdue_days(due, paid) == days


def test_late_fee_worked_example() -> None:
    # 10,000 yuan paid 45 days late → 225 yuan (reference section 6)
    due = date(2025, 3, 15)
    assert late_fee(Decimal("10000"), due, due + timedelta(days=45), RATE) == Decimal("225.00")


def test_late_fee_rounds_half_up() -> None:
    # 2652.94 × 0.0005 × 26 = 34.48822 → 34.49
    assert late_fee(Decimal("2652.94"), date(2025, 12, 25), date(2026, 1, 20), RATE) \
        == Decimal("34.49")


@given(amount=st.decimals(min_value=0, max_value=10**6, places=2),
       due=st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31)),
       later=st.integers(min_value=-60, max_value=2000))
def test_late_fee_never_negative_and_zero_when_on_time(amount, due, later) -> None:
    paid = due + timedelta(days=later)
    fee = late_fee(amount, due, paid, RATE)
    assert fee >= 0
    if later <= 0:
        assert fee == 0


def test_is_cross_year() -> None:
    assert is_cross_year([date(2025, 12, 1)], date(2026, 1, 20))
    assert not is_cross_year([date(2026, 1, 1)], date(2026, 1, 20))
    assert is_cross_year([date(2026, 1, 1), date(2025, 11, 1)], date(2026, 3, 1))


def test_beijing_december_and_january_priced_with_their_own_versions() -> None:
    beijing = LIBRARY.region("北京")
    result = back_payment(beijing, Decimal("5000"), [date(2026, 1, 1), date(2025, 12, 1)],
                          date(2026, 1, 20))
    december, january = result.months
    assert (december.month, january.month) == (date(2025, 12, 1), date(2026, 1, 1))
    assert december.version.id == "2025" and january.version.id == "2025-h1-2026"
    assert december.contribution.clamped == "floor"
    assert december.due == date(2025, 12, 25) and december.overdue_days == 26
    assert december.late_fee == Decimal("34.49")
    assert january.late_fee == Decimal("0.00")                  # due 2026-01-25, not late
    assert result.employer == Decimal("3795.86")
    assert result.employee == Decimal("1510.02")
    assert result.total == Decimal("5340.37")
    assert result.cross_year
    assert not result.beyond_self_service_window
    assert "个税完税证明" in result.materials


def test_version_switch_across_year_boundary_month_by_month() -> None:
    hangzhou = LIBRARY.region("杭州")      # calendar-year bases
    months = [date(2024, 11, 1), date(2024, 12, 1), date(2025, 1, 1), date(2025, 2, 1)]
    result = back_payment(hangzhou, Decimal("1000"), months, date(2025, 3, 10))
    floors = [m.contribution.base for m in result.months]
    assert floors == [Decimal("4812"), Decimal("4812"), Decimal("4986"), Decimal("4986")]
    assert [m.version.id for m in result.months] == ["2024", "2024", "2025", "2025"]


def test_self_service_window_flag() -> None:
    shanghai = LIBRARY.region("上海")      # 6 months online
    inside = back_payment(shanghai, Decimal("8000"), [date(2025, 9, 1)], date(2026, 3, 5))
    outside = back_payment(shanghai, Decimal("8000"), [date(2025, 8, 1)], date(2026, 3, 5))
    assert not inside.beyond_self_service_window
    assert outside.beyond_self_service_window
    assert outside.self_service_months == 6


def test_same_year_uses_ordinary_materials() -> None:
    result = back_payment(LIBRARY.region("深圳"), Decimal("8000"), [date(2026, 3, 1)],
                          date(2026, 5, 10))
    assert not result.cross_year
    assert "深圳市社会保险补退/合并申请表" in result.materials


@pytest.mark.parametrize(("months", "pay", "message"), [
    ([date(2026, 2, 1)], date(2026, 1, 20), "晚于计划缴费日期"),
    ([], date(2026, 1, 20), "至少选择一个"),
])
def test_bad_arguments_are_refused(months, pay, message) -> None:
    with pytest.raises(BackPaymentError, match=message):
        back_payment(LIBRARY.region("北京"), Decimal("5000"), months, pay)


def test_negative_base_is_refused() -> None:
    with pytest.raises(BackPaymentError, match="负数"):
        back_payment(LIBRARY.region("北京"), Decimal("-5"), [date(2025, 12, 1)],
                     date(2026, 1, 20))


def test_month_before_library_coverage_is_refused() -> None:
    with pytest.raises(NoVersionInForce, match="2023-01"):
        back_payment(LIBRARY.region("北京"), Decimal("5000"), [date(2023, 1, 1)],
                     date(2026, 1, 20))


@given(base=st.decimals(min_value=0, max_value=10**5, places=2),
       first=st.dates(min_value=date(2024, 7, 1), max_value=date(2026, 12, 31)),
       count=st.integers(min_value=1, max_value=8),
       delay=st.integers(min_value=0, max_value=900),
       city=st.sampled_from(["北京", "上海", "广州", "深圳", "杭州", "成都", "全国"]))
def test_back_payment_totals_add_up_and_are_never_negative(base, first, count, delay,
                                                           city) -> None:
    months = []
    month = first.replace(day=1)
    for _ in range(count):
        months.append(month)
        month = (month + timedelta(days=32)).replace(day=1)
    pay = months[-1] + timedelta(days=delay)
    result = back_payment(LIBRARY.region(city), base, months, pay)
    assert result.late_fee >= 0 and result.employer >= 0 and result.employee >= 0
    assert result.total == result.employer + result.employee + result.late_fee
    assert result.late_fee == sum((m.late_fee for m in result.months), Decimal(0))
    for item in result.months:
        assert item.version.covers(item.month)
