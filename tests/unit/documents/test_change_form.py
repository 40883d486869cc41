"""《员工信息变更表》: each corrected field with old and new value; 身份证 masked by default."""

from __future__ import annotations

from bot.documents import CaseFacts
from bot.documents.change_form import change_form
from tests.unit.documents.conftest import ID_NUMBER
from tests.unit.documents.sheets import find, open_sheet, texts


def test_rows_hold_field_old_and_new(wrong_data_facts: CaseFacts) -> None:
    sheet = open_sheet(change_form(wrong_data_facts, full_id=True).content)
    head, col = find(sheet, "变更项目")
    heads = [sheet.cell(head, col + i).value for i in range(3)]
    assert heads == ["变更项目", "原信息", "变更后信息"]
    rows = [[sheet.cell(head + r, col + i).value for i in range(3)] for r in (1, 2)]
    assert rows == [["身份证号码", "110105199003071220", ID_NUMBER], ["姓名", "陈明原", "陈明远"]]


def test_id_numbers_masked_outside_hr_private_copy(wrong_data_facts: CaseFacts) -> None:
    shown = texts(open_sheet(change_form(wrong_data_facts, full_id=False).content))
    assert ID_NUMBER not in shown and "110105199003071220" not in shown
    assert f"{ID_NUMBER[:6]}********{ID_NUMBER[-4:]}" in shown
    assert "110105********1220" in shown
