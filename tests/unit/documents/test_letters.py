"""《社保补缴说明函》 and 《跨年补缴权益影响说明》 read back with python-docx for what they say;
the impact note's chat message carries the same content."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from io import BytesIO

from docx import Document

from bot.documents import CaseFacts, CaseReason
from bot.documents.impact_note import case_impact, impact_document, impact_message
from bot.documents.letter import explanation_letter, letter_message
from policies.backpay import BackPayment, back_payment
from policies.library import PolicyLibrary
from policies.schema import Confidence, Figure, Source
from tests.unit.documents.conftest import ID_NUMBER, facts_of

MASKED = f"{ID_NUMBER[:6]}********{ID_NUMBER[-4:]}"


def paragraphs(content: bytes) -> list[str]:
    return [p.text for p in Document(BytesIO(content)).paragraphs if p.text]


def with_cover(facts: CaseFacts, value: bool, conf: Confidence) -> CaseFacts:
    cover = Figure[bool](value=value, source=Source(name="测试来源", dated="2026"), conf=conf)
    version = facts.policy_version
    gap = version.medical_gap.model_copy(update={"retroactive_cover": cover})
    return replace(facts, policy_version=version.model_copy(update={"medical_gap": gap}))


def test_letter_says_reason_months_completion_apology_company_and_date(
        beijing_facts: CaseFacts) -> None:
    text = "\n".join(paragraphs(explanation_letter(beijing_facts, full_id=False).content))
    assert text.startswith("社保补缴说明函")
    assert "入职信息未及时同步" in text
    assert "2025年12月" in text and "2026年1月20日前全部补缴完毕" in text
    assert "歉意" in text and "致歉" in text
    assert "养老金不受影响" in text
    assert "单位应缴部分2,120.00元" in text and "滞纳金38.52元由单位承担" in text
    assert MASKED in text and ID_NUMBER not in text
    last_two = paragraphs(explanation_letter(beijing_facts, full_id=False).content)[-2:]
    assert last_two == ["北京示例餐饮有限公司", "2026年1月16日"]


def test_letter_reason_for_other_uses_hr_text(beijing_backpay: BackPayment) -> None:
    facts = facts_of(beijing_backpay, reason=CaseReason.OTHER, reason_text="系统迁移导致数据丢失")
    text = "\n".join(paragraphs(explanation_letter(facts, full_id=True).content))
    assert "由于系统迁移导致数据丢失" in text and ID_NUMBER in text


def test_beijing_seed_note_does_not_promise_reimbursement(beijing_facts: CaseFacts) -> None:
    """北京's figure (S, one aggregator) says gap costs are in principle not reimbursed: the note
    says so, attributed and labelled, and never says reimbursement is unaffected."""
    text = "\n".join(paragraphs(impact_document(beijing_facts, full_id=False).content))
    assert "报销不受影响" not in text
    assert "原则上不能报销" in text and "单一来源，待核实，不作为规定" in text
    assert "断缴最长连续1个月" in text and "不超过3个月" in text


def test_note_says_unaffected_only_when_the_citys_rule_says_so(
        beijing_facts: CaseFacts) -> None:
    official = with_cover(beijing_facts, True, Confidence.OFFICIAL)
    text = "\n".join(paragraphs(impact_document(official, full_id=False).content))
    assert "按北京规定，断缴期间发生的医疗费用在补缴后可按规定报销，您的医保报销不受影响" in text
    secondary = with_cover(beijing_facts, True, Confidence.SECONDARY)
    text = "\n".join(paragraphs(impact_document(secondary, full_id=False).content))
    assert "报销不受影响" not in text
    assert "可能可以报销" in text and "尚未确认" in text
    letter = "\n".join(paragraphs(explanation_letter(official, full_id=False).content))
    assert "医保待遇不受影响" in letter


def test_note_gives_the_pension_estimate_with_its_assumptions(beijing_facts: CaseFacts) -> None:
    impact = case_impact(beijing_facts)
    text = "\n".join(paragraphs(impact_document(beijing_facts, full_id=False).content))
    assert f"每月基本养老金约少{impact.pension.monthly_loss:,.2f}元" in text
    assert impact.pension.monthly_loss == Decimal("12.91")
    assert "估算为11,937.00元〔未确认〕" in text      # no 计发基数 for 北京 in the library
    assert "计发月数139" in text and "未计利息" in text
    assert "最低缴费年限（15年" in text
    assert "连续足额缴存12个月" in text              # 北京 housing-fund loan rule
    assert "依据与可信度" in text and "二手资料，待核实" in text


def test_beyond_the_grace_the_note_names_the_waiting_period(library: PolicyLibrary) -> None:
    backpay = back_payment(library.region("北京"), Decimal("8000"),
                           [date(2025, m, 1) for m in (8, 9, 10, 11)], date(2026, 1, 20))
    text = "\n".join(paragraphs(impact_document(facts_of(backpay), full_id=False).content))
    assert "断缴最长连续4个月" in text and "等待期，单位参保为3个月" in text
    assert "2025年8月至2025年11月" in text


def test_chat_message_has_the_same_content(beijing_facts: CaseFacts) -> None:
    message = impact_message(beijing_facts)
    document = paragraphs(impact_document(beijing_facts, full_id=False).content)
    assert message.startswith("<b>跨年补缴权益影响说明</b>")
    for paragraph in document:
        assert paragraph in message
    assert ID_NUMBER not in message and len(message) < 4096


def test_chat_message_escapes_names(beijing_backpay: BackPayment) -> None:
    facts = facts_of(beijing_backpay, company_name="A&B <有限公司>")
    assert "A&amp;B &lt;有限公司&gt;" in impact_message(facts)
    assert "A&amp;B &lt;有限公司&gt;" in letter_message(facts)
    assert "A&B <有限公司>" in paragraphs(explanation_letter(facts, full_id=False).content)


def test_word_files_are_a4_with_a_chinese_font(beijing_facts: CaseFacts) -> None:
    from docx.oxml.ns import qn
    for file in (explanation_letter(beijing_facts, full_id=False),
                 impact_document(beijing_facts, full_id=False)):
        document = Document(BytesIO(file.content))
        section = document.sections[0]
        # stored in twips: 210 mm comes back as 210.0…
        assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
        fonts = document.styles["Normal"].element.rPr.rFonts
        assert fonts.get(qn("w:eastAsia")) == "SimSun"


def test_no_late_fee_sentence_without_a_late_fee(library: PolicyLibrary) -> None:
    backpay = back_payment(library.region("北京"), Decimal("8000"), [date(2026, 1, 1)],
                           date(2026, 1, 20))
    assert backpay.late_fee == 0
    text = "\n".join(paragraphs(explanation_letter(facts_of(backpay), full_id=False).content))
    assert "滞纳金" not in text and "个人应缴部分" in text
