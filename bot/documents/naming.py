"""Chinese file names with the employee and the months (社保补缴申报表_陈明远_2025-12.xlsx)."""

from __future__ import annotations

import re
from datetime import date

from bot.documents.text import label
from policies.ledger_rules import format_month

#: Characters Windows, macOS or Telegram clients refuse or mangle in a file name.
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]')


def months_span(months: list[date]) -> str:
    """`2025-12`, `2025-12_2026-01` (consecutive run) or `2025-10等3个月` (scattered)."""
    firsts = sorted({m.replace(day=1) for m in months})
    if len(firsts) == 1:
        return format_month(firsts[0])
    index = [m.year * 12 + m.month for m in firsts]
    if index[-1] - index[0] == len(index) - 1:
        return f"{format_month(firsts[0])}_{format_month(firsts[-1])}"
    return label("scattered_months", format_month(firsts[0]), len(firsts))


def document_filename(kind: str, employee: str, months: list[date], extension: str) -> str:
    """``<document title>_<employee>_<months>.<ext>``, safe on every desktop system."""
    stem = "_".join((label("document_title", kind), employee, months_span(months)))
    return f"{_UNSAFE.sub('_', stem)}.{extension}"
