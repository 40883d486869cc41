"""`hrbot policies check DIR`, `import FILE`, `show CITY` and `ask QUESTION [--json]`."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from bot.channels.present import summary
from bot.cli.backpay import parse_day
from bot.cli.common import configured_today, load, print_error
from bot.cli.company import zone_label
from bot.clock import SystemClock
from bot.policy_store import policy_directory
from bot.render import format_day
from bot.services.policy_updates import (
    AffectedCompany,
    affected_companies,
    record_policy_update,
)
from bot.settings import Settings, load_settings
from policies.contributions import unconfirmed_figures
from policies.library import (
    FieldChange,
    NoVersionInForce,
    PolicyFileError,
    RegionPolicy,
    UnknownRegion,
    diff_regions,
    install_region_file,
    load_library,
    load_region_file,
)
from policies.qa import Answer, Comparison, NoAnswer, qa_for, render_item
from policies.schema import Confidence, Source, field_label, weakest


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    policies = subparsers.add_parser("policies", help="政策库：校验、导入、查看")
    actions = policies.add_subparsers(dest="action", required=True)

    check = actions.add_parser("check", help="校验目录下的全部政策文件（含子目录）")
    check.add_argument("directory", nargs="?", default=None,
                       help="政策文件目录（默认按配置 policies.directory）")
    check.set_defaults(handler=cmd_check)

    install = actions.add_parser(
        "import", help="校验并安装一个城市的政策文件，记录通知，由运行中的机器人发给该城市的HR")
    install.add_argument("file", help="城市政策文件（TOML）")
    install.add_argument("--directory", default=None,
                         help="安装到的政策目录（默认按配置 policies.directory）")
    install.add_argument("--no-notify", action="store_true", help="只安装，不记录也不通知HR")
    install.add_argument("--dry-run", action="store_true",
                         help="只校验并列出变化和将通知的公司，不安装、不记录")
    install.set_defaults(handler=cmd_import)

    show = actions.add_parser("show", help="查看某城市现行政策版本")
    show.add_argument("city", nargs="?", default="全国")
    show.add_argument("--date", type=parse_day, default=None,
                      help="查看哪一天有效的版本 YYYY-MM-DD（默认今天）")
    show.add_argument("--directory", default=None)
    show.set_defaults(handler=cmd_show)

    ask = actions.add_parser("ask", help="按机器人的方式回答一个政策问题")
    ask.add_argument("question", help="问题，例如“沪医保断缴有什么影响”")
    ask.add_argument("--city", default=None, help="提问人所在城市（问题里提到城市时以问题为准）")
    ask.add_argument("--date", type=parse_day, default=None,
                     help="按哪一天有效的政策回答 YYYY-MM-DD（默认今天）")
    ask.add_argument("--json", action="store_true", help="输出 JSON")
    ask.add_argument("--directory", default=None)
    ask.set_defaults(handler=cmd_ask)


def _settings(args: argparse.Namespace) -> Settings:
    return load_settings(getattr(args, "config", None))


def _directory(args: argparse.Namespace, given: str | None) -> Path:
    return Path(given) if given else policy_directory(_settings(args))


def policy_directories(root: Path) -> list[Path]:
    """Directories holding policy files: ``root`` itself, or those below it (policies/)."""
    if any(root.glob("*.toml")):
        return [root]
    # policies/data/calendar holds the 调休 calendar (policies/workdays.py), not region files
    return sorted({path.parent for path in root.rglob("*.toml")
                   if path.parent.name != "calendar"})


def cmd_check(args: argparse.Namespace) -> int:
    root = _directory(args, args.directory)
    if not root.is_dir():
        print_error(f"目录不存在：{root}。请给出政策文件所在目录，例如 policies/data")
        return 2
    directories = policy_directories(root)
    if not directories:
        print_error(f"{root} 下没有政策文件（*.toml）")
        return 1
    failed = False
    for directory in directories:
        try:
            library = load_library(directory)
        except PolicyFileError as error:
            print_error(f"政策文件无效：{error}")
            failed = True
            continue
        print(f"✓ {directory}")
        for region in library.regions.values():
            first, last = region.versions[0], region.versions[-1]
            end = last.effective_to.isoformat() if last.effective_to else "至今"
            unconfirmed = sum(1 for v in region.versions if v.unconfirmed)
            print(f"  {region.file:<16} {region.city:<4} {len(region.versions)} 个版本 "
                  f"{first.effective_from.isoformat()}–{end}，{len(region.questions)} 条问答"
                  + (f"，{unconfirmed} 个版本未确认" if unconfirmed else ""))
    return 1 if failed else 0


def cmd_import(args: argparse.Namespace) -> int:
    source = Path(args.file)
    if not source.is_file():
        print_error(f"文件不存在：{source}")
        return 2
    directory = _directory(args, args.directory)
    try:
        if args.dry_run:
            region = load_region_file(source)
            current = load_library(directory) if any(directory.glob("*.toml")) else None
            changes = diff_regions(current.regions.get(region.key) if current else None, region)
        else:
            region, changes = install_region_file(source, directory)
    except PolicyFileError as error:
        print_error(f"政策文件无效，未安装，现行政策不变：{error}")
        return 1
    if args.dry_run:
        print(f"✓ {source} 校验通过（试运行：未安装，未记录）")
    else:
        print(f"✓ 已安装 {region.city}（{region.key}）到 {directory}")
    if not changes:
        print("与现行文件相比没有变化。")
        return 0
    print(f"变化 {len(changes)} 项：")
    for change in changes:
        print(describe_change(change))
    if args.no_notify or region.is_national:
        return 0
    if args.dry_run:
        settings, engine = load(args)
        try:
            _print_companies(affected_companies(engine, region), region, planned=False)
        finally:
            engine.dispose()
        return 0
    settings, engine = load(args)
    try:
        return _record_notices(settings, engine, region, changes, source.name)
    finally:
        engine.dispose()


def _record_notices(settings: Settings, engine: Engine, region: RegionPolicy,
                    changes: list[FieldChange], file_name: str) -> int:
    """Record the change and plan the HR notices; the running bot's reminder tick sends them."""
    record = record_policy_update(engine, region, changes, file_name=file_name,
                                  now=SystemClock().now(), defaults=settings.reminders,
                                  notice_html=summary(region, changes))
    if not record.company_ids:
        print(f"没有参保地为{region.city}的公司，无需通知。")
        return 0
    zone = settings.company.timezone
    first = min(record.send_at.values()).astimezone(ZoneInfo(zone))
    print(f"已记录到 {len(record.company_ids)} 家{region.city}公司的操作日志，"
          f"将通知这 {len(record.company_ids)} 家公司的HR。")
    _print_companies(list(record.companies), region, planned=True)
    print("通知由运行中的机器人发送：工作时间内立即发送，否则在下一个工作日的提醒时间发送。")
    print(f"最早发送时间：{first:%Y-%m-%d %H:%M}（{zone_label(zone)}）。")
    return 0


