"""Document wording from ``bot/templates/documents``: plain text (no HTML escaping) in, typed
blocks out, so Word files and file names never carry markup and Python never carries wording.

A rendered document template is a list of lines with a tiny markup the generators lay out:
``# title``, ``## heading``, ``- bullet``, ``>> right-aligned`` (signature, date), and any other
non-blank line a body paragraph.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import Any, Literal

from jinja2 import Environment, PackageLoader, StrictUndefined

from policies.idnumber import mask_id_number
from policies.ledger_rules import format_month as format_year_month

BlockKind = Literal["title", "heading", "bullet", "right", "body"]


def money(value: Decimal) -> str:
    """`1,200.00` (documents print the unit in the column or sentence, not a ¥ per figure)."""
    return f"{value:,.2f}"


def chinese_date(value: date) -> str:
    """`2026年1月15日`, the way a letter is dated (macro ``date`` of labels.j2)."""
    return label("date", value)


@lru_cache(maxsize=2)
def environment(html: bool = False) -> Environment:
    """The documents' templates; ``html`` escapes values for a Telegram (HTML) chat message."""
    env = Environment(
        loader=PackageLoader("bot", "templates/documents"),
        autoescape=html,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    env.filters["money"] = money
    env.filters["ym"] = format_year_month
    env.filters["cdate"] = chinese_date
    env.filters["mask_id"] = mask_id_number
    return env


def render_text(template: str, **context: Any) -> str:
    """Render ``bot/templates/documents/<template>.j2`` as plain text."""
    return environment().get_template(f"{template}.j2").render(**context).strip()


def render_html(template: str, **context: Any) -> str:
    """The same template with every value HTML-escaped (for ``chat_message``)."""
    return environment(html=True).get_template(f"{template}.j2").render(**context).strip()


def chat_message(rendered_html: str) -> str:
    """A document rendered by ``render_html`` as a Telegram HTML message: title and headings
    bold, a blank line before each heading and before the signature, bullets as •."""
    lines: list[str] = []
    previous: BlockKind | None = None
    for block in blocks(rendered_html):
        if block.kind == "heading" or (block.kind == "right" and previous != "right"):
            lines.append("")
        if block.kind in ("title", "heading"):
            lines.append(f"<b>{block.text}</b>")
        elif block.kind == "bullet":
            lines.append(f"• {block.text}")
        else:
            lines.append(block.text)
        previous = block.kind
    return "\n".join(lines)


def month_runs(months: list[date]) -> list[tuple[date, date]]:
    """Consecutive months grouped as (first, last) runs, in order."""
    runs: list[tuple[date, date]] = []
    for month in sorted({m.replace(day=1) for m in months}):
        if runs:
            first, last = runs[-1]
            if (month.year * 12 + month.month) - (last.year * 12 + last.month) == 1:
                runs[-1] = (first, month)
                continue
        runs.append((month, month))
    return runs


def months_text(months: list[date]) -> str:
    """`2025年12月至2026年1月、2026年3月`."""
    return label("months_text", month_runs(months))


def label(name: str, *args: Any) -> str:
    """Macro ``name`` of ``documents/labels.j2``: column headings, reason names, file stems."""
    module = environment().get_template("labels.j2").module
    return str(getattr(module, name)(*args)).strip()


@dataclass(frozen=True)
class Block:
    """One laid-out unit of a document: a title, heading, bullet or paragraph."""

    kind: BlockKind
    text: str


_PREFIXES: tuple[tuple[str, BlockKind], ...] = (
    ("## ", "heading"), ("# ", "title"), ("- ", "bullet"), (">> ", "right"),
)


def blocks(text: str) -> list[Block]:
    """Split rendered document text into blocks (blank lines only separate)."""
    found: list[Block] = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        for prefix, kind in _PREFIXES:
            if line.startswith(prefix):
                found.append(Block(kind, line[len(prefix):].strip()))
                break
        else:
            found.append(Block("body", line))
    return found
