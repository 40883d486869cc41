"""`hrbot chat`: a person can try the bot in a terminal with no Telegram token."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

from bot.chat_console import ConsoleOptions, run_console
from bot.settings import load_settings


async def test_console_session_registers_a_hire(tmp_path: Path) -> None:
    lines: asyncio.Queue[str | None] = asyncio.Queue()
    for line in [
        "/hire",
        "陈明远",
        "110101199003071233",
        "今天",
        "后厨",
        "5000",
        "#1",
        "#1",
        "/todo",
        "#9",
        ":quit",
    ]:
        lines.put_nowait(line)
    out = io.StringIO()
    options = ConsoleOptions(
        database_url=f"sqlite:///{tmp_path / 'chat.sqlite'}",
        company="演示餐饮有限公司",
        city="北京",
        downloads=tmp_path / "downloads",
    )
    settings = load_settings(path="/nonexistent.toml", env={})
    await asyncio.wait_for(run_console(settings, options, lines=lines, out=out), timeout=30)
    text = out.getvalue()
    assert "已加入" in text and "演示餐饮有限公司" in text
    assert "[1] 北京（默认）" in text
    assert "请核对入职信息" in text and "110101********1233" in text
    assert "已登记" in text
    assert "社保登记" in text and "✅ 陈明远 社保登记 已办理" in text
    assert "没有这个按钮" in text

    # A second session on the same database remembers the company and the hire.
    lines2: asyncio.Queue[str | None] = asyncio.Queue()
    for line in ["/employees", None]:
        lines2.put_nowait(line)
    out2 = io.StringIO()
    await asyncio.wait_for(run_console(settings, options, lines=lines2, out=out2), timeout=30)
    assert "陈明远" in out2.getvalue() and "已加入" not in out2.getvalue()
