"""《社保补缴说明函》: the apology and explanation to the employee, in the company's name, dated.

Wording from ``templates/documents/letter.j2``; the medical sentence follows the city's rule as
``policies.impact`` reads it, so the letter never promises what the library does not say.
"""

from __future__ import annotations

from typing import Any

from bot.documents.facts import DOCX_MIME, CaseFacts, GeneratedFile
from bot.documents.impact_note import case_impact
from bot.documents.naming import document_filename
from bot.documents.office import document_bytes, document_from_blocks
from bot.documents.text import blocks, chat_message, months_text, render_html, render_text
from policies.idnumber import mask_id_number


def _context(facts: CaseFacts, *, full_id: bool) -> dict[str, Any]:
    impact = case_impact(facts)
    return {
        "facts": facts,
        "impact": impact,
        "reimbursement": impact.medical.reimbursement.value,
        "months_text": months_text(facts.month_starts),
        "id_text": facts.id_number if full_id else mask_id_number(facts.id_number),
    }


def explanation_letter(facts: CaseFacts, *, full_id: bool) -> GeneratedFile:
    """The Word letter; the 身份证 in full only when ``full_id``."""
    text = render_text("letter", **_context(facts, full_id=full_id))
    name = document_filename("letter", facts.employee_name, facts.month_starts, "docx")
    return GeneratedFile(name, document_bytes(document_from_blocks(blocks(text))), DOCX_MIME)


def letter_message(facts: CaseFacts) -> str:
    """The letter as a Telegram HTML preview for HR (身份证 masked)."""
    return chat_message(render_html("letter", **_context(facts, full_id=False)))
