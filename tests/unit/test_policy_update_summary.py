"""The policy-change notice HR read: version labels, money as ¥, 未确认 instead of a bare U."""

from __future__ import annotations

from pathlib import Path

from bot.services.policy_updates import summary
from policies.library import DEFAULT_DIRECTORY, diff_regions, load_library


def test_the_notice_speaks_hr_language(tmp_path: Path) -> None:
    old = load_library().region("北京")
    directory = tmp_path / "data"
    directory.mkdir()
    for source in DEFAULT_DIRECTORY.glob("*.toml"):
        text = source.read_text(encoding="utf-8")
        if source.name == "beijing.toml":
            text = text.replace("value = 7162", "value = 7300")
        (directory / source.name).write_text(text, encoding="utf-8")
    new = load_library(directory).region("北京")
    text = summary(new, diff_regions(old, new))
    assert "北京2026年度（未公布，沿用2025年度）" in text      # the label, not the id "2026"
    assert "¥7,162.00（未确认） → ¥7,300.00（未确认）" in text
    assert "¥7,162.00 → ¥7,300.00" in text                  # the confirmed 2025 figure
    assert "2025-h1-2026" not in text and "（U，" not in text and "（N，" not in text
