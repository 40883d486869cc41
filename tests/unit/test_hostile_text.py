"""Typed text an attacker (or a careless paste) sends: it is refused or cleaned, never crashes."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bot.parsing import (
    ECHO_MAX,
    InputError,
    echo,
    parse_amount,
    parse_department_name,
    parse_months,
    parse_person_name,
)


@pytest.mark.parametrize(
    "text", ["1e1000000", "1E5", "5e3", "NaN", "Infinity", "-Infinity", "0x10", "5000.00.1", ""]
)
def test_amounts_in_other_notations_are_refused(text: str) -> None:
    with pytest.raises(InputError) as refused:
        parse_amount(text)
    assert len(refused.value.message) < 200


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("5000", "5000.00"),
        ("5,000.50", "5000.50"),
        ("¥7162", "7162.00"),
        ("1.2万", "12000.00"),
        ("5千", "5000.00"),
        ("８０００", "8000.00"),
        ("999999.99", "999999.99"),
    ],
)
def test_plain_amounts_still_read(text: str, value: str) -> None:
    assert parse_amount(text) == Decimal(value)


def test_amounts_beyond_a_plausible_wage_are_refused() -> None:
    for text in ("1000000", "100万", "99999999999"):
        with pytest.raises(InputError, match="金额过大"):
            parse_amount(text)


@pytest.mark.parametrize(
    "text",
    [
        '=HYPERLINK("http://e.cn","点")',
        "+cmd",
        "-王芳",
        "@SUM(A1)",
        "\t王芳",
        "王\x00芳",
        "王\r芳",
        "\u200b\u200c\u200d",
        "\u202e\u202d",
        "..",
        "——",
    ],
)
def test_hostile_names_are_refused(text: str) -> None:
    with pytest.raises(InputError):
        parse_person_name(text)


def test_format_characters_are_dropped_and_width_folded() -> None:
    assert parse_person_name("\u202e芳王") == "芳王"
    assert parse_person_name("王\u200b芳") == "王芳"
    assert parse_person_name("Ｊｏｈｎ Ｓｍｉｔｈ") == "John Smith"


@pytest.mark.parametrize("text", ["=cmd|' /C calc'!A0", "+1", "@x", "后\x00厨", "\u200b"])
def test_hostile_departments_are_refused(text: str) -> None:
    with pytest.raises(InputError):
        parse_department_name(text)


def test_echo_caps_what_is_quoted() -> None:
    assert echo("后厨") == "后厨"
    shortened = echo("字" * 5000)
    assert len(shortened) < ECHO_MAX + 20 and "共5000字" in shortened


def test_refusals_quote_at_most_the_cap() -> None:
    with pytest.raises(InputError) as refused:
        parse_amount("x" * 5000)
    assert len(refused.value.message) < 200


@pytest.mark.parametrize("text", ["2025-01至9999-12", "0001-01", "1900-01至2025-01", "9999-12"])
def test_back_payment_months_outside_the_window_are_refused(text: str) -> None:
    with pytest.raises(InputError) as refused:
        parse_months(text)
    assert "月份" in refused.value.message or "最多" in refused.value.message
