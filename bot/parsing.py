"""Turn what HR type into values, or into the sentence that says what to type instead."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, timedelta
from decimal import Decimal
from html import escape

from policies.ledger_rules import iter_months
from policies.ledger_rules import parse_month as read_month


class InputError(ValueError):
    """A user-facing Chinese message explaining the expected input.

    `message` is plain text and often quotes what the user typed; replies are HTML, so they
    send `html`, in which a typed `<` cannot break the message.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    @property
    def html(self) -> str:
        return escape(self.message, quote=False)


#: How much of what the user typed a refusal quotes back: Telegram refuses messages over 4,096
#: characters, and a long paste quoted whole would turn a clear refusal into a failed send.
ECHO_MAX = 40


def echo(text: str, limit: int = ECHO_MAX) -> str:
    """What the user typed, shortened for quoting in a reply (`很长的输入…（共1702字）`).

    Every refusal that quotes input goes through here, so no reply grows with the input.
    """
    text = text.strip()
    if len(text) <= limit:
        return text
    return f"{text[:limit]}…（共{len(text)}字）"


DATE_HINT = "例如 2026-12-01、2026/12/1、12月1日、今天、昨天"

_RELATIVE = {"今天": 0, "今日": 0, "昨天": -1, "昨日": -1, "前天": -2, "明天": 1, "后天": 2}
_FULL = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?$")
_MONTH_DAY = re.compile(r"^(\d{1,2})\s*[月/.-]\s*(\d{1,2})\s*[日号]?$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_MONTH = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?$")


def parse_day(text: str, *, today: date) -> date:
    """Parse a calendar day; a month-day without a year means the one nearest to today."""
    cleaned = text.strip().translate(str.maketrans("０１２３４５６７８９／－．", "0123456789/-."))
    if cleaned in _RELATIVE:
        return today + timedelta(days=_RELATIVE[cleaned])
    try:
        if m := _FULL.match(cleaned) or _COMPACT.match(cleaned):
            return date(int(m[1]), int(m[2]), int(m[3]))
        if m := _MONTH_DAY.match(cleaned):
            month, day = int(m[1]), int(m[2])
            candidates = []
            for year in (today.year - 1, today.year, today.year + 1):
                try:
                    candidates.append(date(year, month, day))
                except ValueError:
                    continue
            if candidates:
                return min(candidates, key=lambda d: abs((d - today).days))
            raise ValueError
    except ValueError:
        raise InputError(f"“{echo(text)}”不是有效的日期，请重新输入（{DATE_HINT}）。") from None
    raise InputError(f"无法识别日期“{echo(text)}”，请重新输入（{DATE_HINT}）。")


def parse_month(text: str) -> date:
    """Parse `2026-12` / `2026年12月` into the first day of that month."""
    cleaned = text.strip()
    m = _MONTH.match(cleaned)
    if m and 1 <= int(m[2]) <= 12:
        return date(int(m[1]), int(m[2]), 1)
    raise InputError(f"无法识别月份“{echo(cleaned)}”，请按 2026-12 或 2026年12月 的格式输入。")


AMOUNT_HINT = "请输入数字金额（元），例如 5000 或 7162.50"
#: No monthly wage (and so no 缴费基数) is this high; anything above is a typo or an attack.
MAX_MONTHLY_BASE = Decimal("1000000")
#: Plain digits with an optional decimal part: no exponent (`1e1000000` would build a number
#: of a million digits), no sign, no `NaN`/`Infinity` that Decimal would also accept.
PLAIN_AMOUNT = re.compile(r"^(\d{1,12})(\.\d{1,12})?$")


def parse_amount(text: str) -> Decimal:
    """Parse a positive yuan amount: `5000`, `5,000.00`, `¥5000`, `5000元`, `5千`, `1.2万`.

    The one money parser for chat, import and command line: only plain decimal digits are
    read, so no typed text can overflow Decimal or echo a huge number back.
    """
    cleaned = (
        text.strip().replace(",", "").replace("，", "").replace("¥", "").replace("￥", "")
    )
    cleaned = unicodedata.normalize("NFKC", cleaned)
    cleaned = cleaned.removesuffix("元").removesuffix("块").strip()
    multiplier = Decimal(1)
    if cleaned.endswith("万"):
        multiplier, cleaned = Decimal(10000), cleaned[:-1].strip()
    elif cleaned.endswith("千"):
        multiplier, cleaned = Decimal(1000), cleaned[:-1].strip()
    if cleaned.startswith("-") and PLAIN_AMOUNT.match(cleaned[1:]):
        raise InputError(f"金额必须大于0，{AMOUNT_HINT}。")
    if not PLAIN_AMOUNT.match(cleaned):
        raise InputError(f"“{echo(text)}”不是有效金额，{AMOUNT_HINT}。")
    value = Decimal(cleaned) * multiplier
    if value <= 0:
        raise InputError(f"金额必须大于0，{AMOUNT_HINT}。")
    if value >= MAX_MONTHLY_BASE:
        raise InputError(f"金额过大（应小于100万元/月），{AMOUNT_HINT}。")
    if value != value.quantize(Decimal("0.01")):
        raise InputError(f"金额最多保留两位小数，{AMOUNT_HINT}。")
    return value.quantize(Decimal("0.01"))


