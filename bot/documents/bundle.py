"""The set of documents a case produces, in the order HR file them."""

from __future__ import annotations

from bot.documents.facts import CaseFacts, CaseReason, GeneratedFile
from bot.documents.impact_note import impact_document
from bot.documents.letter import explanation_letter


def case_documents(facts: CaseFacts, *, full_id: bool) -> list[GeneratedFile]:
    """申报表, 员工信息变更表 (wrong employee data only), 说明函 and 权益影响说明 for ``facts``.

    ``full_id``: print the full 身份证 — only for files sent to HR in a private chat or written
    by the CLI; every other copy shows the masked number.
    """
    # The two workbooks style cells with openpyxl at import: loaded with the first case's
    # files, not at start-up (see bot/documents/office.py).
    from bot.documents.change_form import change_form
    from bot.documents.declaration import declaration

    files = [declaration(facts, full_id=full_id)]
    if facts.reason is CaseReason.WRONG_EMPLOYEE_DATA:
        files.append(change_form(facts, full_id=full_id))
    files.append(explanation_letter(facts, full_id=full_id))
    files.append(impact_document(facts, full_id=full_id))
    return files
