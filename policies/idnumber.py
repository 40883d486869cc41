"""Resident identity number (居民身份证号码) rules from GB 11643-1999.

Validation happens before anything is written, so each failure carries the Chinese sentence that
tells HR exactly what to retype.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CODES = "10X98765432"

#: Province-level codes (first two digits) of GB/T 2260, plus 71/81/82 used for Taiwan, Hong Kong
#: and Macao residence permits.
PROVINCE_CODES = frozenset(
    {
        "11", "12", "13", "14", "15",
        "21", "22", "23",
        "31", "32", "33", "34", "35", "36", "37",
        "41", "42", "43", "44", "45", "46",
        "50", "51", "52", "53", "54",
        "61", "62", "63", "64", "65",
        "71", "81", "82",
    }
)  # fmt: skip

MIN_WORKING_AGE = 16
MAX_PLAUSIBLE_AGE = 80

FORMAT_HINT = "18位，末位可为X"


class InvalidIdNumber(ValueError):
    """Raised with a user-facing Chinese message naming what is wrong."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class IdNumber:
    """A validated 18-character number; `value` is normalised (upper-case X)."""

    value: str

    @property
    def birth_date(self) -> date:
        return _birth_date(self.value)

    @property
    def is_male(self) -> bool:
        return int(self.value[16]) % 2 == 1

    @property
    def masked(self) -> str:
        return mask_id_number(self.value)


def check_digit(first17: str) -> str:
    """The GB 11643 check character for the first 17 digits."""
    total = sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK_CODES[total % 11]


def normalise(text: str) -> str:
    """Strip blanks and full-width characters people paste from documents."""
    cleaned = text.strip().replace(" ", "").replace("\u3000", "")
    cleaned = cleaned.translate(str.maketrans("０１２３４５６７８９ｘＸ", "0123456789XX"))
    return cleaned.upper()


def _birth_date(value: str) -> date:
    return date(int(value[6:10]), int(value[10:12]), int(value[12:14]))


def validate_id_number(text: str, *, today: date) -> IdNumber:
    """Return the validated number or raise `InvalidIdNumber` with what to retype."""
    value = normalise(text)
    if len(value) != 18:
        raise InvalidIdNumber(
            f"身份证号码应为18位，您输入了{len(value)}位，请重新输入（{FORMAT_HINT}）。"
        )
    if not value[:17].isdigit() or not (value[17].isdigit() or value[17] == "X"):
        raise InvalidIdNumber(
            f"身份证号码前17位应为数字，末位为数字或X，请重新输入（{FORMAT_HINT}）。"
        )
    if value[:2] not in PROVINCE_CODES:
        raise InvalidIdNumber("身份证号码前两位不是有效的省级行政区划代码，请检查后重新输入。")
    try:
        born = _birth_date(value)
    except ValueError:
        raise InvalidIdNumber(
            "身份证号码第7–14位的出生日期无效，请检查后重新输入。"
        ) from None
    age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    if born > today or age > MAX_PLAUSIBLE_AGE:
        raise InvalidIdNumber("身份证号码中的出生日期不合理，请检查第7–14位后重新输入。")
    if age < MIN_WORKING_AGE:
        raise InvalidIdNumber(
            f"按身份证号码，该员工未满{MIN_WORKING_AGE}周岁，不能办理入职登记，请核对号码。"
        )
    if check_digit(value[:17]) != value[17]:
        raise InvalidIdNumber(
            f"身份证号码校验位不正确，请检查最后一位后重新输入（{FORMAT_HINT}）。"
        )
    return IdNumber(value)


def mask_id_number(value: str) -> str:
    """`110101********123X`: region code and last four only, the form every message uses."""
    if len(value) < 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]
