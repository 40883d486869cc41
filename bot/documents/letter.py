"""Stub (first slice): a valid, nearly empty file; the real text follows."""

from __future__ import annotations

from bot.documents.facts import DOCX_MIME, CaseFacts, GeneratedFile
from bot.documents.naming import document_filename
from bot.documents.office import document_bytes, document_from_blocks
from bot.documents.text import Block


def explanation_letter(facts: CaseFacts, *, full_id: bool) -> GeneratedFile:
    document = document_from_blocks([Block("body", facts.company_name)])
    name = document_filename("letter", facts.employee_name, facts.month_starts, "docx")
    return GeneratedFile(name, document_bytes(document), DOCX_MIME)
