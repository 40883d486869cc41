"""When a ledger month is due, and from when it is late: the one rule every view reads.

A month of an employment is normally due on the insured city's monthly deadline. A new hire is
different: 社会保险法 第58条 gives the employer 30 days from the first day of work to register,
and the months whose ordinary deadline falls inside those 30 days cannot sensibly be "late"
before the employee is even registered. How each city collects them is the city's first-month
rule (``[versions.first_months]`` in its policy file, with source and confidence). Where a city
has none, the conservative default below applies: such a month is due with the registration, on
the registration deadline, and never shown as 逾期 while the registration window is open; once
overdue, its late fee is estimated from the month's own deadline (the higher figure), and the
whole rule is 未确认.

``/hire``'s reply, ``/todo``, ``/ledger``, reminders and ``/backpay`` all call ``month_due`` so
they cannot disagree about a month.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from policies.deadlines import month_of, registration_deadline
from policies.library import NoVersionInForce, RegionPolicy
from policies.schema import Confidence, FirstMonthsRule, Source

#: Used where a city's file states no first-month rule: never 逾期 inside the 30-day window.
CONSERVATIVE_FIRST_MONTHS = FirstMonthsRule(
    paid_with_registration_until="registration_deadline",
    late_fee_from="month_deadline",
    source=Source(
        name="hrbot 从严默认规则（社会保险法第58条、人社部令第20号第8条）",
        dated="2026-11-30",
    ),
    conf=Confidence.UNCONFIRMED,
    assumption=True,
    note="当地首月补收规则未找到：登记截止日前可随社保登记一并缴纳；逾期后滞纳金按各月原截止日从严估算",
)


@dataclass(frozen=True)
class MonthDue:
    """A month's due date for one employment, and how its late fee counts."""

    month: date
    due: date
    """Last day to pay without counting as overdue (逾期 from the next day)."""
    late_fee_from: date
    """Once overdue, the 滞纳金 counts the days after this date."""
    month_deadline: date
    """The city's ordinary deadline for the month."""
    with_registration: bool = False
    """The first-month rule moved the month to the registration (随登记一并缴纳)."""
    registration_deadline: date | None = None
    rule: FirstMonthsRule | None = None

    @property
    def unconfirmed(self) -> bool:
        """The date rests on a first-month rule nobody confirmed (shown as 未确认)."""
        return self.with_registration and self.rule is not None and self.rule.unconfirmed

    def is_overdue(self, today: date) -> bool:
        return today > self.due

    def late_fee_days(self, paid_on: date) -> int:
        """Days of 滞纳金 for a payment on ``paid_on`` (0 while not overdue)."""
        if paid_on <= self.due:
            return 0
        return max(0, (paid_on - self.late_fee_from).days)


def first_months_rule(region: RegionPolicy, first_day: date) -> FirstMonthsRule:
    """The city's first-month rule in force on the first day of work, or the default."""
    try:
        rule = region.version_for(first_day).first_months
    except NoVersionInForce:
        rule = None
    return rule or CONSERVATIVE_FIRST_MONTHS


def is_paid_with_registration(month: date, month_deadline: date, first_day: date) -> bool:
    """True when the first-month rule applies: a month of the employment whose own deadline
    falls before the registration deadline (the months a new hire brings into the window)."""
    return month_of(first_day) <= month and month_deadline < registration_deadline(first_day)


def month_due(region: RegionPolicy, month: date, *, first_day: date | None = None) -> MonthDue:
    """When ``month`` is due for an employment that began on ``first_day`` (None: not a hire).

    Raises ``NoVersionInForce`` when the region has no version for the month.
    """
    month = month_of(month)
    deadline = region.declaration_deadline(month)
    plain = MonthDue(month, deadline, deadline, deadline)
    if first_day is None or month < month_of(first_day):
        return plain
    registration = registration_deadline(first_day)
    if not is_paid_with_registration(month, deadline, first_day):
        return MonthDue(month, deadline, deadline, deadline, registration_deadline=registration)
    rule = first_months_rule(region, first_day)
    grace = registration
    if rule.paid_with_registration_until == "next_deadline":
        grace = _first_deadline_on_or_after(region, registration)
    fee_from = deadline if rule.late_fee_from == "month_deadline" else grace
    return MonthDue(month, grace, fee_from, deadline, True, registration, rule)


def _first_deadline_on_or_after(region: RegionPolicy, day: date) -> date:
    found = region.declaration_deadline(month_of(day))
    if found < day:
        following = month_of(day).replace(day=28)
        while following.month == day.month:
            following = following.fromordinal(following.toordinal() + 1)
        found = region.declaration_deadline(following)
    return found


def describe_rule(rule: FirstMonthsRule) -> str:
    """The rule in one Chinese sentence (policy answers, diffs); callers add 未确认."""
    until = ("社保登记截止日（用工之日起30日）" if rule.paid_with_registration_until
             == "registration_deadline" else "社保登记截止日后的第一个月度缴费截止日")
    fee = ("逾期后滞纳金自各月原缴费截止日次日起计算" if rule.late_fee_from == "month_deadline"
           else "逾期后滞纳金自该日次日起计算")
    return f"新员工登记前的月份可随社保登记一并缴纳，最晚至{until}，不计滞纳金；{fee}"
