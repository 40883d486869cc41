"""Pure rules of the social-insurance ledger (社保台账).

The ledger holds one row per employee per month of employment. Which months exist, which of
them are gaps (断缴) and when a leave (减员) must be filed are questions about dates only, so
they live here, free of the database and of Telegram. Gaps are derived every time from the
rows' states and the month's due date; they are never stored.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from policies.deadlines import month_of


class LedgerState(StrEnum):
    """State of one ledger month; the Chinese label is what HR sees."""

    PENDING = "pending"
    DECLARED = "declared"
    PAID = "paid"
    BACKPAYING = "backpaying"
    BACKPAID = "backpaid"
    EXEMPT = "exempt"

    @property
    def label(self) -> str:
        return STATE_LABELS[self]


STATE_LABELS: dict[LedgerState, str] = {
    LedgerState.PENDING: "待申报",
    LedgerState.DECLARED: "已申报",
    LedgerState.PAID: "已缴纳",
    LedgerState.BACKPAYING: "补缴中",
    LedgerState.BACKPAID: "已补缴",
    LedgerState.EXEMPT: "不需缴纳",
}

#: States in which the month's contribution has not reached the fund yet.
UNPAID_STATES = frozenset({LedgerState.PENDING, LedgerState.DECLARED, LedgerState.BACKPAYING})

#: Marks HR may apply by button, from each state. Back-payment states belong to the
#: back-payment case flow and are reachable here only for the final "paid" step.
_ALLOWED_MARKS: dict[LedgerState, frozenset[LedgerState]] = {
    LedgerState.PENDING: frozenset({LedgerState.DECLARED, LedgerState.PAID, LedgerState.EXEMPT}),
    LedgerState.DECLARED: frozenset({LedgerState.PAID}),
    LedgerState.BACKPAYING: frozenset({LedgerState.BACKPAID}),
    LedgerState.PAID: frozenset(),
    LedgerState.BACKPAID: frozenset(),
    LedgerState.EXEMPT: frozenset(),
}

_MONTH_RE = re.compile(r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?\s*$")
_BARE_MONTH_RE = re.compile(r"^\s*(\d{1,2})\s*月(份)?\s*$")
_FULL_WIDTH = str.maketrans("０１２３４５６７８９／－．", "0123456789/-.")


def next_month(month: date) -> date:
    """First day of the month after `month`."""
    if month.month == 12:
        return date(month.year + 1, 1, 1)
    return date(month.year, month.month + 1, 1)


def previous_month(month: date) -> date:
    """First day of the month before `month`."""
    if month.month == 1:
        return date(month.year - 1, 12, 1)
    return date(month.year, month.month - 1, 1)


def parse_month(text: str, *, today: date | None = None) -> date | None:
    """Read `2026-12`, `2026/12`, `2026.12` or `2026年12月` (full-width digits too); None when
    it is not a month. With `today`, a bare `12月` is the nearest such month, as HR mean it."""
    text = text.translate(_FULL_WIDTH)
    if today is not None and (bare := _BARE_MONTH_RE.match(text)):
        month = int(bare.group(1))
        if not 1 <= month <= 12:
            return None
        this = month_of(today)
        candidates = [date(this.year + delta, month, 1) for delta in (-1, 0, 1)]
        return min(candidates, key=lambda m: abs((m - this).days))
    found = _MONTH_RE.match(text)
    if not found:
        return None
    year, month = int(found.group(1)), int(found.group(2))
    if not 1 <= month <= 12 or year < 1900:
        return None
    return date(year, month, 1)


def format_month(month: date) -> str:
    """`2026-12`, the way months are typed and shown."""
    return f"{month.year:04d}-{month.month:02d}"


def iter_months(first: date, last: date) -> Iterator[date]:
    """Every month from the month of `first` to the month of `last`, both included."""
    month, end = month_of(first), month_of(last)
    while month <= end:
        yield month
        month = next_month(month)


def employment_months(first_day: date, last_day: date | None, through: date) -> list[date]:
    """Months an employment owes contributions for, up to and including `through`'s month.

    The month of the first day of work counts (the hire creates it), and so does the month of
    the last working day; nothing after it does.
    """
    end = month_of(through)
    if last_day is not None:
        end = min(end, month_of(last_day))
    return list(iter_months(first_day, end)) if month_of(first_day) <= end else []


@dataclass(frozen=True)
class Period:
    """One employment period (任职期间) of one employee."""

    employee_id: int
    first_day: date
    last_day: date | None = None


def missing_months(
    periods: Iterable[Period], existing: set[tuple[int, date]], through: date
) -> list[tuple[int, date]]:
    """(employee_id, month) pairs the ledger lacks up to `through`'s month.

    Running the roll-over twice, or after days of downtime, yields exactly what is missing, so
    the tick is idempotent and catches up on its own.
    """
    wanted: list[tuple[int, date]] = []
    seen: set[tuple[int, date]] = set()
    for period in periods:
        for month in employment_months(period.first_day, period.last_day, through):
            key = (period.employee_id, month)
            if key not in existing and key not in seen:
                seen.add(key)
                wanted.append(key)
    return wanted


def is_gap(state: LedgerState | str, due_date: date, today: date) -> bool:
    """A month is a gap (断缴) when it is still unpaid after its due date."""
    return LedgerState(state) in UNPAID_STATES and today > due_date


def gap_months(
    rows: Iterable[tuple[date, LedgerState | str]],
    due_date_of: Callable[[date], date],
    today: date,
) -> list[date]:
    """The months among `rows` (month, state) that are gaps today, in month order."""
    return sorted(month for month, state in rows if is_gap(state, due_date_of(month), today))


def can_mark(current: LedgerState | str, target: LedgerState | str) -> bool:
    """Whether HR may move a month from `current` to `target` by a button press."""
    return LedgerState(target) in _ALLOWED_MARKS[LedgerState(current)]


def leave_task_deadline(last_day: date, declaration_deadline: Callable[[date], date]) -> date:
    """Deadline of the 减员 task for an employee whose last working day is `last_day`.

    By default it is the declaration deadline of the leaving month. When the employee leaves
    after that deadline has passed, the reduction can only be filed in the next month's
    declaration window, so the next month's deadline applies.
    """
    month = month_of(last_day)
    deadline = declaration_deadline(month)
    if deadline < last_day:
        deadline = declaration_deadline(next_month(month))
    return deadline


def base_for_month(
    month: date, changes: Iterable[tuple[date, Decimal]], default: Decimal
) -> Decimal:
    """The contribution base (缴费基数) in force in `month`.

    `changes` are (effective month, base) pairs; the latest one not after `month` wins, and
    `default` (the base recorded at hire) applies before any change.
    """
    best: tuple[date, Decimal] | None = None
    for effective, base in changes:
        if effective <= month and (best is None or effective >= best[0]):
            best = (effective, base)
    return best[1] if best is not None else default
