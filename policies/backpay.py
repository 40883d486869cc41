"""Back-payment (补缴) of missed months and the late fee (滞纳金) on them.

Each month is priced with the policy version in force for that month, because December and
January often belong to different contribution years. The late fee follows 社会保险法第86条:
overdue amount × daily rate × days from the day after the month's due date to the payment date.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from policies.contributions import MonthlyContribution, monthly_contribution, to_cents
from policies.library import RegionPolicy
from policies.schema import PolicyVersion


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


def is_cross_year(months: Iterable[date], paid_on: date) -> bool:
    """True when any month belongs to a calendar year before the payment's (跨年补缴).

    Some agencies count the contribution year July–June instead; the answer to HR says so.
    """
    return any(month.year < paid_on.year for month in months)


def months_back(month: date, paid_on: date) -> int:
    """Whole months from ``month`` to the month of ``paid_on`` (0 for the same month)."""
    return (paid_on.year - month.year) * 12 + paid_on.month - month.month


@dataclass(frozen=True)
class BackPaymentMonth:
    """One month of a back-payment: its contribution, due date and late fee."""

    month: date
    due: date
    contribution: MonthlyContribution
    overdue_days: int
    late_fee: Decimal

    @property
    def version(self) -> PolicyVersion:
        return self.contribution.version

    @property
    def employer(self) -> Decimal:
        return self.contribution.employer

    @property
    def employee(self) -> Decimal:
        return self.contribution.employee


@dataclass(frozen=True)
class BackPayment:
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

    @property
    def versions(self) -> list[PolicyVersion]:
        """Distinct versions used, oldest first."""
        seen: dict[str, PolicyVersion] = {}
        for month in self.months:
            seen.setdefault(month.version.id, month.version)
        return list(seen.values())


def back_payment(region: RegionPolicy, base: Decimal, months: Iterable[date],
                 pay_date: date) -> BackPayment:
    """Price a back-payment of ``months`` at ``base``, paid on ``pay_date``."""
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
        contribution = monthly_contribution(version, base)
        due = region.declaration_deadline(month)
        days = overdue_days(due, pay_date)
        fee = Decimal("0.00")
        if applies:
            charged = (contribution.total if version.late_fee.charged_on.value == "total"
                       else contribution.employer)
            fee = late_fee(charged, due, pay_date, version.late_fee.daily_rate.value)
        priced.append(BackPaymentMonth(month, due, contribution, days, fee))
    cross_year = is_cross_year(firsts, pay_date)
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
    )
