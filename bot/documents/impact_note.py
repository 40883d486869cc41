"""《跨年补缴权益影响说明》 as a Word file and as a chat message, from one template.

The figures come from ``policies.impact`` over the case's months and city; the wording, and how
sure each rule is, from ``templates/documents/impact_note.j2`` and ``marks.j2``.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from bot.documents.facts import DOCX_MIME, CaseFacts, GeneratedFile
from bot.documents.naming import document_filename
from bot.documents.office import document_bytes, document_from_blocks
from bot.documents.text import blocks, chat_message, months_text, render_html, render_text
from policies.idnumber import mask_id_number
from policies.impact import GapImpact, gap_impact
from policies.library import PolicyLibrary, load_library
from policies.schema import PolicyVersion


@lru_cache(maxsize=1)
def _packaged_library() -> PolicyLibrary:
    return load_library()


def national_rules(facts: CaseFacts) -> PolicyVersion:
    """The national version (pension-formula figures) the facts carry, or the packaged one."""
    if facts.national_version is not None:
        return facts.national_version
    return _packaged_library().national.version_for(facts.planned_payment_date)


def case_impact(facts: CaseFacts) -> GapImpact:
    """The pension, medical and housing-fund effects of the case's months in its city."""
    bases = {m.month: next(i.base for i in m.contribution.items if i.insurance == "pension")
             for m in facts.months}
    return gap_impact(facts.city, bases, facts.policy_version, national_rules(facts))


def _context(facts: CaseFacts, *, full_id: bool) -> dict[str, Any]:
    impact = case_impact(facts)
    return {
        "facts": facts,
        "impact": impact,
        "reimbursement": impact.medical.reimbursement.value,
        "months_text": months_text(facts.month_starts),
        "id_text": facts.id_number if full_id else mask_id_number(facts.id_number),
    }


def impact_document(facts: CaseFacts, *, full_id: bool) -> GeneratedFile:
    """The Word note; the 身份证 in full only when ``full_id``."""
    text = render_text("impact_note", **_context(facts, full_id=full_id))
    document = document_from_blocks(blocks(text))
    name = document_filename("impact", facts.employee_name, facts.month_starts, "docx")
    return GeneratedFile(name, document_bytes(document), DOCX_MIME)


def impact_message(facts: CaseFacts) -> str:
    """The same note as a Telegram HTML message; the 身份证 is always masked in chat."""
    return chat_message(render_html("impact_note", **_context(facts, full_id=False)))
