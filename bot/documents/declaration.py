"""《社保补缴申报表》: the back-payment as HR file it, one row per month, totals as formulas.

The amounts are the calculator's (frozen in the case); each total is an Excel formula over the
cells shown, so a reader who edits nothing sees sums that re-add exactly, and a reviewer can see
how each total is made. The sheet prints on one A4 page wide in landscape.
"""

from __future__ import annotations

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from bot.documents.facts import XLSX_MIME, CaseFacts, GeneratedFile
from bot.documents.naming import document_filename
from bot.documents.office import workbook_bytes
from bot.documents.text import chinese_date, label
from policies.idnumber import mask_id_number
from policies.ledger_rules import format_month
from policies.schema import INSURANCE_NAMES

MONEY = "#,##0.00"
THIN = Side(style="thin")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
CENTRE = Alignment(horizontal="center", vertical="center", wrap_text=True)

#: first row of the month table (two heading rows above it)
HEAD_ROW = 7
FIRST_MONTH_ROW = HEAD_ROW + 2


def heading(key: str) -> str:
    return label("heading", key)


def declaration(facts: CaseFacts, *, full_id: bool) -> GeneratedFile:
    """The 申报表 of ``facts``; the 身份证 is printed in full only when ``full_id``."""
    book = Workbook()
    sheet = book.active
    sheet.title = label("document_title", "declaration")
    insurances = list(INSURANCE_NAMES)
    # columns: month, base, (employer, employee) per insurance, two subtotals, late fee, total
    employer_cols = [3 + 2 * i for i in range(len(insurances))]
    employee_cols = [c + 1 for c in employer_cols]
    sub_employer = employee_cols[-1] + 1
    sub_employee, fee_col, total_col = sub_employer + 1, sub_employer + 2, sub_employer + 3
    last_col = total_col

    _title(sheet, label("document_title", "declaration"), last_col)
    id_text = facts.id_number if full_id else mask_id_number(facts.id_number)
    _pairs(sheet, 3, [("company", facts.company_name), ("city", facts.city),
                      ("policy_version", facts.policy_version.label)])
    _pairs(sheet, 4, [("employee", facts.employee_name), ("id_number", id_text),
                      ("declared_base", facts.base)])
    _pairs(sheet, 5, [("reason", label("reason", facts.reason.value, facts.reason_text)),
                      ("opened_on", facts.opened_on.isoformat()),
                      ("planned_payment_date", facts.planned_payment_date.isoformat())])
    sheet.cell(HEAD_ROW - 1, last_col, heading("unit")).alignment = Alignment(horizontal="right")

    # two heading rows: insurance names over 单位/个人
    top, sub = HEAD_ROW, HEAD_ROW + 1
    for col, key in ((1, "month"), (2, "base"), (sub_employer, "employer_subtotal"),
                     (sub_employee, "employee_subtotal"), (fee_col, "late_fee"),
                     (total_col, "row_total")):
        sheet.cell(top, col, heading(key))
        sheet.merge_cells(start_row=top, start_column=col, end_row=sub, end_column=col)
    for name, col in zip(insurances, employer_cols, strict=True):
        sheet.cell(top, col, INSURANCE_NAMES[name])
        sheet.merge_cells(start_row=top, start_column=col, end_row=top, end_column=col + 1)
        sheet.cell(sub, col, heading("employer"))
        sheet.cell(sub, col + 1, heading("employee_part"))

    row = FIRST_MONTH_ROW
    for month in facts.months:
        sheet.cell(row, 1, format_month(month.month))
        sheet.cell(row, 2, month.contribution.base)
        by_name = {item.insurance: item for item in month.contribution.items}
        for name, col in zip(insurances, employer_cols, strict=True):
            sheet.cell(row, col, by_name[name].employer)
            sheet.cell(row, col + 1, by_name[name].employee)
        sheet.cell(row, sub_employer, _plus(row, employer_cols))
        sheet.cell(row, sub_employee, _plus(row, employee_cols))
        sheet.cell(row, fee_col, month.late_fee)
        sheet.cell(row, total_col, _plus(row, [sub_employer, sub_employee, fee_col]))
        row += 1
    last_month_row = row - 1
    totals_row = row
    sheet.cell(totals_row, 1, heading("totals"))
    for col in range(3, last_col + 1):
        letter = get_column_letter(col)
        sheet.cell(totals_row, col, f"=SUM({letter}{FIRST_MONTH_ROW}:{letter}{last_month_row})")

    for r in range(top, totals_row + 1):
        for c in range(1, last_col + 1):
            cell = sheet.cell(r, c)
            cell.border = BOX
            if r < FIRST_MONTH_ROW:
                cell.alignment = CENTRE
                cell.font = Font(bold=True)
            elif c >= 2:
                cell.number_format = MONEY
            else:
                cell.alignment = CENTRE
    for c in range(1, last_col + 1):
        sheet.cell(totals_row, c).font = Font(bold=True)

    notes = totals_row + 2
    sheet.cell(notes, 1, heading("late_fee_note"))
    if any(m.true_up is not None for m in facts.months):
        notes += 1
        sheet.cell(notes, 1, heading("true_up_note"))
    sign = notes + 2
    sheet.cell(sign, 1, heading("seal"))
    sheet.cell(sign, employer_cols[2], heading("handler"))
    sheet.cell(sign, sub_employee, heading("date"))
    sheet.cell(sign, fee_col, chinese_date(facts.letter_date))

    _layout(sheet, last_col, employer_cols)
    book.calculation.fullCalcOnLoad = True
    name = document_filename("declaration", facts.employee_name, facts.month_starts, "xlsx")
    return GeneratedFile(name, workbook_bytes(book), XLSX_MIME)


def _plus(row: int, cols: list[int]) -> str:
    return "=" + "+".join(f"{get_column_letter(c)}{row}" for c in cols)


def _title(sheet: Worksheet, text: str, last_col: int) -> None:
    sheet.cell(1, 1, text).font = Font(bold=True, size=16)
    sheet.cell(1, 1).alignment = Alignment(horizontal="center")
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=last_col)
    sheet.row_dimensions[1].height = 28


def _pairs(sheet: Worksheet, row: int, pairs: list[tuple[str, object]]) -> None:
    """Caption/value pairs across a row: caption in columns 1, 5, 9; value beside it."""
    for index, (key, value) in enumerate(pairs):
        col = 1 + 4 * index
        sheet.cell(row, col, heading(key)).font = Font(bold=True)
        cell = sheet.cell(row, col + 1, value)
        sheet.merge_cells(start_row=row, start_column=col + 1, end_row=row, end_column=col + 3)
        cell.alignment = Alignment(horizontal="left")
        if not isinstance(value, str):
            cell.number_format = MONEY


def _layout(sheet: Worksheet, last_col: int, employer_cols: list[int]) -> None:
    """Column widths for CJK captions and money, A4 landscape, one page wide, titles repeated."""
    widths = {1: 13, 2: 12}
    for col in range(3, last_col + 1):
        widths[col] = 11
    for col, width in widths.items():
        sheet.column_dimensions[get_column_letter(col)].width = width
    sheet.row_dimensions[HEAD_ROW].height = 30
    setup = sheet.page_setup
    setup.orientation = "landscape"
    setup.paperSize = sheet.PAPERSIZE_A4
    setup.fitToWidth = 1
    setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_options.horizontalCentered = True
    sheet.page_margins.left = sheet.page_margins.right = 0.4
    sheet.print_title_rows = f"{HEAD_ROW}:{HEAD_ROW + 1}"
