"""Colloquial questions naming places: an uncovered city does not spoil the match, and a
question naming two library cities is answered for the first and says so."""

from __future__ import annotations

from datetime import date

import pytest

from policies.library import load_library
from policies.qa import Answer, Comparison, qa_for

LIBRARY = load_library()
TODAY = date(2026, 11, 26)


@pytest.fixture(scope="module")
def qa():  # type: ignore[no-untyped-def]
    return qa_for(LIBRARY)


@pytest.mark.parametrize("place", ["南京", "重庆", "西安"])
def test_an_uncovered_city_is_answered_like_the_same_question_without_it(qa, place) -> None:
    plain = qa.answer("社保断缴怎么办", None, today=TODAY)
    assert isinstance(plain, Answer)
    result = qa.answer(f"{place}社保断缴怎么办", "北京", today=TODAY)
    assert isinstance(result, Answer), result
    assert result.region.city == "全国" and result.uncovered_city == place
    assert result.topic == plain.topic


@pytest.mark.parametrize(("question", "first", "other"), [
    ("北京和上海的社保基数下限是多少", "北京", "上海"),
    ("上海和北京的社保基数下限是多少", "上海", "北京"),
    ("深圳跟广州的滞纳金一样吗", "深圳", "广州"),
])
def test_two_library_cities_answer_the_first_named_and_say_so(qa, question, first,
                                                              other) -> None:
    # issue 14: a comparison question is answered side by side (was: the first city only)
    result = qa.answer(question, "杭州", today=TODAY)
    assert isinstance(result, Comparison)
    assert result.cities == [first, other]
    assert f"▶ {first}" in result.text and f"▶ {other}" in result.text


def test_the_national_medical_waiting_period_is_stated_as_a_maximum(qa) -> None:
    # 医保发〔2021〕43号: areas MAY set a waiting period of at most 6 months (si-policy-facts #19)
    result = qa.answer("医保断缴有什么影响", "南京", today=TODAY)
    assert isinstance(result, Answer) and result.region.city == "全国"
    assert "最长6个月" in result.body
    assert "需连续缴费6个月" not in result.body


def test_a_city_waiting_period_reads_as_that_city_s_figure(qa) -> None:
    result = qa.answer("医保断缴有什么影响", "北京", today=TODAY)
    assert isinstance(result, Answer) and result.region.city == "北京"
    assert "单位参保3个月" in result.body and "个人参保6个月" in result.body


def test_an_uncovered_city_s_base_limits_state_the_national_mechanism(qa) -> None:
    # si-policy-facts #12: floor 60 % and ceiling 300 % of the local average wage
    result = qa.answer("苏州社保基数", "北京", today=TODAY)
    assert isinstance(result, Answer) and result.region.city == "全国"
    assert "全国无统一下限" not in result.body
    assert "60%" in result.body and "300%" in result.body
