"""The policy-change notice HR read: version labels, money as ¥, 未确认 instead of a bare U."""

from __future__ import annotations

from pathlib import Path

from bot.channels.present import summary
from policies.library import DEFAULT_DIRECTORY, diff_regions, load_library


def test_the_notice_speaks_hr_language(tmp_path: Path) -> None:
    # 杭州: its 2026 version still carries 2025 forward (北京's 2026 bases are entered now)
    old = load_library().region("杭州")
    directory = tmp_path / "data"
    directory.mkdir()
    for source in DEFAULT_DIRECTORY.glob("*.toml"):
        text = source.read_text(encoding="utf-8")
        if source.name == "hangzhou.toml":
            text = text.replace("value = 4986", "value = 5100")
        (directory / source.name).write_text(text, encoding="utf-8")
    new = load_library(directory).region("杭州")
    text = summary(new, diff_regions(old, new))
    assert "杭州2026年度（未公布，沿用2025年度）" in text      # the label, not the id "2026"
    assert "¥4,986.00（未确认） → ¥5,100.00（未确认）" in text
    assert "¥4,986.00 → ¥5,100.00" in text                  # the confirmed 2025 figure
    assert "base.floor" not in text and "（U，" not in text and "（O，" not in text
