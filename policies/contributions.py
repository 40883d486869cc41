"""Monthly contribution (月缴费额) per insurance from a policy version and a contribution base.

Money is ``Decimal`` rounded half-up to the cent per line item (employer and employee part of
each insurance), which is how collectors print their bills; totals are sums of rounded lines.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

from policies.schema import INSURANCE_NAMES, Figure, InsuranceRates, PolicyVersion

CENT = Decimal("0.01")
Clamp = Literal["floor", "ceiling"] | None


def to_cents(amount: Decimal) -> Decimal:
    """Round half-up to the cent."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def clamp_base(base: Decimal, floor: Decimal, ceiling: Decimal) -> tuple[Decimal, Clamp]:
    """The base actually charged: below the floor pays the floor, above the ceiling the ceiling."""
    if base < floor:
        return floor, "floor"
    if base > ceiling:
        return ceiling, "ceiling"
    return base, None


@dataclass(frozen=True)
class ContributionItem:
    """One insurance's employer and employee amounts for one month."""

    insurance: str
    base: Decimal
    clamped: Clamp
    employer: Decimal
    employee: Decimal

    @property
    def label(self) -> str:
        return INSURANCE_NAMES[self.insurance]

    @property
    def total(self) -> Decimal:
        return self.employer + self.employee


@dataclass(frozen=True)
class MonthlyContribution:
    """A month's contribution under one version; ``clamped`` says when the base was adjusted."""

    version: PolicyVersion
    declared_base: Decimal
    base: Decimal
    clamped: Clamp
    items: tuple[ContributionItem, ...]

    @property
    def employer(self) -> Decimal:
        return sum((i.employer for i in self.items), Decimal("0.00"))

    @property
    def employee(self) -> Decimal:
        return sum((i.employee for i in self.items), Decimal("0.00"))

    @property
    def total(self) -> Decimal:
        return self.employer + self.employee


def monthly_contribution(version: PolicyVersion, base: Decimal, *,
                         supplement: bool = False) -> MonthlyContribution:
    """Employer and employee parts of every insurance for one month at ``base`` (缴费基数).

    ``supplement``: the employee qualifies for an employer supplement of the city (深圳 深户 staff
    owe 1 % 地方补充养老); without it the supplement is left out and callers mention it.
    """
    if base < 0:
        raise ValueError("缴费基数不能为负数")
    effective, clamped = clamp_base(base, version.base.floor.value, version.base.ceiling.value)
    items = []
    for name in INSURANCE_NAMES:
        rates: InsuranceRates = getattr(version.rates, name)
        item_base, item_clamp = effective, clamped
        if rates.base_floor is not None or rates.base_ceiling is not None:
            floor = (rates.base_floor or version.base.floor).value
            ceiling = (rates.base_ceiling or version.base.ceiling).value
            item_base, item_clamp = clamp_base(base, floor, ceiling)
        employer_rate = rates.employer.value
        if supplement and rates.employer_supplement is not None:
            employer_rate += rates.employer_supplement.value
        employer = to_cents(item_base * employer_rate)
        employee = to_cents(item_base * rates.employee.value)
        if rates.employee_fixed is not None:
            employee += to_cents(rates.employee_fixed.value)
        items.append(ContributionItem(name, item_base, item_clamp, employer, employee))
    return MonthlyContribution(version, base, effective, clamped, tuple(items))


def supplements_left_out(version: PolicyVersion) -> list[str]:
    """Employer supplements not in a bill computed without ``supplement`` (深户 1 % 补充养老)."""
    notes = []
    for name, title in INSURANCE_NAMES.items():
        figure = getattr(version.rates, name).employer_supplement
        if figure is not None:
            notes.append(f"{title}：{figure.note or '部分职工单位另缴'}（未计入）")
    return notes


