"""Unit tests for reading and validating employee spreadsheets."""

import io
from datetime import date, datetime
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook

from bot.importing import (
    IGNORE,
    ImportFileError,
    build_preview,
    errors_workbook,
    match_headers,
    parse_paid_months,
    read_table,
)
from bot.parsing import InputError
from policies.idnumber import check_digit

TODAY = date(2026, 12, 10)


def make_id(serial: int, born: str = "19900307") -> str:
    """A valid 18-digit number for a Beijing resident born on `born`."""
    first17 = f"110101{born}{serial % 1000:03d}"
    return first17 + check_digit(first17)


def xlsx_bytes(rows: list[list[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def preview_of(filename: str, data: bytes, overrides: dict[str, str] | None = None):
    table = read_table(filename, data)
    mapping = match_headers(table.headers, overrides)
    return build_preview(table, mapping, today=TODAY, default_city="北京")


HEADER_CN = ["姓名", "身份证号", "入职日期", "部门", "缴费基数", "参保地", "已缴月份"]


def test_clean_xlsx_with_chinese_headers() -> None:
    data = xlsx_bytes(
        [
            HEADER_CN,
            [
                "陈明远",
                make_id(123),
                datetime(2026, 3, 1),
                "后厨",
                7162,
                "北京",
                "2026-03~2026-05",
            ],
            ["李静", make_id(124), "2026/11/15", "前厅", "8,000.50", "", None],
        ]
    )
    preview = preview_of("员工.xlsx", data)
    assert preview.errors == []
    first, second = preview.valid
    assert first.name == "陈明远"
    assert first.first_day == date(2026, 3, 1)
    assert first.base == Decimal("7162.00")
    assert first.paid_months == (date(2026, 3, 1), date(2026, 4, 1), date(2026, 5, 1))
    assert second.city == "北京"  # empty city falls back to the company's
    assert second.base == Decimal("8000.50")
    assert second.row_number == 3


def test_csv_in_gbk_with_english_headers() -> None:
    text = "Name,ID Number,Hire Date,Department,Base,City\n王芳,{},2026-10-08,前厅,6000,上海市\n"
    data = text.format(make_id(7)).encode("gbk")
    preview = preview_of("staff.csv", data)
    assert [r.name for r in preview.valid] == ["王芳"]
    assert preview.valid[0].city == "上海"


def test_csv_utf8_with_bom() -> None:
    data = (
        "\ufeff姓名,身份证号码（18位）,入职日期,缴费基数\n赵强,"
        + make_id(9)
        + ",2026-12-01,5000\n"
    )
    preview = preview_of("a.csv", data.encode("utf-8"))
    assert len(preview.valid) == 1


def test_bad_rows_carry_row_number_and_reason() -> None:
    good = make_id(1)
    bad_check = good[:-1] + ("0" if good[-1] != "0" else "1")
    data = xlsx_bytes(
        [
            HEADER_CN,
            ["陈明远", good, "2026-12-01", "后厨", 7162, "北京", None],
            ["李静", bad_check, "2026-12-01", "后厨", 7162, "北京", None],
            ["王芳", make_id(2), "明年某天", "后厨", 7162, "北京", None],
            ["赵强", make_id(3), "2026-12-01", "后厨", -5, "北京", None],
            ["孙丽", good, "2026-12-01", "后厨", 7162, "北京", None],
            ["周杰", make_id(4), "2026-06-01", "后厨", 7162, "北京", "2026-01"],
        ]
    )
    preview = preview_of("bad.xlsx", data)
    assert len(preview.valid) == 1
    reasons = {e.row_number: e.reason for e in preview.errors}
    assert set(reasons) == {3, 4, 5, 6, 7}
    assert "校验位" in reasons[3]
    assert "入职日期" in reasons[4]
    assert "缴费基数" in reasons[5]
    assert "第2行重复" in reasons[6]
    assert "不在任职期间" in reasons[7]


def test_id_number_stored_as_a_number_gets_a_specific_hint() -> None:
    data = xlsx_bytes([HEADER_CN, ["陈明远", 1.10101199003071e17, "2026-12-01", "", 5000, "", ""]])
    (error,) = preview_of("n.xlsx", data).errors
    assert "文本" in error.reason


def test_unknown_header_needs_a_choice_then_maps() -> None:
    headers = ["员工", "证件号码", "到岗日期", "基数", "备注"]
    mapping = match_headers(headers)
    assert mapping.needs_choice
    assert mapping.missing == ("hire_date",)
    assert [h for _, h in mapping.unknown] == ["到岗日期", "备注"]
    mapped = match_headers(headers, {"到岗日期": "hire_date", "备注": IGNORE})
    assert not mapped.missing
    assert mapped.columns["hire_date"] == 2
    assert mapped.unknown == ()


def test_extra_columns_do_not_block_when_all_fields_are_mapped() -> None:
    headers = [*HEADER_CN, "离职日期", "备注"]
    mapping = match_headers(headers)
    assert not mapping.needs_choice


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", ()),
        ("2026-01", (date(2026, 1, 1),)),
        ("2026-11~2027-01", (date(2026, 11, 1), date(2026, 12, 1), date(2027, 1, 1))),
        ("2026年1月至2026年2月、2026-05", (date(2026, 1, 1), date(2026, 2, 1), date(2026, 5, 1))),
        ("2026-01-2026-02", (date(2026, 1, 1), date(2026, 2, 1))),
    ],
)
def test_paid_months_spellings(text: str, expected: tuple[date, ...]) -> None:
    assert parse_paid_months(text) == expected


def test_paid_months_nonsense_is_refused() -> None:
    with pytest.raises(InputError):
        parse_paid_months("上半年")
    with pytest.raises(InputError):
        parse_paid_months("2026-06~2026-01")


def test_unsupported_file_type_and_empty_file() -> None:
    with pytest.raises(ImportFileError):
        read_table("a.pdf", b"%PDF")
    with pytest.raises(ImportFileError):
        read_table("a.csv", b"\n\n")
    with pytest.raises(ImportFileError):
        read_table("a.xlsx", b"not a zip")


def test_errors_workbook_lists_rows_with_reasons() -> None:
    data = xlsx_bytes([HEADER_CN, ["陈", make_id(1), "2026-12-01", "", 5000, "", ""]])
    table = read_table("x.xlsx", data)
    preview = build_preview(table, match_headers(table.headers), today=TODAY, default_city="北京")
    sheet = load_workbook(io.BytesIO(errors_workbook(table, preview.errors))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("行号", "错误原因", "姓名")
    assert rows[1][0] == 2
    assert "姓名" in rows[1][1]


def test_same_bytes_give_the_same_content_hash() -> None:
    data = xlsx_bytes([HEADER_CN])
    assert read_table("a.xlsx", data).content_hash == read_table("b.xlsx", data).content_hash


def test_five_thousand_rows_are_all_read_and_validated() -> None:
    rows: list[list[object]] = [HEADER_CN]
    for i in range(5000):
        born = f"19{70 + i % 30:02d}0{1 + i % 9}1{i % 10}"
        rows.append(
            [
                f"员工{chr(0x4E00 + i % 500)}",
                make_id(i, born),
                date(2026, 1 + i % 11, 3),
                f"部门{chr(0x4E00 + i % 7)}",
                5000 + i,
                "北京",
                "",
            ]
        )
    data = xlsx_bytes(rows)
    preview = preview_of("big.xlsx", data)
    assert preview.errors == []
    assert len(preview.valid) == 5000
    # Speed is bench/bench_import.py's job (a ratio in one run), not a timed test's.


def test_a_title_row_above_the_headers_is_skipped() -> None:
    """Rosters exported from Excel/WPS often start with a merged title row and a blank row."""
    book = Workbook()
    sheet = book.active
    sheet.append(["XX餐饮有限公司员工花名册"])
    sheet.merge_cells("A1:F1")
    sheet.append([None] * 6)
    sheet.append(["姓名", "身份证号", "入职日期", "部门", "缴费基数", "参保地"])
    sheet.append(["赵六", make_id(14), datetime(2026, 11, 5), "后厨", 7000, "北京"])
    out = io.BytesIO()
    book.save(out)
    table = read_table("花名册.xlsx", out.getvalue())
    assert table.headers[:2] == ("姓名", "身份证号")
    assert table.row_numbers == (4,)
    assert not match_headers(table.headers).needs_choice
