"""An employee's free question: impact or not, and the month it names."""

from datetime import date

import pytest

from policies.impact_question import is_impact_question, question_month

TODAY = date(2027, 1, 15)


@pytest.mark.parametrize("text", [
    "我12月社保没交会影响什么", "断缴会影响医保报销吗", "补缴后医保什么时候能用",
])
def test_the_issue_questions_are_impact_questions(text: str) -> None:
    assert is_impact_question(text)


def test_a_general_policy_question_is_not() -> None:
    assert not is_impact_question("北京跨年补缴需要什么材料")


@pytest.mark.parametrize(("text", "month"), [
    ("我12月社保没交会影响什么", date(2026, 12, 1)),
    ("1月没交", date(2027, 1, 1)),
    ("十二月断缴了", date(2026, 12, 1)),
    ("2026年3月没交", date(2026, 3, 1)),
    ("2026-11 没缴影响吗", date(2026, 11, 1)),
    ("断缴会影响医保报销吗", None),
    ("我13月没交", None),
])
def test_question_month(text: str, month: date | None) -> None:
    assert question_month(text, TODAY) == month
