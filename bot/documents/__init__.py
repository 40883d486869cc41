"""Back-payment case documents (issue 11): 申报表, 员工信息变更表, 说明函 and 权益影响说明.

Presentation, like ``bot.render``: the wording lives in ``bot/templates/documents``; the figures
come from ``CaseFacts`` (the calculator's frozen result). Services never import this package;
handlers and the CLI call ``case_documents`` and send or write the files.
"""

from bot.documents.bundle import case_documents
from bot.documents.facts import (
    DOCX_MIME,
    XLSX_MIME,
    CaseFacts,
    CaseReason,
    ChangedField,
    GeneratedFile,
)

__all__ = [
    "DOCX_MIME",
    "XLSX_MIME",
    "CaseFacts",
    "CaseReason",
    "ChangedField",
    "GeneratedFile",
    "case_documents",
]
