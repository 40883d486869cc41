"""Monthly contributions: seed figures, clamping at both limits, never negative, cent rounding."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from policies.contributions import clamp_base, monthly_contribution, to_cents
from policies.library import load_library
from policies.schema import PolicyVersion

LIBRARY = load_library()
ALL_VERSIONS = [v for r in LIBRARY.regions.values() for v in r.versions]


def with_rates(version: PolicyVersion, **rates: tuple[str, str]) -> PolicyVersion:
    """A copy of ``version`` with some insurances' (employer, employee) rates replaced."""
    update = {}
    for name, (employer, employee) in rates.items():
        current = getattr(version.rates, name)
        update[name] = current.model_copy(update={
            "employer": current.employer.model_copy(update={"value": Decimal(employer)}),
            "employee": current.employee.model_copy(update={"value": Decimal(employee)}),
            "employee_fixed": None,
        })
    return version.model_copy(update={"rates": version.rates.model_copy(update=update)})


def test_seed_base_5000_pension_16_plus_8_is_1200() -> None:
    version = LIBRARY.region("杭州").version_for(date(2025, 6, 1))   # floor 4986
    contribution = monthly_contribution(version, Decimal("5000"))
    pension = contribution.items[0]
    assert pension.insurance == "pension"
    assert (pension.employer, pension.employee) == (Decimal("800.00"), Decimal("400.00"))
    assert pension.total == Decimal("1200.00")
    assert contribution.clamped is None


def test_seed_base_4500_at_24_percent_combined_is_1080() -> None:
    national = LIBRARY.national.version_for(date(2025, 6, 1))          # no floor
    contribution = monthly_contribution(national, Decimal("4500"))
    pension = contribution.items[0]
    assert pension.employer + pension.employee == Decimal("1080.00")
    assert to_cents(Decimal("4500") * Decimal("0.24")) == Decimal("1080.00")


def test_base_below_floor_is_raised_to_floor_and_said_so() -> None:
    version = LIBRARY.region("北京").version_for(date(2025, 12, 1))
    contribution = monthly_contribution(version, Decimal("5000"))
    assert contribution.clamped == "floor"
    assert contribution.base == Decimal("7162")
    assert contribution.declared_base == Decimal("5000")
    assert contribution.items[0].employer == Decimal("1145.92")


def test_base_above_ceiling_is_lowered_to_ceiling_and_said_so() -> None:
    version = LIBRARY.region("北京").version_for(date(2025, 12, 1))
    contribution = monthly_contribution(version, Decimal("50000"))
    assert contribution.clamped == "ceiling"
    assert contribution.base == Decimal("35811")


def test_beijing_medical_employee_pays_2_percent_plus_3_yuan() -> None:
    version = LIBRARY.region("北京").version_for(date(2025, 12, 1))
    medical = monthly_contribution(version, Decimal("10000")).items[1]
    assert medical.insurance == "medical"
    assert medical.employer == Decimal("980.00")
    assert medical.employee == Decimal("203.00")


def test_shenzhen_unemployment_uses_its_own_fixed_base() -> None:
    # until 2025-06 the base was the minimum wage (2360); from 2025-07 it is 2520–44265
    version = LIBRARY.region("深圳").version_for(date(2025, 2, 1))
    contribution = monthly_contribution(version, Decimal("10000"))
    unemployment = contribution.items[2]
    assert unemployment.base == Decimal("2360")
    assert unemployment.employer == Decimal("16.52")        # 2360 × 0.7 %
    assert contribution.clamped is None


def test_each_line_item_is_rounded_half_up_to_the_cent() -> None:
    national = with_rates(LIBRARY.national.version_for(date(2025, 6, 1)),
                          pension=("0.125", "0.005"))
    pension = monthly_contribution(national, Decimal("0.2")).items[0]
    # 0.2 × 0.125 = 0.025 → 0.03 (half-up, not banker's 0.02); 0.2 × 0.005 = 0.001 → 0.00
    assert (pension.employer, pension.employee) == (Decimal("0.03"), Decimal("0.00"))


def test_negative_base_is_refused() -> None:
    with pytest.raises(ValueError, match="负数"):
        monthly_contribution(ALL_VERSIONS[0], Decimal("-1"))


@given(base=st.decimals(min_value=0, max_value=10**6, places=2, allow_nan=False),
       version=st.sampled_from(ALL_VERSIONS))
def test_amounts_are_never_negative_and_have_two_decimals(base: Decimal,
                                                          version: PolicyVersion) -> None:
    contribution = monthly_contribution(version, base)
    for item in contribution.items:
        assert item.employer >= 0 and item.employee >= 0
        assert item.employer == item.employer.quantize(Decimal("0.01"))
        assert item.employee == item.employee.quantize(Decimal("0.01"))
    assert contribution.total == contribution.employer + contribution.employee


@given(base=st.decimals(min_value=0, max_value=10**6, places=2, allow_nan=False),
       version=st.sampled_from(ALL_VERSIONS))
def test_effective_base_is_within_limits(base: Decimal, version: PolicyVersion) -> None:
    contribution = monthly_contribution(version, base)
    floor, ceiling = version.base.floor.value, version.base.ceiling.value
    assert floor <= contribution.base <= ceiling
    if contribution.clamped is None:
        assert contribution.base == base
    else:
        assert contribution.base == (floor if contribution.clamped == "floor" else ceiling)


@given(low=st.decimals(min_value=0, max_value=10**5, places=2),
       span=st.decimals(min_value=0, max_value=10**5, places=2),
       base=st.decimals(min_value=0, max_value=3 * 10**5, places=2))
def test_clamp_is_monotonic_and_idempotent(low: Decimal, span: Decimal, base: Decimal) -> None:
    high = low + span
    clamped, _ = clamp_base(base, low, high)
    assert clamp_base(clamped, low, high)[0] == clamped
    assert clamp_base(base + 1, low, high)[0] >= clamped
