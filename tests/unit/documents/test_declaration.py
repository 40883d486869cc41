"""《社保补缴申报表》: the calculator's figures, totals as formulas that re-add, A4 layout."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
from openpyxl.utils import get_column_letter

from bot.cli import main
from bot.documents import CaseFacts
from bot.documents.declaration import declaration
from policies.backpay import back_payment
from policies.library import PolicyLibrary
from tests.unit.documents.conftest import ID_NUMBER, facts_of
from tests.unit.documents.sheets import find, open_sheet, texts, value


def two_month_facts(library: PolicyLibrary) -> CaseFacts:
    """The CLI test's figures: 北京, base 5000 (below the floor), 2025-12 and 2026-01."""
    backpay = back_payment(library.region("北京"), Decimal("5000"),
                           [date(2025, 12, 1), date(2026, 1, 1)], date(2026, 1, 20))
    return facts_of(backpay)


def test_totals_are_formulas_that_re_add_to_the_calculator(library: PolicyLibrary) -> None:
    facts = two_month_facts(library)
    sheet = open_sheet(declaration(facts, full_id=False).content)
    totals_row, _ = find(sheet, "合计")
    _, total_col = find(sheet, "应缴合计")
    _, fee_col = find(sheet, "滞纳金")
    _, employer_col = find(sheet, "单位合计")
    _, employee_col = find(sheet, "个人合计")

    def at(row: int, col: int) -> Decimal:
        return value(sheet, f"{get_column_letter(col)}{row}")

    for col in (total_col, fee_col, employer_col, employee_col):
        assert str(sheet.cell(totals_row, col).value).startswith("=SUM(")
    assert at(totals_row, employer_col) == facts.employer == Decimal("3795.86")
    assert at(totals_row, employee_col) == facts.employee == Decimal("1510.02")
    assert at(totals_row, fee_col) == facts.late_fee == Decimal("34.49")
    assert at(totals_row, total_col) == facts.total == Decimal("5340.37")
    # every month row re-adds to the calculator's month, and each insurance cell is its figure
    december_row, _ = find(sheet, "2025-12")
    december = facts.months[0]
    assert str(sheet.cell(december_row, total_col).value).startswith("=")
    assert at(december_row, employer_col) == december.employer
    assert at(december_row, employee_col) == december.employee
    assert at(december_row, total_col) == december.employer + december.employee + Decimal(
        "34.49")
    assert sheet.cell(december_row, 2).value == Decimal("7162.00")  # the floor, not 5000
    pension_row = [sheet.cell(december_row, c).value for c in (3, 4)]
    assert pension_row == [1145.92, 572.96]


def test_numbers_are_formatted_as_money(beijing_facts: CaseFacts) -> None:
    sheet = open_sheet(declaration(beijing_facts, full_id=False).content)
    row, _ = find(sheet, "2025-12")
    assert all(sheet.cell(row, c).number_format == "#,##0.00"
               for c in range(2, sheet.max_column + 1))


def test_prints_on_one_a4_page_wide_in_landscape(beijing_facts: CaseFacts) -> None:
    sheet = open_sheet(declaration(beijing_facts, full_id=False).content)
    assert sheet.page_setup.orientation == "landscape"
    assert int(sheet.page_setup.paperSize) == 9  # A4
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert int(sheet.page_setup.fitToWidth) == 1 and int(sheet.page_setup.fitToHeight) == 0
    widths = [sheet.column_dimensions[get_column_letter(c)].width
              for c in range(1, sheet.max_column + 1)]
    assert all(w >= 10 for w in widths)


def test_heads_name_the_company_employee_and_base(beijing_facts: CaseFacts) -> None:
    sheet = open_sheet(declaration(beijing_facts, full_id=False).content)
    shown = texts(sheet)
    assert "北京示例餐饮有限公司" in shown and "陈明远" in shown and "北京" in shown
    assert "入职信息未同步" in shown
    assert ID_NUMBER not in shown
    base_row, base_col = find(sheet, "申报缴费基数（元）")
    assert sheet.cell(base_row, base_col + 1).value == 8000


def test_full_id_only_when_asked(beijing_facts: CaseFacts) -> None:
    masked = texts(open_sheet(declaration(beijing_facts, full_id=False).content))
    full = texts(open_sheet(declaration(beijing_facts, full_id=True).content))
    assert ID_NUMBER in full and ID_NUMBER not in masked
    assert f"{ID_NUMBER[:6]}********{ID_NUMBER[-4:]}" in masked


def test_amounts_equal_hrbot_backpay(library: PolicyLibrary,
                                     capsys: pytest.CaptureFixture[str],
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """The seed promise: the 申报表 shows what `hrbot backpay` prints for the same months."""
    monkeypatch.delenv("HRBOT_POLICIES_DIRECTORY", raising=False)
    assert main(["backpay", "--city", "北京", "--base", "5000", "--month", "2025-12",
                 "--month", "2026-01", "--pay-date", "2026-01-20", "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    sheet = open_sheet(declaration(two_month_facts(library), full_id=False).content)
    totals_row, _ = find(sheet, "合计")
    shown = {key: value(sheet, f"{get_column_letter(find(sheet, head)[1])}{totals_row}")
             for key, head in (("employer", "单位合计"), ("employee", "个人合计"),
                               ("late_fee", "滞纳金"), ("total", "应缴合计"))}
    assert {k: str(v) for k, v in shown.items()} == {
        k: printed[k] for k in ("employer", "employee", "late_fee", "total")}
    for month in printed["months"]:
        row, _ = find(sheet, month["month"])
        pension = [str(value(sheet, f"{get_column_letter(c)}{row}")) for c in (3, 4)]
        assert pension == [month["items"][0]["employer"], month["items"][0]["employee"]]
