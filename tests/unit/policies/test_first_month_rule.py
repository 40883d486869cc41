"""The first-month rule (首月规则): one function decides when a month is due and late."""

from __future__ import annotations

import tomllib
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from policies.backpay import back_payment
from policies.contributions import monthly_contribution, price_cents, price_terms
from policies.deadlines import month_of, registration_deadline
from policies.library import DEFAULT_DIRECTORY, PolicyFileError, load_library, parse_region
from policies.obligations import CONSERVATIVE_FIRST_MONTHS, first_months_rule, month_due
from policies.schema import Confidence

LIBRARY = load_library()
CITIES = sorted(LIBRARY.regions)


def test_every_city_states_its_first_month_rule_with_source_and_mark() -> None:
    for key, region in LIBRARY.regions.items():
        rule = region.versions[0].first_months
        assert rule is not None, key
        assert rule.source.name and rule.note
        # nothing found for any city: the conservative default, marked unconfirmed
        assert rule.conf is Confidence.UNCONFIRMED, key
        assert rule.paid_with_registration_until == "registration_deadline"
        assert rule.late_fee_from == "month_deadline"
        # later versions inherit it (a dated rule, like every figure)
        assert all(v.first_months == rule for v in region.versions), key


def test_hire_on_the_last_day_of_november_is_not_late_in_beijing() -> None:
    beijing = LIBRARY.region("北京")
    owed = month_due(beijing, date(2026, 11, 1), first_day=date(2026, 11, 30))
    assert owed.month_deadline == date(2026, 11, 25)
    assert owed.due == date(2026, 12, 30) == registration_deadline(date(2026, 11, 30))
    assert owed.with_registration and owed.unconfirmed
    assert not owed.is_overdue(date(2026, 11, 30)) and not owed.is_overdue(date(2026, 12, 30))
    assert owed.is_overdue(date(2026, 12, 31))
    # once overdue, the estimate counts from the month's own deadline (the higher figure)
    assert owed.late_fee_days(date(2026, 12, 31)) == (date(2026, 12, 31) - date(2026, 11, 25)).days


def test_months_of_long_time_staff_keep_their_own_deadline() -> None:
    beijing = LIBRARY.region("北京")
    owed = month_due(beijing, date(2026, 11, 1), first_day=date(2020, 3, 1))
    assert (owed.due, owed.with_registration) == (date(2026, 11, 25), False)
    assert month_due(beijing, date(2026, 11, 1)).due == date(2026, 11, 25)


def test_a_month_whose_deadline_is_after_the_registration_deadline_is_unchanged() -> None:
    beijing = LIBRARY.region("北京")
    owed = month_due(beijing, date(2026, 11, 1), first_day=date(2026, 10, 21))
    assert (owed.due, owed.with_registration) == (date(2026, 11, 25), False)
    october = month_due(beijing, date(2026, 10, 1), first_day=date(2026, 10, 21))
    assert (october.due, october.with_registration) == (date(2026, 11, 20), True)


def test_next_deadline_variant_and_grace_end_fee(tmp_path) -> None:
    raw = tomllib.loads((DEFAULT_DIRECTORY / "beijing.toml").read_text(encoding="utf-8"))
    raw["versions"][0]["first_months"].update(
        paid_with_registration_until="next_deadline", late_fee_from="grace_end", conf="S"
    )
    region = parse_region(raw, "beijing.toml")
    owed = month_due(region, date(2026, 11, 1), first_day=date(2026, 11, 30))
    assert owed.due == date(2027, 1, 25)  # first Beijing deadline on or after 12-30
    assert owed.late_fee_from == owed.due and not owed.unconfirmed
    assert owed.late_fee_days(date(2027, 1, 27)) == 2


def test_a_bad_rule_is_refused_naming_the_field() -> None:
    raw = tomllib.loads((DEFAULT_DIRECTORY / "beijing.toml").read_text(encoding="utf-8"))
    raw["versions"][0]["first_months"]["late_fee_from"] = "whenever"
    with pytest.raises(PolicyFileError) as caught:
        parse_region(raw, "beijing.toml")
    assert caught.value.field is not None and "first_months.late_fee_from" in caught.value.field


def test_a_file_without_the_rule_gets_the_conservative_default() -> None:
    raw = tomllib.loads((DEFAULT_DIRECTORY / "beijing.toml").read_text(encoding="utf-8"))
    del raw["versions"][0]["first_months"]
    region = parse_region(raw, "beijing.toml")
    assert first_months_rule(region, date(2026, 11, 30)) is CONSERVATIVE_FIRST_MONTHS
    assert CONSERVATIVE_FIRST_MONTHS.unconfirmed


@settings(max_examples=300, deadline=None)
@given(
    city=st.sampled_from(CITIES),
    first_day=st.dates(min_value=date(2024, 7, 1), max_value=date(2027, 6, 30)),
    offset=st.integers(min_value=0, max_value=30),
    base=st.decimals(min_value=0, max_value=60000, places=2),
)
def test_nothing_is_late_while_the_registration_window_is_open(
    city: str, first_day: date, offset: int, base: Decimal
) -> None:
    """Property: under the conservative default no month of a new employment is shown as 逾期
    and no late fee is priced on any day up to the registration deadline."""
    region = LIBRARY.regions[city]
    today = first_day + timedelta(days=offset)
    assert today <= registration_deadline(first_day)
    months = [month_of(first_day)]
    while months[-1] < month_of(today):
        months.append(month_of(months[-1] + timedelta(days=32)))
    for month in months:
        assert not month_due(region, month, first_day=first_day).is_overdue(today)
    priced = back_payment(region, base, months, today, first_day=first_day)
    assert priced.late_fee == 0
    assert all(m.overdue_days == 0 for m in priced.months)


@settings(max_examples=300, deadline=None)
@given(
    city=st.sampled_from(CITIES),
    month=st.dates(min_value=date(2024, 7, 1), max_value=date(2027, 6, 30)),
    base=st.decimals(min_value=0, max_value=200000, places=2),
)
def test_integer_terms_price_like_the_calculator(city: str, month: date, base: Decimal) -> None:
    """The ledger prices months in SQL from these terms; they must match the calculator."""
    version = LIBRARY.regions[city].version_for(month)
    expected = monthly_contribution(version, base)
    got = price_cents(price_terms(version), int(base * 100))
    assert got == (int(expected.base * 100), int(expected.employer * 100),
                   int(expected.employee * 100))
