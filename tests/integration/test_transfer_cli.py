"""`hrbot import` and `hrbot export` from the command line."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from bot.cli import main
from bot.services import onboarding
from models.db import make_engine, upgrade_schema
from policies.idnumber import check_digit


def make_id(serial: int) -> str:
    first17 = f"11010119900307{serial % 1000:03d}"
    return first17 + check_digit(first17)


def test_import_previews_then_imports_then_exports(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    monkeypatch.setenv("HRBOT_DATABASE_URL", url)
    engine = make_engine(url)
    upgrade_schema(engine)
    company = onboarding.create_company(engine, "小馆", "北京", "Asia/Shanghai")
    book = Workbook()
    book.active.append(["姓名", "身份证号", "到岗时间", "缴费基数"])
    book.active.append(["陈明远", make_id(1), "2026-01-05", 8000])
    book.active.append(["李静", "110101", "2026-01-05", 8000])
    source = tmp_path / "staff.xlsx"
    book.save(source)
    config = ["--config", str(tmp_path / "none.toml")]
    args = [*config, "import", str(source), "--company", str(company.id)]

    assert main(args) == 2
    assert "到岗时间" in capsys.readouterr().err

    errors = tmp_path / "errors.xlsx"
    assert main([*args, "--map", "到岗时间=hire_date", "--errors", str(errors)]) == 0
    out = capsys.readouterr().out
    assert "新增 1" in out and "有误 1" in out and "仅预览" in out
    assert load_workbook(errors).active.cell(2, 1).value == 3

    assert main([*args, "--map", "到岗时间=hire_date", "--yes"]) == 0
    assert "导入完成：新增 1" in capsys.readouterr().out
    assert main([*args, "--map", "到岗时间=hire_date", "--yes"]) == 0
    again = capsys.readouterr().out
    assert "导入过" in again and "（北京时间）" in again and "UTC" not in again, again

    out_file = tmp_path / "out.xlsx"
    assert main([*config, "export", "--company", str(company.id), "--out", str(out_file)]) == 0
    people = list(load_workbook(io.BytesIO(out_file.read_bytes()))["员工"].values)
    assert people[1][0] == "陈明远"
    engine.dispose()