def unconfirmed_figures(version: PolicyVersion) -> list[str]:
    """Labels of the figures a contribution under ``version`` relies on that are not confirmed.

    Answers and bills must say so (未确认) rather than present them as the city's rule.
    """
    labels: list[str] = []
    for label, figure in (("缴费基数下限", version.base.floor),
                          ("缴费基数上限", version.base.ceiling)):
        if figure.unconfirmed:
            labels.append(label)
    for name, title in INSURANCE_NAMES.items():
        rates: InsuranceRates = getattr(version.rates, name)
        parts: list[tuple[str, Figure | None]] = [
            ("单位费率", rates.employer), ("个人费率", rates.employee),
            ("基数下限", rates.base_floor), ("基数上限", rates.base_ceiling),
        ]
        for part, figure in parts:
            if figure is not None and figure.unconfirmed:
                labels.append(f"{title}{part}")
    # the due date drives the late fee, so an assumed deadline is as unconfirmed as a rate
    if version.deadline.unconfirmed:
        labels.append("每月缴费截止日")
    elif version.deadline.on_holiday.unconfirmed:
        labels.append("缴费截止日遇节假日是否顺延")
    return labels


# --- integer terms, for pricing whole months in SQL -----------------------------------------

#: Rates are carried as integers over this scale so a database prices them exactly.
RATE_SCALE = 10**8


@dataclass(frozen=True)
class ItemTerms:
    """One insurance as integers: base limits in cents, rates over ``RATE_SCALE``."""

    floor_cents: int
    ceiling_cents: int
    employer_rate: int
    employee_rate: int
    employee_fixed_cents: int


@dataclass(frozen=True)
class PriceTerms:
    """A version's pricing as integers; ``price_cents`` and the ledger's SQL compute the same
    numbers as ``monthly_contribution`` (half-up to the cent per line item)."""

    floor_cents: int
    ceiling_cents: int
    items: tuple[ItemTerms, ...]


def _cents(amount: Decimal) -> int:
    return int(to_cents(amount) * 100)


def _scaled(rate: Decimal) -> int:
    scaled = rate * RATE_SCALE
    if scaled != scaled.to_integral_value():
        raise ValueError(f"rate {rate} has more than 8 decimals")
    return int(scaled)


def price_terms(version: PolicyVersion) -> PriceTerms:
    """The integer terms of ``version`` (see ``PriceTerms``)."""
    floor, ceiling = version.base.floor.value, version.base.ceiling.value
    items = []
    for name in INSURANCE_NAMES:
        rates: InsuranceRates = getattr(version.rates, name)
        item_floor = (rates.base_floor.value if rates.base_floor is not None else floor)
        item_ceiling = (rates.base_ceiling.value if rates.base_ceiling is not None else ceiling)
        fixed = rates.employee_fixed.value if rates.employee_fixed is not None else Decimal(0)
        items.append(ItemTerms(_cents(item_floor), _cents(item_ceiling),
                               _scaled(rates.employer.value), _scaled(rates.employee.value),
                               _cents(fixed)))
    return PriceTerms(_cents(floor), _cents(ceiling), tuple(items))


def clamp_cents(base: int, floor: int, ceiling: int) -> int:
    return floor if base < floor else ceiling if base > ceiling else base


def rate_cents(base: int, rate: int) -> int:
    """``base × rate`` rounded half-up to the cent, in integers (``base`` >= 0)."""
    return (2 * base * rate + RATE_SCALE) // (2 * RATE_SCALE)


def price_cents(terms: PriceTerms, base: int) -> tuple[int, int, int]:
    """(base charged, employer, employee) in cents for a declared base in cents."""
    employer = employee = 0
    for item in terms.items:
        item_base = clamp_cents(base, item.floor_cents, item.ceiling_cents)
        employer += rate_cents(item_base, item.employer_rate)
        employee += rate_cents(item_base, item.employee_rate) + item.employee_fixed_cents
    return clamp_cents(base, terms.floor_cents, terms.ceiling_cents), employer, employee
