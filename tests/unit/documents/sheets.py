"""Reading a generated workbook back and evaluating its formulas the way a spreadsheet would."""

from __future__ import annotations

import re
from decimal import Decimal
from io import BytesIO

from openpyxl import load_workbook
from openpyxl.utils import range_boundaries
from openpyxl.worksheet.worksheet import Worksheet

_SUM = re.compile(r"^=SUM\(([A-Z]+\d+):([A-Z]+\d+)\)$")
_PLUS = re.compile(r"^=([A-Z]+\d+(?:\+[A-Z]+\d+)*)$")


def open_sheet(content: bytes) -> Worksheet:
    return load_workbook(BytesIO(content)).active


def value(sheet: Worksheet, ref: str) -> Decimal:
    """The number a spreadsheet shows in ``ref``: a constant, SUM(range) or A1+B1+…"""
    raw = sheet[ref].value
    if raw is None:
        return Decimal(0)
    if isinstance(raw, (int, float, Decimal)):
        return Decimal(str(raw))
    text = str(raw)
    if match := _SUM.match(text):
        low_col, low_row, high_col, high_row = range_boundaries(f"{match[1]}:{match[2]}")
        return sum((value(sheet, sheet.cell(r, c).coordinate)
                    for r in range(low_row, high_row + 1)
                    for c in range(low_col, high_col + 1)), Decimal(0))
    if match := _PLUS.match(text):
        return sum((value(sheet, part) for part in match[1].split("+")), Decimal(0))
    raise AssertionError(f"{ref}: unexpected content {text!r}")


def find(sheet: Worksheet, text: str) -> tuple[int, int]:
    """Row and column of the first cell whose value is ``text``."""
    for row in sheet.iter_rows():
        for cell in row:
            if cell.value == text:
                return cell.row, cell.column
    raise AssertionError(f"{text!r} not in the sheet")


def texts(sheet: Worksheet) -> list[str]:
    return [str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None]
