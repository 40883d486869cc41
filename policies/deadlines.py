"""Statutory deadlines counted in natural days, as the law counts them."""

from __future__ import annotations

from datetime import date, timedelta

#: 社会保险法 第58条: 用人单位应当自用工之日起三十日内为其职工
#: 向社会保险经办机构申请办理社会保险登记。
REGISTRATION_DAYS = 30


def registration_deadline(first_day: date) -> date:
    """Last day to register a new employee (first day of work + 30 days; 12-01 → 12-31)."""
    return first_day + timedelta(days=REGISTRATION_DAYS)


def days_left(deadline: date, today: date) -> int:
    """Days remaining until the deadline; negative once overdue."""
    return (deadline - today).days


def month_of(day: date) -> date:
    """The first day of the day's month: how ledger months are keyed."""
    return day.replace(day=1)
