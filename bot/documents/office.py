"""Writing openpyxl workbooks and python-docx documents to bytes, laid out from text blocks."""

from __future__ import annotations

from io import BytesIO

from docx import Document as new_document
from docx.document import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from openpyxl import Workbook

from bot.documents.text import Block


def workbook_bytes(book: Workbook) -> bytes:
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def document_bytes(document: Document) -> bytes:
    out = BytesIO()
    document.save(out)
    return out.getvalue()


def document_from_blocks(items: list[Block]) -> Document:
    """A Word document with one paragraph per block (title, headings, bullets, right-aligned)."""
    document = new_document()
    for block in items:
        if block.kind == "title":
            paragraph = document.add_heading(block.text, level=0)
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        elif block.kind == "heading":
            document.add_heading(block.text, level=2)
        elif block.kind == "bullet":
            document.add_paragraph(block.text, style="List Bullet")
        elif block.kind == "right":
            paragraph = document.add_paragraph(block.text)
            paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        else:
            document.add_paragraph(block.text)
    return document
