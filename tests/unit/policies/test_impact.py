"""Gap impact: the pension estimate of si-policy-facts §6, medical grace and reimbursement, and
the housing-fund continuity rule, each with the library figure it rests on."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from policies.impact import (
    ImpactError,
    Reimbursement,
    gap_impact,
    longest_run,
    pension_estimate,
)
from policies.library import load_library
from policies.schema import Confidence, Figure, PensionRule, PolicyVersion, Source

LIBRARY = load_library()
NATIONAL = LIBRARY.national.version_for(date(2026, 1, 1))
BEIJING = LIBRARY.region("北京").version_for(date(2026, 1, 20))
SOURCE = Source(name="测试来源", dated="2026")


def with_cover(version: PolicyVersion, value: bool, conf: Confidence, *,
               assumption: bool = False) -> PolicyVersion:
    cover = Figure[bool](value=value, source=SOURCE, conf=conf, assumption=assumption)
    gap = version.medical_gap.model_copy(update={"retroactive_cover": cover})
    return version.model_copy(update={"medical_gap": gap})


def with_payout_base(version: PolicyVersion, amount: str) -> PolicyVersion:
    figure = Figure[Decimal](value=Decimal(amount), source=SOURCE, conf=Confidence.SECONDARY)
    return version.model_copy(update={"pension": PensionRule(payout_base=figure)})


def test_guangdong_worked_example_of_the_reference() -> None:
    """§6: C = 9,493, I = 1.0, b = 9,493, retire at 60 → 7.91 + 5.46 ≈ 13.4 yuan a month."""
    city = with_payout_base(BEIJING, "9493")
    estimate = pension_estimate({date(2025, 12, 1): Decimal("9493")}, city, NATIONAL)
    assert estimate.index == Decimal("1.00")
    assert estimate.basic_loss == Decimal("7.91")
    assert estimate.personal_loss == Decimal("5.46")
    assert estimate.monthly_loss == Decimal("13.37")
    assert not estimate.payout_base_estimated


def test_guangzhou_floor_example() -> None:
    """§6: C = 9,493, b = 5,510 (I ≈ 0.58, held at the 0.6 floor) → ≈ 6.33 + 3.17."""
    city = with_payout_base(BEIJING, "9493")
    estimate = pension_estimate({date(2025, 12, 1): Decimal("5510")}, city, NATIONAL)
    assert estimate.index == Decimal("0.60")
    assert (estimate.basic_loss, estimate.personal_loss) == (Decimal("6.33"), Decimal("3.17"))


def test_without_a_payout_base_c_is_estimated_from_the_ceiling_and_says_so() -> None:
    estimate = pension_estimate({date(2025, 12, 1): Decimal("8000")}, BEIJING, NATIONAL)
    assert estimate.payout_base_estimated
    assert estimate.payout_base == (BEIJING.base.ceiling.value / 3).quantize(Decimal("0.01"))
    assert estimate.rule.payout_months is not None and estimate.rule.payout_months.value == 139
    assert estimate.rule.payout_age is not None and estimate.rule.payout_age.unconfirmed


def test_beijing_seed_gap_is_within_grace_and_reimbursement_not_promised() -> None:
    """北京, hired 12-01, December missed: 1 month, within 3; the city's figure (S) says costs
    in the gap are in principle not reimbursed, so nothing claims they are unaffected."""
    impact = gap_impact("北京", {date(2025, 12, 1): Decimal("8000")}, BEIJING, NATIONAL)
    assert impact.medical.gap_months == 1 and not impact.medical.exceeds_grace
    assert impact.medical.reimbursement is Reimbursement.NOT_COVERED
    assert impact.medical.retroactive_cover is not None
    assert impact.medical.retroactive_cover.conf is Confidence.SECONDARY
    assert impact.housing_fund.loan_continuous_months.value == 12


@pytest.mark.parametrize(("value", "conf", "assumption", "expected"), [
    (True, Confidence.OFFICIAL, False, Reimbursement.UNAFFECTED),
    (True, Confidence.NEWS, False, Reimbursement.UNAFFECTED),
    (True, Confidence.SECONDARY, False, Reimbursement.UNCONFIRMED),
    (True, Confidence.UNCONFIRMED, False, Reimbursement.UNCONFIRMED),
    (True, Confidence.OFFICIAL, True, Reimbursement.UNCONFIRMED),
    (False, Confidence.OFFICIAL, False, Reimbursement.NOT_COVERED),
])
def test_reimbursement_follows_the_citys_rule(value: bool, conf: Confidence, assumption: bool,
                                              expected: Reimbursement) -> None:
    city = with_cover(BEIJING, value, conf, assumption=assumption)
    impact = gap_impact("北京", {date(2025, 12, 1): Decimal("8000")}, city, NATIONAL)
    assert impact.medical.reimbursement is expected


def test_no_rule_in_the_library_means_unknown() -> None:
    gap = BEIJING.medical_gap.model_copy(update={"retroactive_cover": None})
    city = BEIJING.model_copy(update={"medical_gap": gap})
    impact = gap_impact("北京", {date(2025, 12, 1): Decimal("8000")}, city, NATIONAL)
    assert impact.medical.reimbursement is Reimbursement.UNKNOWN


def test_a_gap_beyond_the_grace_is_never_covered_and_has_a_waiting_period() -> None:
    city = with_cover(BEIJING, True, Confidence.OFFICIAL)
    months = {date(2025, m, 1): Decimal("8000") for m in (8, 9, 10, 11)}
    impact = gap_impact("北京", months, city, NATIONAL)
    assert impact.medical.gap_months == 4 and impact.medical.exceeds_grace
    assert impact.medical.reimbursement is Reimbursement.NOT_COVERED
    assert impact.medical.waiting.value == 3


def test_no_months_refused() -> None:
    with pytest.raises(ImpactError):
        pension_estimate({}, BEIJING, NATIONAL)


def test_longest_run() -> None:
    assert longest_run([date(2025, 12, 1), date(2026, 1, 1), date(2026, 3, 1)]) == 2
    assert longest_run([date(2025, 11, 1), date(2025, 9, 1)]) == 1


month_strategy = st.builds(date, st.integers(2024, 2027), st.integers(1, 12), st.just(1))
bases_strategy = st.dictionaries(month_strategy, st.decimals(min_value=0, max_value=50000,
                                                             places=2), min_size=1, max_size=24)


@given(bases=bases_strategy)
def test_the_loss_is_the_sum_of_one_month_losses_at_the_same_index(
        bases: dict[date, Decimal]) -> None:
    """Months add: n months of the same base lose n times one month (to the cent per part)."""
    city = with_payout_base(BEIJING, "10000")
    whole = pension_estimate(bases, city, NATIONAL)
    average = sum(bases.values(), Decimal(0)) / len(bases)
    singles = [pension_estimate({m: average}, city, NATIONAL) for m in bases]
    assert abs(whole.basic_loss - sum(s.basic_loss for s in singles)) <= Decimal("0.01") * len(
        bases)
    assert whole.monthly_loss >= 0
    assert INDEX_BOUNDS[0] <= whole.index <= INDEX_BOUNDS[1]


INDEX_BOUNDS = (Decimal("0.60"), Decimal("3.00"))


@given(bases=bases_strategy, extra=month_strategy)
def test_one_more_missing_month_never_lowers_the_loss(bases: dict[date, Decimal],
                                                      extra: date) -> None:
    city = with_payout_base(BEIJING, "10000")
    if extra in bases:
        return
    before = pension_estimate(bases, city, NATIONAL)
    average = sum(bases.values(), Decimal(0)) / len(bases)
    after = pension_estimate({**bases, extra: average}, city, NATIONAL)
    assert after.monthly_loss >= before.monthly_loss


@given(months=st.sets(month_strategy, min_size=1, max_size=24))
def test_gap_length_is_between_one_and_the_month_count(months: set[date]) -> None:
    run = longest_run(list(months))
    assert 1 <= run <= len(months)
    impact = gap_impact("北京", dict.fromkeys(months, Decimal("8000")), BEIJING, NATIONAL)
    assert impact.medical.exceeds_grace == (run > 3)
    if impact.medical.reimbursement is Reimbursement.UNAFFECTED:
        raise AssertionError("北京's figure never says unaffected")


def test_guangzhou_uses_the_librarys_payout_base() -> None:
    """广东 2025 计发基数 9,493 (S) is in 广州's file: the reference's floor example again."""
    city = LIBRARY.region("广州").version_for(date(2026, 1, 20))
    estimate = pension_estimate({date(2025, 12, 1): Decimal("5510")}, city, NATIONAL)
    assert not estimate.payout_base_estimated
    assert estimate.payout_base == Decimal("9493")
    assert estimate.payout_base_figure is not None
    assert estimate.payout_base_figure.conf is Confidence.SECONDARY
    assert (estimate.basic_loss, estimate.personal_loss) == (Decimal("6.33"), Decimal("3.17"))
