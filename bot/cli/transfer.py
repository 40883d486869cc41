"""`hrbot import FILE --company ID` and `hrbot export --company ID --out FILE`."""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import Engine
from sqlmodel import Session

from bot.cli.common import load, print_error
from bot.cli.company import zone_label
from bot.exporting import export_workbook
from bot.importing import FIELD_BY_KEY, IGNORE
from bot.services import transfer
from bot.services.access import Member
from models.company import Company, Role
from policies.library import DEFAULT_DIRECTORY, load_library
from policies.timezones import today_in

#: Audit rows written from the command line carry this actor id.
CLI_ACTOR = 0


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    importer = subparsers.add_parser(
        "import", help="从 .xlsx/.csv 导入员工（先预览，--yes 才写入）"
    )
    importer.add_argument("file", type=Path)
    importer.add_argument(
        "--company", type=int, required=True, help="公司ID（hrbot company list）"
    )
    importer.add_argument("--yes", action="store_true", help="确认导入（不加则只预览）")
    importer.add_argument(
        "--map",
        action="append",
        default=[],
        metavar="表头=字段",
        help="无法识别的表头对应的字段，如 到岗时间=hire_date；字段留空表示忽略该列",
    )
    importer.add_argument("--errors", type=Path, help="把有误的行写入该 .xlsx 文件")
    importer.set_defaults(handler=cmd_import)

    exporter = subparsers.add_parser("export", help="导出员工与社保台账为 .xlsx")
    exporter.add_argument("--company", type=int, required=True)
    exporter.add_argument("--out", type=Path, required=True)
    exporter.set_defaults(handler=cmd_export)


def cli_member(engine: Engine, company_id: int) -> Member | None:
    """Act for a company as its HR would, from the server's command line."""
    with Session(engine) as session:
        company = session.get(Company, company_id)
        if company is None:
            return None
        return Member(CLI_ACTOR, company_id, company.name, company.city, company.timezone, Role.HR)


def _overrides(pairs: list[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for pair in pairs:
        header, _, key = pair.partition("=")
        if key and key not in FIELD_BY_KEY:
            raise ValueError(f"未知字段 {key}，可选：{'、'.join(FIELD_BY_KEY)}")
        found[header.strip()] = key.strip() or IGNORE
    return found


def cmd_import(args: argparse.Namespace) -> int:
    settings, engine = load(args)
    member = cli_member(engine, args.company)
    if member is None:
        print_error(f"没有ID为 {args.company} 的公司，请用 hrbot company list 查看。")
        return 2
    try:
        overrides = _overrides(args.map)
        table = transfer.read_import_table(args.file.name, args.file.read_bytes())
    except (OSError, ValueError) as error:
        print_error(getattr(error, "message", str(error)))
        return 2
    library = load_library(settings.policies.directory or DEFAULT_DIRECTORY)
    today = today_in(member.timezone, datetime.now(UTC))
    plan = transfer.plan_import(engine, member, table, overrides, today=today, library=library)
    mapping = plan.mapping
    if mapping.needs_choice or mapping.missing:
        for _, header in mapping.unknown:
            print_error(
                f"无法识别表头“{header}”，请用 --map '{header}=字段' 指定（或 '{header}=' 忽略）"
            )
        for key in mapping.missing:
            print_error(f"缺少必填列：{FIELD_BY_KEY[key].label}")
        return 2
    if plan.already_imported_on is not None:
        imported_at = plan.already_imported_on.astimezone(ZoneInfo(member.timezone))
        print(f"该文件已于 {imported_at:%Y-%m-%d %H:%M}（{zone_label(member.timezone)}）导入过，"
              "未做任何更改。")
        return 0
    print(
        f"共 {plan.preview.total_rows} 行：新增 {len(plan.new_rows)}，再次入职 "
        f"{len(plan.rehire_rows)}，已登记跳过 {len(plan.existing_rows)}，"
        f"有误 {len(plan.preview.errors)}"
    )
    for error in plan.preview.errors[:20]:
        print(f"  第{error.row_number}行：{error.reason}")
    if args.errors and plan.preview.errors:
        args.errors.write_bytes(plan.errors_file())
        print(f"错误明细已写入 {args.errors}")
    if not args.yes:
        print("仅预览，未写入。确认无误后加 --yes 重新运行。")
        return 0
    started = time.perf_counter()

    def progress(done: int, total: int) -> None:
        print(f"\r正在导入… {done}/{total}", end="", file=sys.stderr, flush=True)

    outcome = transfer.confirm_import(
        engine,
        member,
        args.file.name,
        table,
        overrides,
        today=today,
        library=library,
        progress=progress,
    )
    print(file=sys.stderr)
    print(
        f"导入完成：新增 {outcome.created}，再次入职 {outcome.rehired}，"
        f"台账 {outcome.ledger_rows} 条，用时 {time.perf_counter() - started:.2f} 秒。"
    )
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    _, engine = load(args)
    member = cli_member(engine, args.company)
    if member is None:
        print_error(f"没有ID为 {args.company} 的公司，请用 hrbot company list 查看。")
        return 2
    args.out.write_bytes(export_workbook(engine, member))
    print(f"已导出到 {args.out}（含身份证号码与缴费基数，请妥善保管）。")
    return 0
