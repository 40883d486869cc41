"""The /export workbook (.xlsx): the company's employees in the importer's own columns, so
the file can be imported again, then every ledger month and every employment period."""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy import Engine

from bot.importing import text_cell
from bot.services import transfer
from bot.services.access import Member
from bot.services.transfer import CompanyExport
from policies.ledger_rules import format_month

if TYPE_CHECKING:
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet

EMPLOYEE_HEADERS = (
    "姓名", "身份证号", "入职日期", "离职日期", "部门", "缴费基数", "参保地", "状态", "已缴月份",
)  # fmt: skip
LEDGER_HEADERS = (
    "姓名", "身份证号", "月份", "状态", "缴费基数", "单位缴纳", "个人缴纳", "申报日期", "缴纳日期",
)  # fmt: skip
PERIOD_HEADERS = ("姓名", "身份证号", "入职日期", "离职日期", "离职原因")


def format_paid_months(months: Sequence[date]) -> str:
    """`2026-01~2026-06,2026-08`: the 已缴月份 spelling the importer reads back."""
    spans: list[list[date]] = []
    for month in sorted(months):
        if spans and _month_index(month) == _month_index(spans[-1][1]) + 1:
            spans[-1][1] = month
        else:
            spans.append([month, month])
    return ",".join(
        format_month(a) if a == b else f"{format_month(a)}~{format_month(b)}" for a, b in spans
    )


def _month_index(month: date) -> int:
    return month.year * 12 + month.month


def export_workbook(engine: Engine, member: Member) -> bytes:
    """The company's employees (re-importable) and every ledger month, as .xlsx."""
    return write_workbook(transfer.company_export(engine, member))


def write_workbook(export: CompanyExport) -> bytes:
    from openpyxl import Workbook  # with the first export (bot/documents/office.py)

    book = Workbook(write_only=True)
    people = book.create_sheet("员工")
    _append(people, EMPLOYEE_HEADERS)
    for e in export.employees:
        _append(
            people,
            [
                e.name,
                e.id_number,
                e.first_day,
                e.last_day,
                e.department or "",
                e.base,
                e.insured_city,
                "在职" if e.active else "离职",
                format_paid_months(e.paid_months),
            ],
        )
    months = book.create_sheet("台账")
    _append(months, LEDGER_HEADERS)
    for m in export.months:
        _append(
            months,
            [
                m.name,
                m.id_number,
                format_month(m.month),
                m.state.label,
                m.base,
                m.employer_amount,
                m.employee_amount,
                m.declared_on,
                m.paid_on,
            ],
        )
    periods = book.create_sheet("任职期间")
    _append(periods, PERIOD_HEADERS)
    for p in export.periods:
        _append(periods, [p.name, p.id_number, p.first_day, p.last_day, p.leave_reason])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _append(sheet: WriteOnlyWorksheet, values: Sequence[object]) -> None:
    """Every user value as a string cell: a name like `=HYPERLINK(...)` stays text."""
    sheet.append([text_cell(sheet, value) for value in values])