def describe_change(change: FieldChange) -> str:
    """One change for the operator: the figure as HR will read it, then the raw values with
    their marks and sources, so a re-marked figure (S → U) is as visible as a new amount."""
    label = change.version_label or change.version
    old = change.old_text or change.old or "（无）"
    new = change.new_text or change.new or "（无）"
    human = f"  [{label}] {field_label(change.field)}：{old} → {new}"
    raw = (f"      {change.field}（版本 {change.version}）：{change.old or '（无）'} → "
           f"{change.new or '（无）'}")
    return f"{human}\n{raw}"


def _print_companies(companies: list[AffectedCompany], region: RegionPolicy, *,
                     planned: bool) -> None:
    if not companies:
        print(f"没有参保地为{region.city}的公司，无需通知。")
        return
    verb = "已计划通知" if planned else "导入后将通知"
    print(f"{verb}以下 {len(companies)} 家公司的HR（以上变化全部适用于这些公司）：")
    for company in companies:
        print(f"  #{company.id} {company.name}（{company.city}）")


def cmd_show(args: argparse.Namespace) -> int:
    directory = _directory(args, args.directory)
    try:
        library = load_library(directory)
        region = library.region(args.city)
        day = args.date or configured_today(args)
        version = region.version_for(day)
    except PolicyFileError as error:
        print_error(f"政策文件无效：{error}")
        return 1
    except (UnknownRegion, NoVersionInForce) as error:
        print_error(str(error))
        return 2
    end = version.effective_to.isoformat() if version.effective_to else "至今"
    print(f"{region.city} 现行版本：{version.label}（{version.effective_from.isoformat()}–{end}，"
          f"可信度 {version.confidence.value}）")
    if version.note:
        print(f"说明：{version.note}")
    floor = render_item("base.floor", version.base.floor)
    ceiling = render_item("base.ceiling", version.base.ceiling)
    print(f"缴费基数：{floor}–{ceiling}")
    print(f"每月截止：{format_day(region.declaration_deadline(day))}（{day:%Y-%m}）")
    unconfirmed = unconfirmed_figures(version)
    if unconfirmed:
        print("未确认：" + "、".join(unconfirmed))
    return 0


def ask_as_json(result: Answer | NoAnswer | Comparison) -> dict[str, Any]:
    """The documented shape: answered, topic, city, answer, sources [{title, date, mark}],
    unconfirmed."""
    if isinstance(result, NoAnswer):
        city = result.region.city if result.region is not None else None
        return {"answered": False, "topic": None, "city": city, "answer": result.text,
                "sources": [], "unconfirmed": False}
    answers = result.answers if isinstance(result, Comparison) else (result,)
    marks: dict[tuple[str, str], list[Confidence]] = {}
    titles: dict[tuple[str, str], Source] = {}
    for one in answers:
        for source, mark in zip(one.sources, one.source_marks, strict=True):
            key = (source.name, source.dated)
            titles.setdefault(key, source)
            marks.setdefault(key, []).append(mark)
    city = ("、".join(result.cities) if isinstance(result, Comparison) else result.region.city)
    return {
        "answered": True,
        "topic": result.topic,
        "city": city,
        "answer": result.text,
        "sources": [{"title": source.name, "date": source.dated,
                     "mark": weakest(marks[key]).value} for key, source in titles.items()],
        "unconfirmed": result.unconfirmed,
    }


def cmd_ask(args: argparse.Namespace) -> int:
    """What the bot would answer (the same library, index and rules as the chat)."""
    directory = _directory(args, args.directory)
    try:
        library = load_library(directory)
    except PolicyFileError as error:
        print_error(f"政策文件无效：{error}")
        return 1
    day = args.date or configured_today(args)
    try:
        result = qa_for(library).answer(args.question, args.city, today=day)
    except NoVersionInForce as error:
        print_error(str(error))
        return 2
    if args.json:
        print(json.dumps(ask_as_json(result), ensure_ascii=False, indent=2))
    else:
        print(result.text)
    return 0
