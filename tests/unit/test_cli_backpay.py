"""`hrbot backpay` prints the documented JSON and table, and refuses bad arguments with exit 2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main

ROOT = Path(__file__).resolve().parents[2]
ARGS = ["backpay", "--city", "北京", "--base", "5000", "--month", "2025-12", "--month",
        "2026-01", "--pay-date", "2026-01-20"]


@pytest.fixture(autouse=True)
def _no_configured_directory(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HRBOT_POLICIES_DIRECTORY", raising=False)


def run_json(capsys: pytest.CaptureFixture[str], argv: list[str]) -> dict:
    assert main([*argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_json_has_the_documented_shape_and_figures(capsys) -> None:
    data = run_json(capsys, ARGS)
    assert set(data) == {"months", "employer", "employee", "late_fee", "total", "cross_year",
                         "materials", "policy"}
    december, january = data["months"]
    assert set(december) == {"month", "base", "clamped", "items", "employer", "employee",
                             "late_fee"}
    assert december["month"] == "2025-12" and january["month"] == "2026-01"
    assert december["base"] == "7162.00" and december["clamped"] == "floor"
    assert december["items"][0] == {"insurance": "pension", "employer": "1145.92",
                                    "employee": "572.96"}
    assert [i["insurance"] for i in december["items"]] == [
        "pension", "medical", "unemployment", "work_injury"]
    assert december["late_fee"] == "34.49" and january["late_fee"] == "0.00"
    assert (data["employer"], data["employee"], data["late_fee"], data["total"]) == (
        "3795.86", "1510.02", "34.49", "5340.37")
    assert data["cross_year"] is True
    assert "个税完税证明" in data["materials"]
    assert data["policy"]["region"] == "北京"
    assert "北京2025年度" in data["policy"]["version"]


def test_seed_figure_through_the_cli(capsys) -> None:
    data = run_json(capsys, ["backpay", "--city", "杭州", "--base", "5000", "--month", "2025-06",
                             "--pay-date", "2025-06-10"])
    pension = data["months"][0]["items"][0]
    assert (pension["employer"], pension["employee"]) == ("800.00", "400.00")
    assert data["months"][0]["clamped"] is None
    assert data["cross_year"] is False


def test_amounts_are_strings_with_two_decimals(capsys) -> None:
    data = run_json(capsys, ["backpay", "--city", "上海", "--base", "50000", "--month", "2025-03",
                             "--pay-date", "2026-01-05"])
    month = data["months"][0]
    assert month["clamped"] == "ceiling"
    for value in (month["employer"], month["late_fee"], data["total"]):
        assert isinstance(value, str) and len(value.split(".")[1]) == 2


def test_table_is_readable(capsys) -> None:
    assert main(ARGS) == 0
    out = capsys.readouterr().out
    assert "养老保险" in out and "¥1,145.92" in out
    assert "跨年补缴：是" in out
    assert "总计 ¥5,340.37" in out
    assert "未确认" in out


@pytest.mark.parametrize(("argv", "message"), [
    (["--city", "南京", "--base", "5000", "--month", "2025-12"], "未收录城市“南京”"),
    (["--city", "北京", "--base", "-5", "--month", "2025-12"], "不能为负数"),
    (["--city", "北京", "--base", "abc", "--month", "2025-12"], "不是数字"),
    (["--city", "北京", "--base", "5000", "--month", "2026-02"], "晚于计划缴费日期"),
    (["--city", "北京", "--base", "5000", "--month", "2025-13"], "YYYY-MM"),
    (["--city", "北京", "--base", "5000", "--month", "2020-01"], "没有覆盖2020-01"),
])
def test_bad_arguments_exit_2_with_a_clear_message(capsys, argv, message) -> None:
    argv = ["backpay", *argv, "--pay-date", "2026-01-20"]
    with pytest.raises(SystemExit) as exited:
        code = main(argv)
        raise SystemExit(code)
    assert exited.value.code == 2
    assert message in capsys.readouterr().err


def test_bad_pay_date_exits_2(capsys) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["backpay", "--city", "北京", "--base", "1", "--month", "2025-12",
              "--pay-date", "2026/01/20"])
    assert exited.value.code == 2
    assert "YYYY-MM-DD" in capsys.readouterr().err


def test_installed_command_runs_in_a_subprocess() -> None:
    done = subprocess.run([sys.executable, "-c", "import sys; from bot.cli import main; "
                           "sys.exit(main(sys.argv[1:]))", *ARGS, "--json"],
                          capture_output=True, text=True, cwd=ROOT, check=False)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["total"] == "5340.37"
    assert done.stderr == ""


def test_cli_cross_year_line_says_it_counts_calendar_years(capsys) -> None:  # type: ignore[no-untyped-def]
    from policies.backpay import CROSS_YEAR_BASIS_NOTE

    assert main(["backpay", "--city", "北京", "--base", "5000", "--month", "2025-12",
          "--pay-date", "2026-01-20"]) == 0
    out = capsys.readouterr().out
    assert f"跨年补缴：是（{CROSS_YEAR_BASIS_NOTE}）" in out


@pytest.mark.parametrize("base", ["1e1000000", "1E5", "NaN", "1000000", "99999999999999"])
def test_exponent_or_implausible_bases_exit_2_without_echoing_a_huge_number(capsys, base) -> None:
    argv = ["backpay", "--city", "北京", "--base", base, "--month", "2025-12",
            "--pay-date", "2026-01-20"]
    with pytest.raises(SystemExit) as exited:
        raise SystemExit(main(argv))
    assert exited.value.code == 2
    captured = capsys.readouterr()
    assert "缴费基数" in captured.err
    assert len(captured.out) + len(captured.err) < 1000
