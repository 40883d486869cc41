"""Policy questions are answered from the data, for the right city, or honestly not at all."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from policies.library import load_library
from policies.qa import Answer, NoAnswer, PolicyQA, answer, qa_for

LIBRARY = load_library()
TODAY = date(2026, 3, 2)


@pytest.fixture(scope="module")
def qa() -> PolicyQA:
    return qa_for(LIBRARY)


@pytest.mark.parametrize(("question", "default_city", "city", "topic"), [
    ("北京跨年补缴需要什么材料", None, "北京", "cross_year"),
    ("上海滞纳金怎么算", None, "上海", "late_fee"),
    ("医保断缴三个月有什么影响", "深圳", "深圳", "medical_gap"),
    ("广州补缴要滞纳金吗", None, "广州", "late_fee"),
    ("杭州社保缴费基数是多少", None, "杭州", "base"),
    ("成都公积金比例", None, "成都", "housing_fund"),
    ("深圳补缴最多能补几年", None, "深圳", "backpay"),
    ("北京每月几号前交社保", None, "北京", "deadline"),
    ("新员工入职多久要交社保", "上海", "上海", "registration"),
    ("公积金贷款要连续缴存多久", "北京", "北京", "housing_fund"),
    ("养老保险单位交多少", "杭州", "杭州", "rates"),
    ("北京市医疗保险断交了还能报销吗", "上海", "北京", "medical_gap"),
])
def test_questions_are_answered_for_the_right_city_and_topic(qa, question, default_city, city,
                                                             topic) -> None:
    result = qa.answer(question, default_city, today=TODAY)
    assert isinstance(result, Answer), question
    assert result.region.city == city
    assert result.topic == topic
    assert result.version.covers(TODAY)
    assert result.version.label in result.text
    assert "来源日期" in result.text and "核对日期" not in result.text


@pytest.mark.parametrize("question", ["公司年会在哪里办", "今天天气怎么样", "员工离职手续怎么办",
                                      "个税怎么申报", "公司注销流程", "员工请病假扣工资吗",
                                      "怎么申请营业执照", "产假有多少天", ""])
def test_unrelated_questions_get_no_answer_with_topics(qa, question) -> None:
    result = qa.answer(question, "北京", today=TODAY)
    assert isinstance(result, NoAnswer)
    assert "cross_year" in result.suggestions and "late_fee" in result.suggestions
    assert ("late_fee", "滞纳金") in result.suggestion_labels()
    assert "不作推测" in result.text


def test_answer_uses_the_citys_own_figures(qa) -> None:
    result = qa.answer("社保缴费基数上下限是多少", "北京", today=date(2025, 12, 1))
    assert "¥7,162.00" in result.body and "¥35,811.00" in result.body
    assert "北京2025年度" in result.text
    shanghai = qa.answer("上海社保缴费基数上下限是多少", None, today=date(2025, 12, 1))
    assert "¥7,460.00" in shanghai.body


def test_unconfirmed_figures_are_marked(qa) -> None:
    result = qa.answer("杭州社保缴费基数", None, today=date(2026, 8, 1))
    assert result.version.label.startswith("杭州2026年度")
    assert "未确认" in result.body
    assert result.unconfirmed
    assert "2026年度基数未公布，沿用2025年度" in result.text
    confirmed = qa.answer("北京滞纳金怎么算", None, today=date(2025, 12, 1))
    assert not confirmed.unconfirmed
    assert "0.05%" in confirmed.body and "每月25日" in confirmed.body


def test_assumed_deadline_is_shown_as_unconfirmed(qa) -> None:
    result = qa.answer("广州每月社保什么时候交", None, today=TODAY)
    assert "每月15日（未确认）" in result.body
    assert any("15日" in caveat for caveat in result.caveats)


def test_unknown_city_falls_back_to_national_and_says_so(qa) -> None:
    result = qa.answer("社保缴费比例是多少", "南京", today=TODAY)
    assert result.region.city == "全国"
    assert result.text.startswith("【全国")
    assert "政策库未收录南京的政策" in result.text


@pytest.mark.parametrize(("question", "place"), [("南京补缴要滞纳金吗", "南京"),
                                                 ("重庆市医保比例是多少", "重庆"),
                                                 ("在西安交社保每月几号", "西安")])
def test_a_city_outside_the_library_is_not_answered_with_the_default_city(qa, question,
                                                                          place) -> None:
    # 南京 contains 京 (Beijing's short name): it must not be taken for Beijing
    result = qa.answer(question, "北京", today=TODAY)
    assert isinstance(result, Answer)
    assert result.region.city == "全国"
    assert result.uncovered_city == place
    assert f"政策库未收录{place}的政策" in result.text


def test_topic_button_answers(qa) -> None:
    result = qa.answer_topic("cross_year", "上海", today=TODAY)
    assert result.region.city == "上海" and "劳动合同" in result.body


def test_module_function_reuses_the_index() -> None:
    assert qa_for(LIBRARY) is qa_for(LIBRARY)
    assert isinstance(answer("上海滞纳金怎么算", None, library=LIBRARY, today=TODAY), Answer)


def test_importing_and_answering_writes_nothing_to_stderr() -> None:
    code = ("from datetime import date\n"
            "from policies.library import load_library\n"
            "from policies.qa import answer\n"
            "print(type(answer('上海滞纳金怎么算', None, library=load_library(),"
            " today=date(2026, 1, 5))).__name__)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, cwd=Path(__file__).resolve().parents[3])
    assert done.stdout.strip() == "Answer"
    assert done.stderr == ""
