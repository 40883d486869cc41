"""Reading an employee's free question: is it about what a gap (断缴) means for them, and
which month does it name?

Pure: the handler passes the text and today; the personal answer (bot/services/self_service.py)
decides from the employee's ledger. "我12月社保没交会影响什么" names December (the latest
December not after today's month); "断缴会影响医保报销吗" names no month and is answered for
every gap month.
"""

from __future__ import annotations

import re
from datetime import date

#: Words that make a question one about the asker's own gap rather than a general policy
#: question ("北京跨年补缴需要什么材料" stays with the policy library).
_IMPACT_WORDS = (
    "影响", "断缴", "没交", "没缴", "未缴", "未交", "漏缴", "欠缴", "停缴", "断了",
    "报销", "能用", "等待期", "养老金", "退休",
)

_YEAR_MONTH = re.compile(r"(20[0-9]{2})\s*[年\-./]\s*(1[0-2]|0?[1-9])\s*月?")
_MONTH = re.compile(r"(?<![0-9])(1[0-2]|0?[1-9])\s*月")
_CHINESE_MONTHS = {
    "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9,
    "十": 10, "十一": 11, "十二": 12,
}
_CHINESE_MONTH = re.compile(r"(十二|十一|十|[一二三四五六七八九])月")


def is_impact_question(text: str) -> bool:
    """True when the question asks what a missed month does to the asker."""
    return any(word in text for word in _IMPACT_WORDS)


def question_month(text: str, today: date) -> date | None:
    """The month the question names (its first day), or None.

    A month without a year is the latest such month not after today's month: in January 2027
    "12月" is December 2026.
    """
    found = _YEAR_MONTH.search(text)
    if found is not None:
        return date(int(found[1]), int(found[2]), 1)
    month: int | None = None
    plain = _MONTH.search(text)
    if plain is not None:
        month = int(plain[1])
    else:
        chinese = _CHINESE_MONTH.search(text)
        if chinese is not None:
            month = _CHINESE_MONTHS[chinese[1]]
    if month is None:
        return None
    year = today.year if month <= today.month else today.year - 1
    return date(year, month, 1)
