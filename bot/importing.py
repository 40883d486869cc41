"""Read an employee spreadsheet (.xlsx or .csv) that HR upload, and validate it like /hire.

Everything here is pure: bytes in, a preview out. Nothing is written until HR press 确认, and
then the import service stores the preview's valid rows in one transaction. Headers are matched
by Chinese or English names; a header we do not know is left for HR to map in chat.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import time
import zipfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from html import escape
from typing import TYPE_CHECKING

from bot.parsing import (
    FORMULA_STARTS,
    InputError,
    echo,
    parse_amount,
    parse_city_name,
    parse_day,
    parse_department_name,
    parse_person_name,
)
from policies.hiring import FirstDayRefused, check_first_day
from policies.idnumber import InvalidIdNumber, validate_id_number
from policies.ledger_rules import month_of, parse_month
from policies.library import PolicyLibrary

if TYPE_CHECKING:
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet

MAX_ROWS = 20_000
SUPPORTED_SUFFIXES = (".xlsx", ".csv")


class ImportFileError(ValueError):
    """The file as a whole cannot be read; `message` tells HR what to send instead."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    @property
    def html(self) -> str:
        """`message` for an HTML reply (see InputError.html)."""
        return escape(self.message, quote=False)


@dataclass(frozen=True)
class ImportField:
    """A field of the import, its Chinese label and the header spellings that mean it."""

    key: str
    label: str
    required: bool
    aliases: tuple[str, ...]
    #: Whether an unknown header is put to HR while this field is unmapped; an optional field
    #: most files lack (参保状态) would otherwise question every extra column.
    ask_when_unmapped: bool = True


FIELDS: tuple[ImportField, ...] = (
    ImportField(
        "name", "姓名", True, ("姓名", "员工姓名", "员工", "name", "employee", "employeename")
    ),
    ImportField(
        "id_number",
        "身份证号",
        True,
        ("身份证号", "身份证号码", "身份证", "证件号码", "idnumber", "id", "idcard", "idno"),
    ),
    ImportField(
        "hire_date",
        "入职日期",
        True,
        ("入职日期", "入职时间", "用工之日", "入职日", "hiredate", "firstday", "startdate"),
    ),
    ImportField("department", "部门", False, ("部门", "所属部门", "department", "dept")),
    ImportField(
        "base",
        "缴费基数",
        True,
        ("缴费基数", "社保基数", "基数", "base", "contributionbase"),
    ),
    ImportField("city", "参保地", False, ("参保地", "参保城市", "城市", "city", "insuredcity")),
    ImportField(
        "paid_months", "已缴月份", False, ("已缴月份", "已缴纳月份", "paidmonths", "paid")
    ),
    ImportField(
        "leave_date", "离职日期", False, ("离职日期", "最后工作日", "leavedate", "lastday")
    ),
    ImportField(
        "registered",
        "参保状态",
        False,
        ("参保状态", "已登记", "是否已登记", "社保登记", "是否参保", "社保状态", "registered"),
        ask_when_unmapped=False,
    ),
)
FIELD_BY_KEY: dict[str, ImportField] = {f.key: f for f in FIELDS}
IGNORE = ""  # an override value meaning "this column is not imported"

#: How far down a sheet the header row is looked for (below a title, notes, blank rows).
_HEADER_SEARCH_ROWS = 10
_ALIAS_TO_KEY = {alias: f.key for f in FIELDS for alias in f.aliases}
_HEADER_NOISE = re.compile(r"[\s_\-（）()【】\[\]:：*/]+")


def normalise_header(text: str) -> str:
    """`身份证号码（18位）` → `身份证号码`; `ID Number` → `idnumber`."""
    text = re.sub(r"[（(【\[].*?[)）】\]]", "", text)
    return _HEADER_NOISE.sub("", text).lower()


@dataclass(frozen=True)
class SheetTable:
    """The raw table: header texts and data rows as read, with their spreadsheet row numbers."""

    headers: tuple[str, ...]
    rows: tuple[tuple[object, ...], ...]
    row_numbers: tuple[int, ...]
    content_hash: str


