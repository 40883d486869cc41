"""Stub (first slice): a valid, nearly empty file; the real layout follows."""

from __future__ import annotations

from openpyxl import Workbook

from bot.documents.facts import XLSX_MIME, CaseFacts, GeneratedFile
from bot.documents.naming import document_filename
from bot.documents.office import workbook_bytes


def declaration(facts: CaseFacts, *, full_id: bool) -> GeneratedFile:
    book = Workbook()
    book.active.append([facts.company_name, facts.employee_name])
    name = document_filename("declaration", facts.employee_name, facts.month_starts, "xlsx")
    return GeneratedFile(name, workbook_bytes(book), XLSX_MIME)
