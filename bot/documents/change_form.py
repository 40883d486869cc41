"""《员工信息变更表》: what was wrong in the employee's data (员工信息有误) and what it becomes."""

from __future__ import annotations

import re

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side

from bot.documents.facts import XLSX_MIME, CaseFacts, GeneratedFile
from bot.documents.naming import document_filename
from bot.documents.office import workbook_bytes
from bot.documents.text import chinese_date, label
from policies.idnumber import mask_id_number

THIN = Side(style="thin")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)

#: a value that is a 身份证 number (18 or the old 15 digits) is masked outside HR's private copy
_ID_LIKE = re.compile(r"^(\d{17}[\dXx]|\d{15})$")


def shown_value(text: str, *, full_id: bool) -> str:
    """``text`` as printed: 身份证-like values masked unless ``full_id``."""
    if not full_id and _ID_LIKE.match(text.strip()):
        return mask_id_number(text.strip())
    return text


def change_form(facts: CaseFacts, *, full_id: bool) -> GeneratedFile:
    """The 变更表 of ``facts`` (one row per ``ChangedField``)."""
    book = Workbook()
    sheet = book.active
    title = label("document_title", "change_form")
    sheet.title = title
    sheet.cell(1, 1, title).font = Font(bold=True, size=16)
    sheet.cell(1, 1).alignment = Alignment(horizontal="center")
    sheet.merge_cells("A1:D1")
    id_text = facts.id_number if full_id else mask_id_number(facts.id_number)
    for row, (key, value) in enumerate((("company", facts.company_name),
                                        ("employee", facts.employee_name),
                                        ("id_number", id_text),
                                        ("city", facts.city)), start=3):
        sheet.cell(row, 1, label("heading", key)).font = Font(bold=True)
        sheet.cell(row, 2, value)
        sheet.merge_cells(start_row=row, start_column=2, end_row=row, end_column=4)
    head = 8
    for col, key in enumerate(("field", "old", "new"), start=1):
        cell = sheet.cell(head, col, label("heading", key))
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center")
    row = head
    for row, change in enumerate(facts.changed_fields, start=head + 1):
        sheet.cell(row, 1, change.field)
        sheet.cell(row, 2, shown_value(change.old, full_id=full_id))
        sheet.cell(row, 3, shown_value(change.new, full_id=full_id))
    for r in range(head, row + 1):
        for c in range(1, 4):
            sheet.cell(r, c).border = BOX
            sheet.cell(r, c).alignment = Alignment(wrap_text=True, vertical="center")
    sign = row + 3
    sheet.cell(sign, 1, label("heading", "seal"))
    sheet.cell(sign + 1, 1, label("heading", "handler"))
    sheet.cell(sign + 2, 1, label("heading", "date"))
    sheet.cell(sign + 2, 2, chinese_date(facts.letter_date))
    for letter, width in (("A", 18), ("B", 30), ("C", 30), ("D", 12)):
        sheet.column_dimensions[letter].width = width
    sheet.page_setup.orientation = "portrait"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    name = document_filename("change_form", facts.employee_name, facts.month_starts, "xlsx")
    return GeneratedFile(name, workbook_bytes(book), XLSX_MIME)
