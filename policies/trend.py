"""Honest statistics for /trend: a correlation only with its n, and no trend line on a few
points.

Timeliness against turnover across departments is one point per department; a small company
has few, and a Pearson r from four points means nothing, so the result carries n and whether
n is enough to say anything. Back-payment cases are counted per quarter, before and after the
company started using the bot; counts are shown as they are, never fitted.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, localcontext

#: Below this many departments a correlation is shown with a plain warning.
MIN_POINTS_TO_MEAN_ANYTHING = 8
#: Below this many a correlation is not computed at all.
MIN_POINTS = 3


@dataclass(frozen=True)
class Correlation:
    """Pearson r to 0.01 (None when undefined: fewer than MIN_POINTS or no spread), with n."""

    r: Decimal | None
    n: int

    @property
    def is_meaningful(self) -> bool:
        return self.r is not None and self.n >= MIN_POINTS_TO_MEAN_ANYTHING


def pearson(xs: Sequence[Decimal], ys: Sequence[Decimal]) -> Correlation:
    """Pearson's correlation of paired values, in Decimal."""
    n = len(xs)
    if n != len(ys):
        raise ValueError("paired values of different lengths")
    if n < MIN_POINTS:
        return Correlation(None, n)
    with localcontext() as ctx:
        ctx.prec = 28
        mx, my = sum(xs, Decimal(0)) / n, sum(ys, Decimal(0)) / n
        sxy = sum(((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)), Decimal(0))
        sxx = sum(((x - mx) ** 2 for x in xs), Decimal(0))
        syy = sum(((y - my) ** 2 for y in ys), Decimal(0))
        if sxx == 0 or syy == 0:
            return Correlation(None, n)
        r = sxy / (sxx * syy).sqrt()
    return Correlation(r.quantize(Decimal("0.01"), ROUND_HALF_UP), n)


def quarter_of(day: date) -> tuple[int, int]:
    """(year, quarter) of a day."""
    return day.year, (day.month - 1) // 3 + 1


@dataclass(frozen=True)
class QuarterCount:
    year: int
    quarter: int
    cases: int
    #: The quarter ends before the bot was in use (the quarter it started counts as after).
    before: bool

    @property
    def label(self) -> str:
        return f"{self.year}Q{self.quarter}"


def cases_per_quarter(
    lapses: Iterable[date], started: date, through: date
) -> tuple[QuarterCount, ...]:
    """Cases per quarter of their first missed month, from the earliest such quarter (or the
    one before the start) to `through`'s, each marked before or after `started`."""
    counts: dict[tuple[int, int], int] = {}
    for day in lapses:
        key = quarter_of(day)
        counts[key] = counts.get(key, 0) + 1
    start_q = quarter_of(started)
    first = min([*counts, _previous(start_q)])
    last = max([*counts, quarter_of(through)])
    rows, q = [], first
    while q <= last:
        rows.append(QuarterCount(q[0], q[1], counts.get(q, 0), q < start_q))
        q = (q[0] + 1, 1) if q[1] == 4 else (q[0], q[1] + 1)
    return tuple(rows)


def _previous(q: tuple[int, int]) -> tuple[int, int]:
    return (q[0] - 1, 4) if q[1] == 1 else (q[0], q[1] - 1)


def mean_per_quarter(rows: Iterable[QuarterCount], *, before: bool) -> Decimal | None:
    """Average cases per quarter on one side of the start (None: no quarter there)."""
    chosen = [r.cases for r in rows if r.before is before]
    if not chosen:
        return None
    return (Decimal(sum(chosen)) / len(chosen)).quantize(Decimal("0.1"), ROUND_HALF_UP)
