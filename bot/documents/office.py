"""Writing openpyxl workbooks and python-docx documents to bytes, laid out from text blocks.

python-docx is imported when the first document is made, not when the bot starts: the office
libraries (python-docx, openpyxl with numpy, matplotlib) add ~65 MB to a bot that may never
make a file (bench/bench_rss.py; tests/unit/test_lazy_imports.py keeps them out of start-up).
"""

from __future__ import annotations

from io import BytesIO
from typing import TYPE_CHECKING

from bot.documents.text import Block

if TYPE_CHECKING:
    from docx.document import Document
    from docx.styles.style import BaseStyle
    from openpyxl import Workbook


def workbook_bytes(book: Workbook) -> bytes:
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def document_bytes(document: Document) -> bytes:
    out = BytesIO()
    document.save(out)
    return out.getvalue()


#: fonts every Chinese Word/WPS install has (python-docx's template names only Latin fonts)
BODY_FONT_EAST_ASIA = "SimSun"
HEADING_FONT_EAST_ASIA = "SimHei"


def _east_asian_font(style: BaseStyle, name: str) -> None:
    from docx.oxml.ns import qn

    fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), name)


def _a4_with_chinese_fonts(document: Document) -> None:
    """A4 portrait (python-docx's template is US Letter) and East Asian fonts on the styles."""
    from docx.shared import Mm, Pt, RGBColor

    for section in document.sections:
        section.page_width, section.page_height = Mm(210), Mm(297)
        section.left_margin = section.right_margin = Mm(25)
        section.top_margin = section.bottom_margin = Mm(25)
    normal = document.styles["Normal"]
    _east_asian_font(normal, BODY_FONT_EAST_ASIA)
    normal.font.size = Pt(10.5)  # 五号, the usual body size of a Chinese letter
    normal.paragraph_format.space_after = Pt(4)
    for name in ("Title", "Heading 2"):
        style = document.styles[name]
        _east_asian_font(style, HEADING_FONT_EAST_ASIA)
        style.font.color.rgb = RGBColor(0, 0, 0)


def document_from_blocks(items: list[Block]) -> Document:
    """A Word document with one paragraph per block (title, headings, bullets, right-aligned)."""
    from docx import Document as new_document
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    document = new_document()
    _a4_with_chinese_fonts(document)
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
