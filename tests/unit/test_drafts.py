"""The dialogs' typed drafts: JSON round trip, and the confirm token the old dicts produced."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest

from bot.callbacks import digest
from bot.services.backpay import Subject
from bot.services.hiring import HireDraft
from bot.services.transfer import ImportChoices
from handlers.dialog import Draft
from handlers.drafts import (
    BackpayDraft,
    BaseAllDraft,
    BaseChangeDraft,
    CaseMoveDraft,
    CaseOpenDraft,
    HireAnswers,
    LeaveDraft,
    PendingImport,
    TodoMarkDraft,
)


def old_token(nonce: str, answers: object) -> str:
    """handlers.common.draft_token before typed drafts."""
    return digest(nonce, json.dumps(answers, sort_keys=True, default=str))


DRAFTS: list[Draft] = [
    HireAnswers(HireDraft(name="陈明远", base="5000", key="k"), editing=True, nonce="n1"),
    LeaveDraft(7, "陈明远", date(2026, 12, 31), "主动离职", nonce="n2"),
    BaseChangeDraft(7, "陈明远", None, Decimal("8000.50"), date(2027, 1, 1), nonce="n3"),
    BaseAllDraft(date(2027, 7, 1), {7: Decimal("9000"), 8: Decimal("6000.5")}, nonce="n4"),
    BackpayDraft(
        True,
        Subject(base=Decimal("5000"), city="北京", employee_id=7, name="陈明远",
                unpaid=(date(2026, 11, 1),), periods=((date(2026, 11, 1), None),)),
        [date(2026, 11, 1)],
    ),
    TodoMarkDraft("done", 3, "社保登记", "陈明远", 1),
    CaseOpenDraft(1, 7, "陈明远", [date(2026, 11, 1)], date(2026, 12, 5), "wrong_employee_data",
                  None, [("姓名", "陈明", "陈明远")]),
    CaseMoveDraft(1, 9, "submitted", "rejected", date(2026, 12, 5)),
]


@pytest.mark.parametrize("draft", DRAFTS, ids=lambda d: type(d).__name__)
def test_a_draft_survives_its_json_form(draft: Draft) -> None:
    stored = json.loads(json.dumps(draft.to_json(), ensure_ascii=False))
    assert type(draft).from_json(stored) == draft


def test_confirm_tokens_are_the_ones_the_old_dicts_gave() -> None:
    hire = HireAnswers(HireDraft(name="陈明远", base="5000", key="k"), nonce="n1")
    assert hire.token() == old_token("n1", hire.answers.to_dict())
    leave = LeaveDraft(7, "陈明远", date(2026, 12, 31), "主动离职", nonce="n2")
    assert leave.token() == old_token(
        "n2", {"employee_id": 7, "name": "陈明远", "last_day": "2026-12-31", "reason": "主动离职"}
    )
    base = BaseChangeDraft(7, "陈明远", None, Decimal("8000"), date(2027, 1, 1), nonce="n3")
    assert base.token() == old_token(
        "n3",
        {"employee_id": 7, "name": "陈明远", "first_day": None, "base": "8000",
         "month": "2027-01-01"},
    )
    every = BaseAllDraft(date(2027, 7, 1), {7: Decimal("9000")}, nonce="n4")
    assert every.token() == old_token("n4", {"month": "2027-07-01", "bases": {"7": "9000"}})


def test_old_user_data_is_read_by_the_kind_it_belongs_to() -> None:
    old = {
        "base_draft": {"employee_id": 7, "name": "陈明远", "first_day": "2026-11-01",
                       "base": "8000"},
        "base_draft_nonce": "n3",
    }
    assert BaseChangeDraft.from_legacy(old) == BaseChangeDraft(
        7, "陈明远", date(2026, 11, 1), Decimal("8000"), None, nonce="n3"
    )
    assert BaseAllDraft.from_legacy(old) is None
    assert LeaveDraft.from_legacy(old) is None
    yearly = {"base_draft": {"month": "2027-07-01", "bases": {}}}
    assert BaseAllDraft.from_legacy(yearly) == BaseAllDraft(date(2027, 7, 1), {}, nonce="")
    assert BaseChangeDraft.from_legacy(yearly) is None


def test_a_pending_import_keeps_the_old_dict_form_and_token() -> None:
    old = {"upload_id": 5, "filename": "员工.xlsx", "map": {"工号": ""}, "upload": "ab12cd34",
           "sha": "0123456789ab"}
    pending = PendingImport.from_json(old)
    assert pending.to_json() == old
    assert pending.token() == digest(
        "ab12cd34", "0123456789ab",
        json.dumps([{"工号": ""}, {}], sort_keys=True, ensure_ascii=False),
    )
    pending.choices = ImportChoices(paid_up_to=date(2026, 11, 1))
    pending.preview = pending.token()
    assert PendingImport.from_json(json.loads(json.dumps(pending.to_json()))) == pending