@dataclass(frozen=True)
class ColumnMapping:
    """Which column feeds which field; `unknown` headers still await HR's choice."""

    columns: Mapping[str, int]
    unknown: tuple[tuple[int, str], ...]
    missing: tuple[str, ...]

    @property
    def needs_choice(self) -> bool:
        """HR must map a column before the preview: a header is unknown and a field is free."""
        return bool(self.unknown) and any(
            FIELD_BY_KEY[key].ask_when_unmapped for key in self.unmapped_fields
        )

    @property
    def unmapped_fields(self) -> tuple[str, ...]:
        return tuple(f.key for f in FIELDS if f.key not in self.columns)


@dataclass(frozen=True)
class ImportRow:
    """One validated employee row, ready to be stored."""

    row_number: int
    name: str
    id_number: str
    first_day: date
    department: str | None
    base: Decimal
    city: str
    paid_months: tuple[date, ...] = ()
    last_day: date | None = None
    #: 参保状态 as the sheet says (None: the column is absent or the cell empty).
    registered: bool | None = None


@dataclass(frozen=True)
class RowError:
    row_number: int
    reason: str


@dataclass
class ImportPreview:
    """What the import would do: valid rows and rejected rows with reasons."""

    valid: list[ImportRow]
    errors: list[RowError]
    mapping: ColumnMapping
    content_hash: str
    total_rows: int = field(default=0)


@dataclass(frozen=True)
class ReadLimits:
    """Hard limits on what one upload may make the bot read (config.toml [imports]).

    A spreadsheet is a zip of XML: a 2 KB file can declare a million rows, and a small zip
    can inflate to gigabytes. The reader stops at the first limit it reaches and refuses
    the file with the limit named; the deadline is checked while reading rows.
    """

    max_file_bytes: int = 10 * 1024 * 1024
    max_unzipped_bytes: int = 50 * 1024 * 1024
    max_rows: int = MAX_ROWS
    max_columns: int = 50
    max_cells: int = 500_000
    max_seconds: float = 20.0


class _Budget:
    """Counts what the reader has read against the limits; refuses the file when one is hit."""

    def __init__(self, limits: ReadLimits) -> None:
        self.limits = limits
        self.cells = 0
        self.deadline = time.monotonic() + limits.max_seconds

    def row(self, number: int, width: int) -> None:
        limits = self.limits
        if number > limits.max_rows:
            raise ImportFileError(
                f"表格超过{limits.max_rows}行，请拆分成每份不超过{limits.max_rows}行后分批发送。"
            )
        if width > limits.max_columns:
            raise ImportFileError(
                f"表格第{number}行超过{limits.max_columns}列。请只保留员工信息各列"
                "（姓名、身份证号、入职日期…），删除多余的列后重新发送。"
            )
        self.cells += width
        if self.cells > limits.max_cells:
            raise ImportFileError(
                f"表格的单元格超过{limits.max_cells}个，请删除多余的行和列或拆分后分批发送。"
            )
        if time.monotonic() > self.deadline:
            raise ImportFileError(
                f"读取表格超过{limits.max_seconds:g}秒仍未完成，请删除多余的行、列和格式，"
                "或另存为 .csv 后重新发送。"
            )


def read_table(filename: str, data: bytes, limits: ReadLimits | None = None) -> SheetTable:
    """Read the first sheet of an .xlsx or a .csv (UTF-8, UTF-8 with BOM, or GBK).

    Only the cells really present are read (a sheet's declared dimension is ignored), within
    `limits`; a file beyond one is refused with ImportFileError naming it.
    """
    limits = limits or ReadLimits()
    if len(data) > limits.max_file_bytes:
        megabytes = limits.max_file_bytes // (1024 * 1024)
        raise ImportFileError(f"文件超过{megabytes}MB，请拆分后分批发送。")
    budget = _Budget(limits)
    suffix = filename.lower().rsplit(".", 1)[-1] if "." in filename else ""
    if suffix == "xlsx":
        raw = _xlsx_rows(data, budget)
    elif suffix == "csv":
        raw = _csv_rows(data, budget)
    else:
        raise ImportFileError("请发送 .xlsx 或 .csv 格式的员工表（第一行为表头）。")
    title_rows = _rows_above_header(raw)
    headers: tuple[str, ...] | None = None
    rows: list[tuple[object, ...]] = []
    numbers: list[int] = []
    for number, values in enumerate(raw, start=1):
        if number <= title_rows or not any(_present(v) for v in values):
            continue
        if headers is None:
            headers = tuple("" if v is None else str(v).strip() for v in values)
            continue
        rows.append(tuple(values))
        numbers.append(number)
    if headers is None:
        raise ImportFileError("文件是空的：请在第一行填写表头（姓名、身份证号、入职日期…）。")
    return SheetTable(headers, tuple(rows), tuple(numbers), hashlib.sha256(data).hexdigest())


