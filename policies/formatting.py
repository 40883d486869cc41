"""How rules name days in Chinese text (`2026-12-31（周四）`), shared by rules and templates."""

from __future__ import annotations

from datetime import date

WEEKDAYS = "一二三四五六日"


def format_day(value: date) -> str:
    """`2026-12-31（周四）`, as UX.md asks for every date."""
    return f"{value.isoformat()}（周{WEEKDAYS[value.weekday()]}）"
