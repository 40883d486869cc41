"""The one month pricer (policies.month_price): what /hire, /base and the import bill, and
the one note they show (rendered by bot/templates/_price_note.j2)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from bot.render import environment
from policies.contributions import monthly_contribution
from policies.library import load_library
from policies.month_price import MonthPrice, PriceNote, price_month

LIBRARY = load_library()
CITIES = [*LIBRARY.cities(), "南京", "拉萨"]  # the last two have no data of their own
#: Every city's library starts by 2024-07; earlier months are the no-version case below.
MONTHS = st.builds(date, st.integers(2024, 2027), st.integers(1, 12), st.just(1)).filter(
    lambda month: month >= date(2024, 7, 1)
)
BASES = st.decimals(min_value=0, max_value=200_000, places=2)


def note_text(note: PriceNote) -> str:
    module = environment().get_template("_price_note.j2").module
    return str(module.price_note(note))  # type: ignore[attr-defined]


@given(city=st.sampled_from(CITIES), month=MONTHS, base=BASES)
def test_the_price_is_the_calculator_on_the_version_in_force(
    city: str, month: date, base: Decimal
) -> None:
    price = price_month(LIBRARY, city, month, base)
    region = LIBRARY.region_or_national(city)
    version = region.version_for(month)
    expected = monthly_contribution(version, base)
    assert (price.base, price.employer, price.employee) == (
        expected.base, expected.employer, expected.employee
    )
    floor, ceiling = version.base.floor.value, version.base.ceiling.value
    assert floor <= price.base <= ceiling
    assert price.clamped == (not floor <= base <= ceiling)
    assert (price.base == base) == (floor <= base <= ceiling)
    # A note exactly when HR should be told something: a clamp or a city without data.
    assert (price.note is not None) == (price.clamped or region.is_national)
    if price.note is not None:
        assert price.note.limit == price.base and price.note.version_label == version.label
        assert price.note.fallback_city == (city if region.is_national else None)
        limit = version.base.floor if price.base == floor else version.base.ceiling
        assert price.note.unconfirmed == (price.clamped and limit.unconfirmed)


@given(month=MONTHS, base=BASES)
def test_without_a_library_the_declared_base_stands(month: date, base: Decimal) -> None:
    assert price_month(None, "北京", month, base) == MonthPrice(base)


def test_a_version_gap_keeps_the_declared_base() -> None:
    assert price_month(LIBRARY, "北京", date(1999, 1, 1), Decimal("1")) == MonthPrice(
        Decimal("1")
    )


def test_the_note_names_the_version_the_limit_and_what_is_unconfirmed() -> None:
    # 北京2026年度's floor is published (京人社发〔2026〕7号, S): no 未确认 on the limit
    price = price_month(LIBRARY, "北京", date(2026, 12, 1), Decimal("5000"))
    assert price.base == Decimal("7270.00") and price.note is not None
    assert note_text(price.note) == "北京2026年度下限 7,270.00，已按下限调整"
    # 杭州 2026 carries 2025 forward (no notice yet): the limit is unconfirmed and says so
    carried = price_month(LIBRARY, "杭州", date(2026, 12, 1), Decimal("3000"))
    assert carried.note is not None
    assert note_text(carried.note) == (
        "杭州2026年度（未公布，沿用2025年度）下限 4,986.00，已按下限调整"
        "；该年度基数未确认，请以当地公布为准"
    )
    high = price_month(LIBRARY, "北京", date(2026, 12, 1), Decimal("100000"))
    assert high.note is not None and "上限" in note_text(high.note)
    assert "已按上限调整" in note_text(high.note)


def test_a_city_without_data_says_the_national_rule_estimated_it() -> None:
    inside = price_month(LIBRARY, "南京", date(2026, 12, 1), Decimal("9000"))
    assert inside.note is not None and not inside.clamped
    assert note_text(inside.note) == "南京暂无专门政策数据，按全国默认规则估算"
    # The national rule has no real limits (0 … 9,999,999), so the clamp-and-fallback sentence
    # is checked on the note itself.
    both = PriceNote("ceiling", Decimal("9999999"), "全国通用规则", fallback_city="南京")
    assert note_text(both) == (
        "全国通用规则上限 9,999,999.00，已按上限调整；南京暂无专门政策数据，按全国默认规则估算"
    )


def test_a_price_within_the_limits_has_no_note() -> None:
    assert price_month(LIBRARY, "北京", date(2026, 12, 1), Decimal("9000")).note is None