NAME_MIN, NAME_MAX = 2, 30
#: Characters no name contains; they would be markup in the bot's HTML messages.
_MARKUP = frozenset("<>&")
_SPACE_BETWEEN_HAN = re.compile(r"(?<=[\u4e00-\u9fff·]) (?=[\u4e00-\u9fff·])")
#: A cell starting with one of these is a formula to Excel/WPS (OWASP CSV injection):
#: `=HYPERLINK(...)`, `+cmd|...`, `-2+3`, `@SUM(...)`; tab and CR are refused as control text.
FORMULA_STARTS = frozenset("=+-@")


def clean_text(text: str, what: str) -> str:
    """The one cleaning of typed names (people, departments): NFKC, invisible format characters
    (zero-width spaces, right-to-left overrides …) dropped, control characters refused.

    NFKC folds full-width letters and compatibility forms so `王芳` typed two ways is one
    name; a NUL or a tab is never part of a name and breaks PostgreSQL or a spreadsheet.
    """
    text = unicodedata.normalize("NFKC", text)
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    if any(unicodedata.category(ch) == "Cc" and ch not in "\n " for ch in text):
        raise InputError(f"{what}中不能包含控制字符（如制表符），请重新输入。")
    return " ".join(text.split())


def _refuse_formula(name: str, what: str, example: str) -> None:
    if name[:1] in FORMULA_STARTS:
        raise InputError(
            f"{what}不能以 = + - @ 开头（表格会把它当作公式），请重新输入，例如：{example}。"
        )


def parse_person_name(text: str) -> str:
    """A 2–30 character name, no digits or commands. Spaces between Chinese characters are
    dropped (`王 芳` is 王芳); other inner spaces are kept once (foreign names)."""
    name = _SPACE_BETWEEN_HAN.sub("", clean_text(text, "姓名"))
    if name.startswith("/"):
        raise InputError("姓名不能以“/”开头，请输入员工姓名（2–30个字）。")
    _refuse_formula(name, "姓名", "陈明远")
    if not NAME_MIN <= len(name) <= NAME_MAX:
        raise InputError(
            f"姓名应为{NAME_MIN}–{NAME_MAX}个字，您输入了{len(name)}个字，请重新输入。"
        )
    if any(ch.isdigit() for ch in name):
        raise InputError("姓名中不能包含数字，请重新输入员工姓名（2–30个字）。")
    if any(ch in _MARKUP for ch in name):
        raise InputError("姓名中不能包含 < > & 等符号，请重新输入员工姓名（2–30个字）。")
    if sum(unicodedata.category(ch).startswith("L") for ch in name) < NAME_MIN:
        raise InputError("姓名应由文字组成，请重新输入员工姓名（2–30个字），例如：陈明远。")
    return name


def parse_department_name(text: str) -> str:
    name = clean_text(text, "部门名称")
    if not 1 <= len(name) <= 30 or name.startswith("/"):
        raise InputError("部门名称应为1–30个字，请重新输入，例如：后厨。")
    _refuse_formula(name, "部门名称", "后厨")
    if any(ch in _MARKUP for ch in name):
        raise InputError("部门名称中不能包含 < > & 等符号，请重新输入，例如：后厨。")
    if _looks_like_a_day(name) or name.replace(".", "").replace(",", "").isdigit():
        # The answer meant for the previous question (a date or an amount), sent twice.
        raise InputError(f"“{echo(name)}”看起来不是部门名称，请输入部门名称，例如：后厨。")
    if not any(unicodedata.category(ch).startswith("L") for ch in name):
        raise InputError("部门名称应包含文字，请重新输入，例如：后厨。")
    return name


