"""A case keeps the calculator's figures exactly: frozen to JSON strings at opening and thawed
back into the calculator's own types for the documents, cent for cent."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.services.cases import FrozenMonth, freeze, thawed_months
from models.backpay_case import BackpayCase
from policies.backpay import back_payment
from policies.library import load_library

LIBRARY = load_library()
CITIES = ["北京", "上海", "广州", "深圳", "杭州", "成都"]


@settings(max_examples=40, deadline=None)
@given(
    city=st.sampled_from(CITIES),
    base=st.decimals(min_value=0, max_value=60000, places=2),
    first=st.integers(min_value=0, max_value=11),
    count=st.integers(min_value=1, max_value=6),
    paid_after=st.integers(min_value=0, max_value=400),
)
def test_freeze_and_thaw_keep_every_figure(city: str, base: Decimal, first: int, count: int,
                                           paid_after: int) -> None:
    months = [date(2025 + (first + i) // 12, (first + i) % 12 + 1, 1) for i in range(count)]
    pay_date = date.fromordinal(months[-1].toordinal() + paid_after)
    region = LIBRARY.region(city)
    result = back_payment(region, base, months, pay_date)
    frozen = freeze(result)
    stored = json.loads(json.dumps([m.to_json() for m in frozen]))  # as the JSON column keeps it
    assert [FrozenMonth.from_json(m) for m in stored] == frozen
    case = BackpayCase(company_id=1, employee_id=1, city=city, base=base, months=stored,
                       employer_total=result.employer, employee_total=result.employee,
                       late_fee=result.late_fee, policy_version=result.rules_version.id,
                       reason="missed", planned_pay_date=pay_date, opened_by=1)
    thawed = thawed_months(region, case)
    assert [m.month for m in thawed] == [m.month for m in result.months]
    for mine, theirs in zip(thawed, result.months, strict=True):
        assert (mine.employer, mine.employee, mine.late_fee) == (
            theirs.employer, theirs.employee, theirs.late_fee)
        assert mine.contribution.items == theirs.contribution.items
        assert mine.version.id == theirs.version.id and mine.due == theirs.due
    assert sum((m.employer + m.employee + m.late_fee for m in thawed), Decimal(0)) == result.total
