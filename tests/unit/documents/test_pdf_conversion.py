"""Each document converts to PDF with LibreOffice (what WPS/Word users print), with the expected
page count. Needs ``soffice`` on PATH; skipped otherwise (it is not installed on the dev box)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from bot.documents import CaseFacts, case_documents

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
pytestmark = pytest.mark.skipif(SOFFICE is None,
                                reason="LibreOffice (soffice) is not on PATH: PDF check skipped")

#: one page each; the impact note (about 1,900 characters with its sources) two, three at most
#: (the bound was estimated, not measured: no LibreOffice on the machine it was written on)
MAX_PAGES = {"社保补缴申报表": 1, "员工信息变更表": 1, "社保补缴说明函": 1,
             "跨年补缴权益影响说明": 3}


def page_count(pdf: bytes) -> int:
    """Pages of a LibreOffice PDF (page objects are written uncompressed)."""
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf))


def test_every_document_converts_to_pdf(wrong_data_facts: CaseFacts, tmp_path: Path) -> None:
    assert SOFFICE is not None
    files = case_documents(wrong_data_facts, full_id=False)
    for file in files:
        (tmp_path / file.filename).write_bytes(file.content)
    subprocess.run([SOFFICE, "--headless", f"-env:UserInstallation=file://{tmp_path}/profile",
                    "--convert-to", "pdf", "--outdir", str(tmp_path / "pdf"),
                    *[str(tmp_path / f.filename) for f in files]],
                   check=True, capture_output=True, timeout=180)
    for file in files:
        pdf = (tmp_path / "pdf" / file.filename).with_suffix(".pdf").read_bytes()
        pages = page_count(pdf)
        title = file.filename.split("_")[0]
        assert 1 <= pages <= MAX_PAGES[title], (file.filename, pages)
