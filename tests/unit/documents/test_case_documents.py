"""``case_documents``: which files a case gets, their names, and that each opens."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from io import BytesIO

from docx import Document
from openpyxl import load_workbook

from bot.documents import DOCX_MIME, XLSX_MIME, CaseFacts, case_documents
from bot.documents.naming import months_span


def test_a_case_gets_its_declaration_letter_and_impact_note(beijing_facts: CaseFacts) -> None:
    files = case_documents(beijing_facts, full_id=False)
    assert [f.filename for f in files] == [
        "社保补缴申报表_陈明远_2025-12.xlsx",
        "社保补缴说明函_陈明远_2025-12.docx",
        "跨年补缴权益影响说明_陈明远_2025-12.docx",
    ]
    assert [f.mime for f in files] == [XLSX_MIME, DOCX_MIME, DOCX_MIME]


def test_wrong_employee_data_adds_the_change_form(wrong_data_facts: CaseFacts) -> None:
    names = [f.filename for f in case_documents(wrong_data_facts, full_id=False)]
    assert "员工信息变更表_陈明远_2025-12.xlsx" in names


def test_every_file_opens(wrong_data_facts: CaseFacts) -> None:
    for file in case_documents(wrong_data_facts, full_id=True):
        if file.mime == XLSX_MIME:
            load_workbook(BytesIO(file.content))
        else:
            Document(BytesIO(file.content))


def test_months_in_file_names() -> None:
    assert months_span([date(2025, 12, 1)]) == "2025-12"
    assert months_span([date(2026, 1, 1), date(2025, 12, 1)]) == "2025-12_2026-01"
    assert months_span([date(2025, 9, 1), date(2025, 12, 1), date(2025, 10, 1)]) == (
        "2025-09等3个月")


def test_unsafe_characters_never_reach_a_file_name(beijing_facts: CaseFacts) -> None:
    facts = replace(beijing_facts, employee_name='陈/明:远*?')
    for file in case_documents(facts, full_id=False):
        assert not set('/\\:*?"<>|') & set(file.filename), file.filename


def test_merged_ranges_never_overlap(wrong_data_facts: CaseFacts) -> None:
    """Overlapping merges make Excel "repair" the file on opening."""
    for file in case_documents(wrong_data_facts, full_id=False):
        if file.mime != XLSX_MIME:
            continue
        ranges = load_workbook(BytesIO(file.content)).active.merged_cells.ranges
        cells = [set(r.cells) for r in ranges]
        for i, first in enumerate(cells):
            for second in cells[i + 1:]:
                assert not first & second, file.filename
