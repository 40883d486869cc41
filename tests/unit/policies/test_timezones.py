"""The one "today in this zone" helper (policies.timezones.today_in)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from policies.timezones import DEFAULT_TIMEZONE, is_known_zone, today_in


def test_the_day_is_the_company_zones_day_not_the_servers() -> None:
    late_utc = datetime(2026, 12, 31, 16, 30, tzinfo=UTC)  # 00:30 on 1 January in Beijing
    assert today_in(DEFAULT_TIMEZONE, late_utc) == date(2027, 1, 1)
    assert today_in("Europe/London", late_utc) == date(2026, 12, 31)
    assert today_in("Asia/Urumqi", late_utc) == date(2026, 12, 31)  # UTC+6


def test_a_naive_instant_is_refused() -> None:
    with pytest.raises(ValueError):
        today_in(DEFAULT_TIMEZONE, datetime(2026, 12, 31, 16, 30))


@given(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1)))
def test_beijing_time_is_utc_plus_eight(naive: datetime) -> None:
    now = naive.replace(tzinfo=UTC)
    assert today_in(DEFAULT_TIMEZONE, now) == (naive + timedelta(hours=8)).date()


def test_known_zones() -> None:
    assert is_known_zone(DEFAULT_TIMEZONE) and is_known_zone("Asia/Urumqi")
    assert not is_known_zone("Mars/Olympus") and not is_known_zone("../etc")
