"""Rules about the first day of work (用工之日) that /hire and imports share."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from policies.deadlines import REGISTRATION_DAYS, registration_deadline
from policies.formatting import format_day

MAX_DAYS_AHEAD = 60


class FirstDayRefused(ValueError):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class FirstDayCheck:
    first_day: date
    deadline: date
    warning: str | None


def check_first_day(first_day: date, *, today: date) -> FirstDayCheck:
    """Refuse dates too far ahead; accept late ones but say the deadline has passed."""
    if first_day > today + timedelta(days=MAX_DAYS_AHEAD):
        raise FirstDayRefused(
            f"用工之日不能晚于今天之后{MAX_DAYS_AHEAD}天"
            f"（即 {today + timedelta(days=MAX_DAYS_AHEAD)}），请确认后重新输入。"
        )
    deadline = registration_deadline(first_day)
    warning = None
    if deadline < today:
        warning = (
            f"⚠️ 用工之日已超过{REGISTRATION_DAYS}天，社保登记截止日 {format_day(deadline)} 已过，"
            "请尽快办理，可能需要补缴并产生滞纳金。"
        )
    return FirstDayCheck(first_day, deadline, warning)
