"""身份证 validation (GB 11643): property-based over generated numbers, plus the refusals."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from policies.idnumber import (
    PROVINCE_CODES,
    InvalidIdNumber,
    check_digit,
    mask_id_number,
    validate_id_number,
)

TODAY = date(2026, 12, 1)


def make_id(region: str, born: date, sequence: int) -> str:
    first17 = f"{region}{born:%Y%m%d}{sequence:03d}"
    return first17 + check_digit(first17)


regions = st.sampled_from(sorted(PROVINCE_CODES)).map(lambda p: p + "0101")
working_age_birthdays = st.dates(min_value=date(1950, 1, 1), max_value=date(2010, 11, 30))
sequences = st.integers(min_value=0, max_value=999)


@given(regions, working_age_birthdays, sequences)
def test_every_well_formed_number_is_accepted(region: str, born: date, seq: int) -> None:
    value = make_id(region, born, seq)
    parsed = validate_id_number(value, today=TODAY)
    assert parsed.value == value
    assert parsed.birth_date == born


@given(regions, working_age_birthdays, sequences, st.integers(min_value=1, max_value=10))
def test_any_wrong_check_digit_is_refused(region: str, born: date, seq: int, shift: int) -> None:
    value = make_id(region, born, seq)
    codes = "0123456789X"
    wrong = codes[(codes.index(value[-1]) + shift) % 11]
    with pytest.raises(InvalidIdNumber, match="校验位"):
        validate_id_number(value[:-1] + wrong, today=TODAY)


@given(regions, working_age_birthdays, sequences, st.integers(min_value=0, max_value=16))
def test_a_single_changed_digit_is_caught(region: str, born: date, seq: int, pos: int) -> None:
    value = make_id(region, born, seq)
    changed = value[:pos] + str((int(value[pos]) + 1) % 10) + value[pos + 1 :]
    with pytest.raises(InvalidIdNumber):
        validate_id_number(changed, today=TODAY)


@given(st.text(alphabet="0123456789X", min_size=18, max_size=18))
def test_random_strings_are_refused_or_internally_consistent(text: str) -> None:
    try:
        parsed = validate_id_number(text, today=TODAY)
    except InvalidIdNumber as error:
        assert error.message
    else:
        assert check_digit(parsed.value[:17]) == parsed.value[17]


def test_lowercase_x_and_fullwidth_are_normalised() -> None:
    value = make_id("110101", date(1990, 3, 7), 123)
    if value.endswith("X"):
        assert validate_id_number(value.lower(), today=TODAY).value == value
    fullwidth = value.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    assert validate_id_number(fullwidth, today=TODAY).value == value


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("11010119900307123", "18位"),
        ("1101011990030712345", "18位"),
        ("11010119900307A233", "前17位"),
        ("990101199003071233", "行政区划"),
        ("110101199013071233", "出生日期"),
        ("11010119900230123X", "出生日期"),
    ],
)
def test_refusals_name_what_is_wrong(text: str, fragment: str) -> None:
    with pytest.raises(InvalidIdNumber, match=fragment):
        validate_id_number(text, today=TODAY)


def test_minors_and_implausible_ages_are_refused() -> None:
    child = make_id("110101", TODAY - timedelta(days=365 * 10), 1)
    with pytest.raises(InvalidIdNumber, match="未满16周岁"):
        validate_id_number(child, today=TODAY)
    ancient = make_id("110101", date(1900, 1, 1), 1)
    with pytest.raises(InvalidIdNumber, match="不合理"):
        validate_id_number(ancient, today=TODAY)


def test_uxs_example_numbers() -> None:
    assert validate_id_number("110101199003071233", today=TODAY).value == "110101199003071233"
    with pytest.raises(InvalidIdNumber, match="校验位不正确"):
        validate_id_number("11010119900307123X", today=TODAY)


def test_mask_keeps_region_and_last_four() -> None:
    assert mask_id_number("11010119900307123X") == "110101********123X"
