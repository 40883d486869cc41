"""Time zones: the one default zone and the one "today in this zone".

Deadlines are natural days where the company is (社会保险法 counts days, not hours), so every
"today" is the date of an instant in the company's own zone (``company.timezone``). The default
zone is named once, here, because every layer needs it — the config section's default
(``[company] timezone``), the company row's default, the reminder rule's default — and
``policies`` is the one package that each of them may import.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

#: 北京时间, China's one standard time: a company's zone unless it (or config.toml) says another.
DEFAULT_TIMEZONE = "Asia/Shanghai"


def is_known_zone(timezone: str) -> bool:
    """An IANA zone name this machine's zone database knows (config and companies are checked)."""
    try:
        ZoneInfo(timezone)
    except (KeyError, ValueError):
        return False
    return True


def today_in(timezone: str, now: datetime) -> date:
    """The calendar day at instant ``now`` in ``timezone`` (a company's ``timezone``).

    ``now`` must be aware: a naive instant would silently be read in the server's zone, and a
    server in UTC would date a 07:30 Beijing-time morning as the day before.
    """
    if now.tzinfo is None:
        raise ValueError("today_in needs an aware datetime")
    return now.astimezone(ZoneInfo(timezone)).date()