def _looks_like_a_day(text: str) -> bool:
    try:
        parse_day(text, today=date(2000, 1, 1))
    except InputError:
        return False
    return True


def parse_city_name(text: str) -> str:
    """A city name as HR type it; `市` is dropped so 北京市 and 北京 are one city."""
    name = text.strip().removesuffix("市")
    if not 2 <= len(name) <= 10 or not all("\u4e00" <= ch <= "\u9fff" for ch in name):
        raise InputError("请输入参保城市的中文名称，例如：北京、上海、成都。")
    return name


MAX_MONTHS = 36
#: The months a back-payment can concern: from the 1995 Labour Law's social insurance on,
#: up to the end of this century (the policy library refuses months it has no version for).
EARLIEST_MONTH = date(1995, 1, 1)
LATEST_MONTH = date(2099, 12, 1)
MONTHS_HINT = "例如 2025-12，或 2025-11 2025-12，或 2025-10至2025-12"
_SEPARATORS = re.compile(r"[\s,，、;；]+")
_RANGE = re.compile(r"^(.+?)\s*(?:至|到|~|～|—|--)\s*(.+)$")


def parse_months(text: str) -> list[date]:
    """`2025-12`, `2025-11 2025-12`, `2025-10至2025-12` (any mix), sorted and unique."""
    months: set[date] = set()
    for part in _SEPARATORS.split(text.strip()):
        if not part:
            continue
        ranged = _RANGE.match(part)
        if ranged:
            first, last = read_month(ranged.group(1)), read_month(ranged.group(2))
            if first is None or last is None or first > last:
                raise InputError(f"无法识别月份范围“{echo(part)}”，请重新输入（{MONTHS_HINT}）。")
            _check_window(first, part)
            _check_window(last, part)
            if _month_count(first, last) > MAX_MONTHS:
                raise InputError(
                    f"一次最多测算{MAX_MONTHS}个月，请分段输入（{MONTHS_HINT}）。"
                )
            months.update(iter_months(first, last))
            continue
        month = read_month(part)
        if month is None:
            raise InputError(f"无法识别月份“{echo(part)}”，请重新输入（{MONTHS_HINT}）。")
        _check_window(month, part)
        months.add(month)
    if not months:
        raise InputError(f"请输入要补缴的月份（{MONTHS_HINT}）。")
    if len(months) > MAX_MONTHS:
        raise InputError(f"一次最多测算{MAX_MONTHS}个月，请分段输入（{MONTHS_HINT}）。")
    return sorted(months)


def _month_count(first: date, last: date) -> int:
    return (last.year - first.year) * 12 + last.month - first.month + 1


def _check_window(month: date, typed: str) -> None:
    """Months before social insurance as we know it, or in the next century, are typos; the
    calendar arithmetic of a range ending at 9999-12 would fail, so refuse them first."""
    if not EARLIEST_MONTH <= month <= LATEST_MONTH:
        raise InputError(
            f"月份“{echo(typed)}”超出可测算范围（{EARLIEST_MONTH:%Y-%m} 至 "
            f"{LATEST_MONTH:%Y-%m}），请重新输入（{MONTHS_HINT}）。"
        )


#: How many corrected fields one 员工信息变更表 takes, and how long each part may be.
CHANGED_FIELDS_MAX = 10
CHANGED_PART_MAX = 40
CHANGED_FIELDS_HINT = "每行一项：字段 原值 新值，例如：姓名 陈明原 陈明远"
_CHANGED_SEPARATORS = re.compile(r"\s*(?:->|→|：|:)\s*|\s+")


def parse_changed_fields(text: str) -> list[tuple[str, str, str]]:
    """员工信息有误: the corrected fields, one a line as `字段 原值 新值` (also written
    `字段：原值 → 新值`)."""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    if not lines:
        raise InputError(f"请输入更正的信息，{CHANGED_FIELDS_HINT}。")
    if len(lines) > CHANGED_FIELDS_MAX:
        raise InputError(f"最多{CHANGED_FIELDS_MAX}项，您输入了{len(lines)}行，"
                         "请只保留需要更正的项后重新输入。")
    fields = []
    for number, line in enumerate(lines, 1):
        parts = [p for p in _CHANGED_SEPARATORS.split(line.replace("\u3000", " ")) if p]
        if len(parts) != 3 or any(len(p) > CHANGED_PART_MAX for p in parts):
            raise InputError(f"第{number}行“{echo(line)}”无法识别，{CHANGED_FIELDS_HINT}。")
        fields.append((parts[0], parts[1], parts[2]))
    return fields
