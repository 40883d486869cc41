"""Back-payment (补缴) of missed months and the late fee (滞纳金) on them.

Each month is priced with the policy version in force for that month, because December and
January often belong to different contribution years. The late fee follows 社会保险法第86条:
overdue amount × daily rate × days from the day after the month's due date to the payment date.

A month due before its year's bases were published (北京 2025: published 2025-09-18) was charged
at the previous year's limits first and the difference (补差) collected later; such a month is
priced that way, both parts shown, and the 补差 carries no late fee inside the announced window.
Whether a payment is 跨年 follows the city's year basis (calendar or July–June), from the data.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from policies.contributions import (
    MonthlyContribution,
    monthly_contribution,
    supplements_left_out,
    to_cents,
)
from policies.library import NoVersionInForce, RegionPolicy
from policies.obligations import month_due
from policies.schema import Figure, PolicyVersion
from policies.workdays import calendar_caveat


class BackPaymentError(ValueError):
    """Arguments that cannot describe a back-payment; the message says what to enter instead."""


def overdue_days(due: date, paid: date) -> int:
    """Days late: from the day after ``due`` up to and including ``paid`` (0 when on time)."""
    return max(0, (paid - due).days)


def late_fee(amount: Decimal, due: date, paid: date, daily_rate: Decimal) -> Decimal:
    """滞纳金 on ``amount`` paid on ``paid`` for a contribution due on ``due``, to the cent."""
    if amount < 0:
        raise ValueError("amount must not be negative")
    return to_cents(amount * daily_rate * overdue_days(due, paid))


#: What HR are told with every 跨年 verdict: it is a calendar-year reading (si-policy-facts §1,
#: "What counts as 跨年补缴": no national definition; agencies differ).
CROSS_YEAR_BASIS_NOTE = ("此处按自然年判断；部分经办机构按社保年度（7月至次年6月）计算，"
                         "是否属于跨年补缴请先向当地经办机构确认")


def contribution_year(day: date, basis: str = "calendar") -> int:
    """The year ``day`` belongs to: calendar, or a July–June year named by its first half."""
    if basis == "july_june":
        return day.year if day.month >= 7 else day.year - 1
    return day.year


def is_cross_year(months: Iterable[date], paid_on: date, basis: str = "calendar") -> bool:
    """True when any month belongs to a year before the payment's (跨年补缴).

    ``basis`` is the city's reading ("calendar" or "july_june", see BackPaymentRule).
    """
    paid_year = contribution_year(paid_on, basis)
    return any(contribution_year(month, basis) < paid_year for month in months)


JULY_JUNE_BASIS_NOTE = ("此处按社保年度（7月至次年6月）判断；部分经办机构按自然年计算，"
                        "是否属于跨年补缴请先向当地经办机构确认")


def cross_year_basis_note(basis: Figure[str]) -> str:
    """What HR are told with every 跨年 verdict: which year was applied, and how sure that is."""
    if basis.value == "july_june":
        return JULY_JUNE_BASIS_NOTE if basis.unconfirmed else "此处按社保年度（7月至次年6月）判断"
    return CROSS_YEAR_BASIS_NOTE if basis.unconfirmed else "此处按自然年判断"


def other_reading_differs(months: Iterable[date], paid_on: date, basis: Figure[str]) -> bool:
    """True when the basis is unconfirmed and the other year reading gives the other verdict."""
    months = list(months)
    other = "calendar" if basis.value == "july_june" else "july_june"
    return basis.unconfirmed and (is_cross_year(months, paid_on, basis.value)
                                  != is_cross_year(months, paid_on, other))


def months_back(month: date, paid_on: date) -> int:
    """Whole months from ``month`` to the month of ``paid_on`` (0 for the same month)."""
    return (paid_on.year - month.year) * 12 + paid_on.month - month.month


@dataclass(frozen=True)
class TrueUp:
    """A month first charged at the previous year's limits, and its 补差 (difference)."""

    provisional: MonthlyContribution
    """What was charged first (old limits); ``contribution`` minus this is the 补差."""
    difference: Decimal
    due: date | None
    """Last day to pay the 补差 without late fee; None when no window was announced (U)."""
    late_fee: Decimal
    unconfirmed: bool


@dataclass(frozen=True)
class BackPaymentMonth:
    """One month of a back-payment: its contribution, due date and late fee."""

    month: date
    due: date
    contribution: MonthlyContribution
    overdue_days: int
    late_fee: Decimal
    true_up: TrueUp | None = None
    """Set when the month fell due before its year's bases were published."""
    with_registration: bool = False
    """Due with the registration under the city's first-month rule."""
    rule_unconfirmed: bool = False

    @property
    def version(self) -> PolicyVersion:
        return self.contribution.version

    @property
    def employer(self) -> Decimal:
        return self.contribution.employer

    @property
    def employee(self) -> Decimal:
        return self.contribution.employee


class MonthTotals:
    """Employer, employee and late-fee totals of priced months: the calculator's result and a
    case's frozen figures (bot/documents) add up the same months the same way."""

    months: tuple[BackPaymentMonth, ...]

    @property
    def employer(self) -> Decimal:
        return sum((m.employer for m in self.months), Decimal("0.00"))

    @property
    def employee(self) -> Decimal:
        return sum((m.employee for m in self.months), Decimal("0.00"))

    @property
    def late_fee(self) -> Decimal:
        return sum((m.late_fee for m in self.months), Decimal("0.00"))

    @property
    def total(self) -> Decimal:
        return self.employer + self.employee + self.late_fee