def table_to_json(table: SheetTable) -> str:
    """The read table as JSON, cell types kept (a date stays a date, a number a number)."""
    return json.dumps(
        {
            "headers": table.headers,
            "rows": [[_cell_to_json(v) for v in row] for row in table.rows],
            "numbers": table.row_numbers,
            "hash": table.content_hash,
        },
        ensure_ascii=False,
        separators=(",", ":"),
    )


def table_from_json(text: str) -> SheetTable:
    data = json.loads(text)
    return SheetTable(
        tuple(data["headers"]),
        tuple(tuple(_cell_from_json(v) for v in row) for row in data["rows"]),
        tuple(data["numbers"]),
        data["hash"],
    )


def _cell_to_json(value: object) -> object:
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return {"f": repr(value)}
    if isinstance(value, datetime):
        return {"dt": value.isoformat()}
    if isinstance(value, date):
        return {"d": value.isoformat()}
    return str(value)  # a time or a duration: no field reads one, keep its text


def _cell_from_json(value: object) -> object:
    if not isinstance(value, dict):
        return value
    if "f" in value:
        return float(value["f"])
    if "dt" in value:
        return datetime.fromisoformat(value["dt"])
    return date.fromisoformat(value["d"])


def _rows_above_header(raw: list[tuple[object, ...]]) -> int:
    """How many rows (a merged title, a date line…) stand above the header row.

    The header is the first of the top rows naming at least two known fields; without one,
    the first non-empty row is the header, and its unknown texts are mapped by HR.
    """
    for index, values in enumerate(raw[:_HEADER_SEARCH_ROWS]):
        texts = [normalise_header(str(v)) for v in values if _present(v)]
        known = {_ALIAS_TO_KEY[t] for t in texts if t in _ALIAS_TO_KEY}
        if len(known) >= 2:
            return index
    return 0


def _present(value: object) -> bool:
    return value is not None and not (isinstance(value, str) and not value.strip())


_UNREADABLE_XLSX = "无法读取这个 .xlsx 文件，请在 Excel/WPS 中另存为 .xlsx 后重新发送。"


def _xlsx_rows(data: bytes, budget: _Budget) -> list[tuple[object, ...]]:
    from openpyxl import load_workbook  # with the first spreadsheet (bot/documents/office.py)

    _check_unzipped_size(data, budget.limits)
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several types for a damaged file
        raise ImportFileError(_UNREADABLE_XLSX) from exc
    try:
        sheet = book.worksheets[0]
        # The declared <dimension> (A1:XFD1048576 in a 2 KB bomb) would make openpyxl pad
        # every row to it; forget it and read only the cells the sheet really contains.
        sheet.reset_dimensions()  # type: ignore[union-attr]
        rows: list[tuple[object, ...]] = []
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            values = _trimmed(values)
            budget.row(number, len(values))
            rows.append(values)
        return rows
    except ImportFileError:
        raise
    except Exception as exc:  # a damaged sheet part, a bad shared-string index …
        raise ImportFileError(_UNREADABLE_XLSX) from exc
    finally:
        book.close()


