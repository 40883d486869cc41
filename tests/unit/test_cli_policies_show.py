"""`hrbot policies show` speaks Chinese to HR: money as ¥1,200.00, dates with the weekday,
未确认 on unconfirmed figures, and a Chinese refusal for a bad date."""

from __future__ import annotations

import pytest

from bot.cli import main


@pytest.fixture(autouse=True)
def _no_configured_directory(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HRBOT_POLICIES_DIRECTORY", raising=False)


def test_show_formats_money_dates_and_unconfirmed_figures(capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["policies", "show", "北京", "--date", "2026-12-01"]) == 0
    out = capsys.readouterr().out
    assert "缴费基数：¥7,270.00–¥36,348.00" in out      # 京人社发〔2026〕7号, S
    assert "每月截止：2026-12-25（周五）（2026-12）" in out
    # 杭州 2026 is carried forward (no notice yet): unconfirmed figures say so
    assert main(["policies", "show", "杭州", "--date", "2026-12-01"]) == 0
    out = capsys.readouterr().out
    assert "缴费基数：¥4,986.00（未确认）–¥25,299.00（未确认）" in out


def test_show_refuses_a_bad_date_in_chinese(capsys) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SystemExit):
        main(["policies", "show", "北京", "--date", "2026-13-01"])
    err = capsys.readouterr().err
    assert "invalid" not in err
    assert "请写成 YYYY-MM-DD" in err


def test_backpay_month_not_yet_due_says_not_overdue(capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["backpay", "--city", "北京", "--base", "8000", "--month", "2026-10",
                 "--month", "2026-09", "--pay-date", "2026-10-05"]) == 0
    out = capsys.readouterr().out
    assert "逾期 0 天" not in out
    assert "（截止 2026-10-25（周日），未逾期）" in out
    assert "（截止 2026-09-25（周五），逾期 10 天）" in out
