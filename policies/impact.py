"""What missed months mean for the employee: pension, medical insurance and housing fund.

Pure estimates from the policy library for the 跨年补缴权益影响说明. Every rule used is returned
as the library's ``Figure`` so the text can say where it came from and how sure it is: an
unconfirmed (U) or assumed figure, or a single secondary source (S), is labelled, never
presented as the city's rule. The pension figure follows si-policy-facts §6 "Impact of one
missing month": Δ基础养老金 ≈ C × (1 + I) ÷ 2 × 1 % ÷ 12 and Δ个人账户养老金 ≈ b × 8 % ÷ 计发月数
per missing month, nominal at today's 计发基数 C and without interest.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from policies.contributions import to_cents
from policies.schema import Confidence, Figure, PensionRule, PolicyVersion

#: 缴费工资指数 is bounded by the base limits: 60 % to 300 % of the average wage.
INDEX_FLOOR = Decimal("0.6")
INDEX_CEILING = Decimal("3")
#: the base ceiling is 300 % of the average wage (国办发〔2019〕13号 mechanism, si-policy-facts §1)
CEILING_MULTIPLE = Decimal("3")


class ImpactError(ValueError):
    """The months or the library cannot support an estimate (no months, formula missing)."""


def is_rule(figure: Figure) -> bool:
    """True when ``figure`` may be stated as a rule: official or news-reported, not assumed."""
    return figure.conf in (Confidence.OFFICIAL, Confidence.NEWS) and not figure.assumption


@dataclass(frozen=True)
class PensionEstimate:
    """The monthly basic pension lost if the months were never paid (nominal, today's C)."""

    missing_months: int
    contribution_base: Decimal
    """Average pension base of the missing months (b)."""
    payout_base: Decimal
    """计发基数 C used."""
    payout_base_figure: Figure[Decimal] | None
    """The library's C; None when C was estimated as the base ceiling ÷ 3 (unconfirmed)."""
    index: Decimal
    """Assumed 本人平均缴费工资指数 I: b ÷ C, kept within 0.6–3."""
    basic_loss: Decimal
    personal_loss: Decimal
    rule: PensionRule
    """The merged figures used (national constants, the city's overrides)."""

    @property
    def monthly_loss(self) -> Decimal:
        return self.basic_loss + self.personal_loss

    @property
    def yearly_loss(self) -> Decimal:
        return self.monthly_loss * 12

    @property
    def payout_base_estimated(self) -> bool:
        return self.payout_base_figure is None


class Reimbursement(StrEnum):
    """What the medical costs incurred during the gap become once the months are back-paid."""

    UNAFFECTED = "unaffected"
    """The city's rule (O/N) says costs in a gap within the grace are reimbursed."""
    UNCONFIRMED = "unconfirmed"
    """A secondary, single-source or assumed figure says so: labelled, not stated as a rule."""
    NOT_COVERED = "not_covered"
    """The city's figure says such costs are not reimbursed, or the gap exceeds the grace."""
    UNKNOWN = "unknown"
    """The library has no rule for the city: the employee must ask the 医保 office."""


@dataclass(frozen=True)
class MedicalGapEffect:
    gap_months: int
    """The longest run of consecutive missing months."""
    grace: Figure[int]
    waiting: Figure[int]
    """The waiting period (insured through an employer) after a gap beyond the grace."""
    effect: Figure[str]
    retroactive_cover: Figure[bool] | None

    @property
    def exceeds_grace(self) -> bool:
        return self.gap_months > self.grace.value

    @property
    def reimbursement(self) -> Reimbursement:
        cover = self.retroactive_cover
        if self.exceeds_grace:
            return Reimbursement.NOT_COVERED
        if cover is None:
            return Reimbursement.UNKNOWN
        if not cover.value:
            return Reimbursement.NOT_COVERED
        return Reimbursement.UNAFFECTED if is_rule(cover) else Reimbursement.UNCONFIRMED


@dataclass(frozen=True)
class HousingFundEffect:
    gap_months: int
    loan_continuous_months: Figure[int]


@dataclass(frozen=True)
class GapImpact:
    """Pension, medical and housing-fund effects of ``months`` for one city."""

    city: str
    months: tuple[date, ...]
    pension: PensionEstimate
    medical: MedicalGapEffect
    housing_fund: HousingFundEffect


def longest_run(months: list[date]) -> int:
    """Length of the longest run of consecutive calendar months in ``months``."""
    index = sorted({m.year * 12 + m.month - 1 for m in months})
    best = run = 0
    previous: int | None = None
    for value in index:
        run = run + 1 if previous is not None and value == previous + 1 else 1
        best = max(best, run)
        previous = value
    return best


def pension_rule(city: PolicyVersion, national: PolicyVersion) -> PensionRule:
    """National formula figures with the city's overrides (its 计发基数 in particular)."""
    merged: dict[str, object] = {}
    for source in (national.pension, city.pension):
        if source is not None:
            merged.update({k: v for k, v in source if v is not None})
    rule = PensionRule(**merged)
    missing = [name for name in ("accrual_per_year", "personal_account_rate", "payout_months")
               if getattr(rule, name) is None]
    if missing:
        raise ImpactError(f"pension formula figures missing from the library: {missing}")
    return rule


def pension_estimate(bases: Mapping[date, Decimal], city: PolicyVersion,
                     national: PolicyVersion) -> PensionEstimate:
    """The monthly pension lost if the months with these pension ``bases`` stayed unpaid."""
    if not bases:
        raise ImpactError("no months")
    rule = pension_rule(city, national)
    assert rule.accrual_per_year and rule.personal_account_rate and rule.payout_months
    figure = rule.payout_base
    payout_base = figure.value if figure is not None else to_cents(
        city.base.ceiling.value / CEILING_MULTIPLE)
    average = sum(bases.values(), Decimal(0)) / len(bases)
    index = (min(max(average / payout_base, INDEX_FLOOR), INDEX_CEILING)
             if payout_base > 0 else Decimal(1))
    accrual = rule.accrual_per_year.value
    basic = payout_base * (1 + index) / 2 * accrual / 12 * len(bases)
    personal = (sum(bases.values(), Decimal(0)) * rule.personal_account_rate.value
                / rule.payout_months.value)
    return PensionEstimate(len(bases), to_cents(average), payout_base, figure,
                           index.quantize(Decimal("0.01")), to_cents(basic),
                           to_cents(personal), rule)


def gap_impact(city_name: str, bases: Mapping[date, Decimal], city: PolicyVersion,
               national: PolicyVersion) -> GapImpact:
    """The effects of missing the months in ``bases`` (month → that month's pension base).

    ``city`` is the city's version in force when the months are paid back (its medical-gap and
    housing-fund rules apply then); ``national`` holds the pension formula's constants.
    """
    months = sorted({m.replace(day=1) for m in bases})
    gap = longest_run(months)
    gap_rule = city.medical_gap
    medical = MedicalGapEffect(gap, gap_rule.grace_months, gap_rule.waiting_months_employer,
                               gap_rule.effect, gap_rule.retroactive_cover)
    return GapImpact(city_name, tuple(months), pension_estimate(bases, city, national), medical,
                     HousingFundEffect(gap, city.housing_fund.loan_continuous_months))