def _check_unzipped_size(data: bytes, limits: ReadLimits) -> None:
    """Refuse a zip that inflates beyond the limit, before any part of it is inflated.

    zipfile never inflates a member beyond the size its directory declares, so the
    declared sizes bound what reading can cost.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            inflated = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise ImportFileError(_UNREADABLE_XLSX) from exc
    if inflated > limits.max_unzipped_bytes:
        megabytes = limits.max_unzipped_bytes // (1024 * 1024)
        raise ImportFileError(
            f"这个 .xlsx 解压后超过{megabytes}MB，不像员工表。请删除多余的工作表、图片和格式，"
            "或另存为 .csv 后重新发送。"
        )


def _trimmed(values: Iterable[object]) -> tuple[object, ...]:
    """A row without its trailing empty cells (formatting alone makes openpyxl pad a row)."""
    row = list(values)
    while row and not _present(row[-1]):
        row.pop()
    return tuple(row)


def _csv_rows(data: bytes, budget: _Budget) -> list[tuple[object, ...]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ImportFileError("无法识别 .csv 文件的编码，请另存为 UTF-8 编码的 CSV 后重新发送。")
    rows: list[tuple[object, ...]] = []
    try:
        for number, values in enumerate(csv.reader(io.StringIO(text, newline="")), start=1):
            row = _trimmed(values)
            budget.row(number, len(row))
            rows.append(row)
    except csv.Error as exc:  # a field beyond csv's size limit, a NUL byte …
        raise ImportFileError(
            "无法读取这个 .csv 文件（某个单元格过长或含有无效字符），请检查后重新发送。"
        ) from exc
    return rows


def match_headers(
    headers: Iterable[str], overrides: Mapping[str, str] | None = None
) -> ColumnMapping:
    """Match header texts to fields; `overrides` (header → field key or IGNORE) come from HR."""
    overrides = overrides or {}
    columns: dict[str, int] = {}
    unknown: list[tuple[int, str]] = []
    for index, header in enumerate(headers):
        if not header:
            continue
        if header in overrides:
            key = overrides[header]
            if key and key not in columns:
                columns[key] = index
            continue
        key = _ALIAS_TO_KEY.get(normalise_header(header))
        if key is None:
            unknown.append((index, header))
        elif key not in columns:
            columns[key] = index
    missing = tuple(f.key for f in FIELDS if f.required and f.key not in columns)
    return ColumnMapping(columns, tuple(unknown), missing)


def build_preview(
    table: SheetTable,
    mapping: ColumnMapping,
    *,
    today: date,
    default_city: str,
    known_cities: frozenset[str] | None = None,
    canonical_city: Callable[[str], str | None] | None = None,
) -> ImportPreview:
    """Validate every row as /hire would; each refusal keeps its row number and reason."""
    valid: list[ImportRow] = []
    errors: list[RowError] = []
    first_row_of_id: dict[str, int] = {}
    cols = mapping.columns
    for number, values in zip(table.row_numbers, table.rows, strict=True):

        def cell(key: str, values: tuple[object, ...] = values) -> object:
            index = cols.get(key)
            return values[index] if index is not None and index < len(values) else None

        try:
            row = _validate_row(
                number,
                cell,
                today=today,
                default_city=default_city,
                known_cities=known_cities,
                canonical_city=canonical_city,
            )
        except _RowRefused as refused:
            errors.append(RowError(number, refused.reason))
            continue
        earlier = first_row_of_id.get(row.id_number)
        if earlier is not None:
            errors.append(
                RowError(number, f"身份证号码与第{earlier}行重复，同一员工只能出现一次。")
            )
            continue
        first_row_of_id[row.id_number] = number
        valid.append(row)
    return ImportPreview(valid, errors, mapping, table.content_hash, len(table.rows))


class _RowRefused(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _validate_row(
    number: int,
    cell: Callable[[str], object],
    *,
    today: date,
    default_city: str,
    known_cities: frozenset[str] | None,
    canonical_city: Callable[[str], str | None] | None = None,
) -> ImportRow:
    name = _text(cell("name"))
    if not name:
        raise _RowRefused("姓名为空，请填写员工姓名。")
    try:
        name = parse_person_name(name)
        id_number = _id_number(cell("id_number"), today)
        first_day = _sheet_day(cell("hire_date"), "入职日期", today)
        check_first_day(first_day, today=today)
        department_text = _text(cell("department"))
        department = parse_department_name(department_text) if department_text else None
        base = _base(cell("base"))
        city_text = _text(cell("city"))
        city = (canonical_city(city_text) if canonical_city and city_text else None) or (
            parse_city_name(city_text) if city_text else default_city
        )
        leave_value = cell("leave_date")
        last_day = _sheet_day(leave_value, "离职日期", today) if _present(leave_value) else None
        paid = parse_paid_months(_text(cell("paid_months")))
        registered = parse_registered(_text(cell("registered")))
    except (InputError, InvalidIdNumber, FirstDayRefused) as exc:
        raise _RowRefused(exc.message) from None
    if known_cities is not None and city not in known_cities:
        supported = "、".join(sorted(known_cities)) or "无"
        raise _RowRefused(f"暂不支持参保地“{echo(city)}”，目前支持：{supported}。")
    if last_day is not None and last_day < first_day:
        raise _RowRefused("离职日期早于入职日期，请检查这两列。")
    last_month = month_of(min(last_day or today, today))
    for month in paid:
        if not month_of(first_day) <= month <= last_month:
            raise _RowRefused(
                f"已缴月份 {month:%Y-%m} 不在任职期间"
                f"（{first_day:%Y-%m} 至 {last_month:%Y-%m}）内。"
            )
    return ImportRow(
        number, name, id_number, first_day, department, base, city, paid, last_day, registered
    )


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


#: A 身份证 a spreadsheet showed as a number: 1.10105E+17 (the last digits are gone).
_SCIENTIFIC = re.compile(r"\d+(\.\d+)?[eE]\+?\d+")


def _id_number(value: object, today: date) -> str:
    text = _text(value)
    if not text:
        raise InputError("身份证号码为空，请填写18位身份证号码。")
    try:
        return validate_id_number(text, today=today).value
    except InvalidIdNumber as exc:
        if isinstance(value, int | float) or _SCIENTIFIC.fullmatch(text):
            raise InputError(
                "身份证号码被表格存成了数字，末几位可能已丢失；请把该列设为“文本”格式后重新填写。"
            ) from None
        raise exc


def _sheet_day(value: object, label: str, today: date) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if 20_000 < value < 80_000:  # an Excel serial day number the sheet did not format
            from openpyxl.utils.datetime import from_excel

            converted = from_excel(value)
            return converted.date() if isinstance(converted, datetime) else converted
        value = _text(value)  # e.g. 20261201 typed as a number
    text = _text(value)
    if not text:
        raise InputError(f"{label}为空，请按 2026-12-01 的格式填写。")
    try:
        return parse_day(text, today=today)
    except InputError:
        raise InputError(f"{label}“{echo(text)}”无法识别，请按 2026-12-01 的格式填写。") from None


def _base(value: object) -> Decimal:
    if isinstance(value, float):
        value = Decimal(repr(value))
    text = _text(value)
    if not text:
        raise InputError("缴费基数为空，请填写金额（元），例如 7162.00。")
    try:
        return parse_amount(text)
    except InputError as exc:
        raise InputError(f"缴费基数：{exc.message}") from None


_MONTH_TOKEN = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?")
_RANGE_MARK = re.compile(r"[~～至到]|—|–|\s-\s|(?<=\d)-(?=\d{4})")


def parse_paid_months(text: str) -> tuple[date, ...]:
    """Read 已缴月份 such as `2026-01~2026-06`, `2026-01至2026-03, 2026-05` or `2026年7月`."""
    if not text:
        return ()
    months: set[date] = set()
    for token in filter(None, (t.strip() for t in re.split(r"[,，;；、]+", text))):
        found = [(m.group(0), m.start(), m.end()) for m in _MONTH_TOKEN.finditer(token)]
        parsed = [parse_month(raw) for raw, _, _ in found]
        if not found or any(m is None for m in parsed) or len(found) > 2:
            raise InputError(
                f"已缴月份“{echo(token)}”无法识别，请写成 2026-01~2026-06 或 2026-01,2026-03。"
            )
        if len(found) == 2:
            between = token[found[0][2] : found[1][1]]
            if not _RANGE_MARK.search(between) and between.strip() != "-":
                raise InputError(f"已缴月份“{echo(token)}”无法识别，区间请写成 2026-01~2026-06。")
            start, end = parsed[0], parsed[1]
            assert start is not None and end is not None
            if end < start:
                raise InputError(f"已缴月份“{echo(token)}”的结束月份早于开始月份。")
            month = start
            while month <= end:
                months.add(month)
                month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
        else:
            assert parsed[0] is not None
            months.add(parsed[0])
    return tuple(sorted(months))


_REGISTERED = {"已参保", "已登记", "已增员", "参保", "在保", "正常", "正常参保", "是", "已", "有",
               "y", "yes", "true", "1", "√", "✓"}
_UNREGISTERED = {"未参保", "未登记", "未增员", "待登记", "待参保", "否", "未", "无", "n", "no",
                 "false", "0", "×", "✗"}


def parse_registered(text: str) -> bool | None:
    """参保状态 / 已登记: 已参保, 是, Y → True; 未登记, 否, N → False; empty → None."""
    value = text.strip().lower()
    if not value:
        return None
    if value in _REGISTERED:
        return True
    if value in _UNREGISTERED:
        return False
    raise InputError(f"参保状态“{text}”无法识别，请填写“已登记”或“未登记”（也可填 是/否）。")


def errors_workbook(table: SheetTable, errors: Iterable[RowError]) -> bytes:
    """An .xlsx of the refused rows: row number, reason, then the row as HR sent it."""
    from openpyxl import Workbook

    by_number = dict(zip(table.row_numbers, table.rows, strict=True))
    book = Workbook(write_only=True)
    sheet = book.create_sheet("导入错误")
    sheet.append(["行号", "错误原因", *(text_cell(sheet, h) for h in table.headers)])
    for error in errors:
        values = by_number.get(error.row_number, ())
        sheet.append(
            [error.row_number, error.reason, *(text_cell(sheet, _cell_out(v)) for v in values)]
        )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _cell_out(value: object) -> object:
    """Keep long digit strings as text so Excel does not round a 身份证 into a float."""
    return value if not isinstance(value, int) or abs(value) < 10**15 else str(value)


def without_control_characters(text: str) -> str:
    """`text` without the control characters a spreadsheet cannot store (openpyxl's list)."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    return ILLEGAL_CHARACTERS_RE.sub("", text)


def text_cell(sheet: WriteOnlyWorksheet, value: object) -> object:
    """A value for a written sheet: text always as a string cell, never a formula.

    openpyxl turns any text starting with `=` into a live formula; a name such as
    `=HYPERLINK(...)` or a department `=cmd|' /C calc'!A0` must open as the text it is
    (OWASP CSV injection). Text that Excel or WPS would still read as a formula when the
    cell is edited carries the quote prefix (`'`), which is shown nowhere.
    """
    from openpyxl.cell import WriteOnlyCell

    if not isinstance(value, str):
        return value
    # Control characters cannot be stored in a sheet at all (openpyxl raises): an uploaded
    # cell with one is shown in the errors file without it.
    value = without_control_characters(value)
    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"
    if value[:1] in FORMULA_STARTS or value[:1] in "\t\r":
        cell.quotePrefix = True
    return cell


def read_new_bases(table: SheetTable) -> tuple[dict[str, Decimal], list[RowError]]:
    """New 缴费基数 per 身份证 from a two-column sheet (身份证号 + 缴费基数) for the yearly
    adjustment; other columns (姓名, 部门 …) may be present and are ignored."""
    mapping = match_headers(table.headers)
    if "id_number" not in mapping.columns or "base" not in mapping.columns:
        raise ImportFileError(
            "调整基数的文件需要“身份证号”和“缴费基数”两列，请补充表头后重新发送。"
        )
    id_col, base_col = mapping.columns["id_number"], mapping.columns["base"]
    bases: dict[str, Decimal] = {}
    errors: list[RowError] = []
    for number, values in zip(table.row_numbers, table.rows, strict=True):
        try:
            id_number = normalise_id(_text(values[id_col] if id_col < len(values) else None))
            bases[id_number] = _base(values[base_col] if base_col < len(values) else None)
        except InputError as exc:
            errors.append(RowError(number, exc.message))
    return bases, errors


def normalise_id(text: str) -> str:
    """The 身份证 as stored (upper-case X, no blanks); the lookup then says if it is known."""
    if not text:
        raise InputError("身份证号码为空。")
    return text.replace(" ", "").upper()


def known_cities(library: PolicyLibrary | None) -> frozenset[str] | None:
    """Cities an import may name; None (anything) when no library is loaded."""
    if library is None:
        return None
    names = set()
    for city, _key in library.city_aliases().items():
        names.add(city.removesuffix("市"))
    return frozenset(names) or None