@dataclass(frozen=True)
class BackPayment(MonthTotals):
    """A back-payment for one employee over several months, ready to show or print."""

    region: RegionPolicy
    base: Decimal
    pay_date: date
    months: tuple[BackPaymentMonth, ...]
    late_fee_applies: bool
    cross_year: bool
    beyond_self_service_window: bool
    self_service_months: int
    materials: tuple[str, ...]
    rules_version: PolicyVersion
    """The version in force on the payment date (materials, channel, window)."""
    cross_year_basis: str = "calendar"
    cross_year_basis_note: str = ""
    cross_year_other_reading: bool = False
    """The other year reading (calendar vs July–June) would give the other 跨年 verdict."""
    calendar_caveats: tuple[str, ...] = ()
    """Due dates in a year without a State Council holiday notice (counted on weekends only)."""
    supplements_left_out: tuple[str, ...] = ()
    """Employer supplements not priced (深户 1 % 补充养老 when ``supplement`` was not asked)."""

    @property
    def true_ups(self) -> list[BackPaymentMonth]:
        """Months first charged at the previous year's limits (补差 shown separately)."""
        return [m for m in self.months if m.true_up is not None]


    @property
    def versions(self) -> list[PolicyVersion]:
        """Distinct versions used, oldest first."""
        seen: dict[str, PolicyVersion] = {}
        for month in self.months:
            seen.setdefault(month.version.id, month.version)
        return list(seen.values())


def back_payment(region: RegionPolicy, base: Decimal, months: Iterable[date],
                 pay_date: date, *, supplement: bool = False,
                 first_day: date | None = None) -> BackPayment:
    """Price a back-payment of ``months`` at ``base``, paid on ``pay_date``.

    ``supplement``: the employee owes the city's employer supplement (深圳 深户 staff); without
    it the supplement is left out and listed in ``supplements_left_out``.
    With ``first_day`` (the employment's first day of work) a new hire's first months are due
    under the city's first-month rule (``policies.obligations.month_due``), as every view shows.
    """
    if base < 0:
        raise BackPaymentError("缴费基数不能为负数，请输入不小于0的金额，例如 5000。")
    firsts = sorted({m.replace(day=1) for m in months})
    if not firsts:
        raise BackPaymentError("请至少选择一个补缴月份，例如 2025-12。")
    late = [m for m in firsts if m > pay_date]
    if late:
        raise BackPaymentError(
            f"补缴月份 {late[0]:%Y-%m} 晚于计划缴费日期 {pay_date.isoformat()}，"
            "请检查月份或把缴费日期改到该月之后。")
    rules = region.version_for(pay_date)
    applies = rules.backpay.late_fee_applies.value
    priced: list[BackPaymentMonth] = []
    for month in firsts:
        version = region.version_for(month)
        contribution = monthly_contribution(version, base, supplement=supplement)
        owed = month_due(region, month, first_day=first_day)
        due = owed.due
        days = owed.late_fee_days(pay_date)
        true_up = _true_up(region, version, contribution, base, due, pay_date, applies)
        first_charge = true_up.provisional if true_up else contribution
        fee = Decimal("0.00")
        if applies:
            if days:
                fee = late_fee(_charged(version, first_charge), owed.late_fee_from, pay_date,
                               version.late_fee.daily_rate.value)
            if true_up is not None:
                fee += true_up.late_fee
        priced.append(BackPaymentMonth(month, due, contribution, days, fee, true_up,
                                       owed.with_registration, owed.unconfirmed))
    basis = rules.backpay.cross_year_basis
    cross_year = is_cross_year(firsts, pay_date, basis.value)
    window = rules.backpay.self_service_months.value
    materials = (rules.backpay.cross_year_materials if cross_year else rules.backpay.materials)
    return BackPayment(
        region=region,
        base=base,
        pay_date=pay_date,
        months=tuple(priced),
        late_fee_applies=applies,
        cross_year=cross_year,
        beyond_self_service_window=months_back(firsts[0], pay_date) > window,
        self_service_months=window,
        materials=tuple(materials.value),
        rules_version=rules,
        cross_year_basis=basis.value,
        cross_year_basis_note=cross_year_basis_note(basis),
        cross_year_other_reading=other_reading_differs(firsts, pay_date, basis),
        calendar_caveats=tuple(sorted({c for m in priced
                                       if (c := calendar_caveat(m.due)) is not None})),
        supplements_left_out=() if supplement else tuple(dict.fromkeys(
            note for m in priced for note in supplements_left_out(m.version))),
    )


def _charged(version: PolicyVersion, contribution: MonthlyContribution) -> Decimal:
    """The amount the late fee is charged on (employer and employee parts, or employer only)."""
    if version.late_fee.charged_on.value == "total":
        return contribution.total
    return contribution.employer


def _true_up(region: RegionPolicy, version: PolicyVersion, contribution: MonthlyContribution,
             base: Decimal, due: date, pay_date: date, applies: bool) -> TrueUp | None:
    """The old-limits charge and 补差 of a month due before its year's bases were published."""
    announced = version.true_up
    if announced is None or due >= announced.published.value:
        return None
    try:
        previous = region.version_for(version.effective_from - timedelta(days=1))
    except NoVersionInForce:
        return None
    # the previous year's limits with this month's rates: what the collector billed at the time
    provisional = monthly_contribution(version.model_copy(update={"base": previous.base}), base)
    difference = _charged(version, contribution) - _charged(version, provisional)
    if contribution.total == provisional.total:
        return None
    window = announced.fee_free_until
    fee = Decimal("0.00")
    if applies and window is not None and difference > 0:
        fee = late_fee(difference, window.value, pay_date, version.late_fee.daily_rate.value)
    unconfirmed = window is None or window.unconfirmed or announced.published.unconfirmed
    return TrueUp(provisional, contribution.total - provisional.total,
                  window.value if window else None, fee, unconfirmed)
