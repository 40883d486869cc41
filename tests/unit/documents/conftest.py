"""The seed scenario as case facts: 北京, hired 2025-12-01, December missed, found 2026-01-15."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from bot.documents import CaseFacts, CaseReason, ChangedField
from policies.backpay import BackPayment, back_payment
from policies.idnumber import check_digit
from policies.library import PolicyLibrary, load_library

FIRST17 = "11010519900307123"
ID_NUMBER = FIRST17 + check_digit(FIRST17)


@pytest.fixture(scope="session")
def library() -> PolicyLibrary:
    return load_library()


@pytest.fixture
def beijing_backpay(library: PolicyLibrary) -> BackPayment:
    return back_payment(library.region("北京"), Decimal("8000"), [date(2025, 12, 1)],
                        date(2026, 1, 20), first_day=date(2025, 12, 1))


def facts_of(backpay: BackPayment, **changes: object) -> CaseFacts:
    fields: dict[str, object] = dict(
        company_name="北京示例餐饮有限公司", employee_name="陈明远", id_number=ID_NUMBER,
        reason=CaseReason.ONBOARDING_NOT_SYNCED, opened_on=date(2026, 1, 15),
        letter_date=date(2026, 1, 16), first_day=date(2025, 12, 1))
    fields.update(changes)
    return CaseFacts.from_back_payment(backpay, **fields)  # type: ignore[arg-type]


@pytest.fixture
def beijing_facts(beijing_backpay: BackPayment) -> CaseFacts:
    return facts_of(beijing_backpay)


@pytest.fixture
def wrong_data_facts(beijing_backpay: BackPayment) -> CaseFacts:
    return facts_of(beijing_backpay, reason=CaseReason.WRONG_EMPLOYEE_DATA,
                    changed_fields=(ChangedField("身份证号码", "110105199003071220", ID_NUMBER),
                                    ChangedField("姓名", "陈明原", "陈明远")))
