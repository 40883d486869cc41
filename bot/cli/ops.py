"""`hrbot status` and `hrbot backup PATH`: what an operator runs on the server."""

from __future__ import annotations

import argparse
import json
import shlex
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy.engine import make_url

from bot.cli.common import load, print_error
from bot.cli.company import zone_label
from bot.clock import SystemClock
from bot.services import operations

#: A scheduler that has not ticked for this many tick intervals is reported as stalled.
STALLED_AFTER_TICKS = 3


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    status = subparsers.add_parser(
        "status", help="运行状态：数据库、结构版本、最近调度、提醒队列",
        description="检查数据库能否连接、结构是否最新、调度器最近一次运行时间、"
                    "待发送与发送失败的提醒数。有问题时退出码为 1。")
    status.add_argument("--json", action="store_true", help="输出 JSON")
    status.set_defaults(handler=cmd_status)

    backup = subparsers.add_parser(
        "backup", help="备份数据库（SQLite 在线备份；PostgreSQL 给出 pg_dump 命令）")
    backup.add_argument("path", type=Path,
                        help="备份文件路径，例如 backups/hrbot-2026-12-01.sqlite")
    backup.set_defaults(handler=cmd_backup)


def _local(moment: datetime | None, zone: ZoneInfo) -> str:
    return f"{moment.astimezone(zone):%Y-%m-%d %H:%M:%S}" if moment else "从未"


def cmd_status(args: argparse.Namespace) -> int:
    settings, engine = load(args, migrate=False)
    now = SystemClock().now()
    status = operations.read_status(engine, now)
    tick = settings.reminders.tick_seconds
    last = status.last_tick
    stalled = last is None or (now - last).total_seconds() > STALLED_AFTER_TICKS * tick
    if args.json:
        print(json.dumps(_as_json(status, stalled), ensure_ascii=False, indent=2))
        return 0 if status.healthy and not stalled else 1
    zone = ZoneInfo(settings.company.timezone)
    label = zone_label(settings.company.timezone)
    if not status.reachable:
        print(f"✗ 数据库（{status.backend}）无法连接：{status.error}")
        return 1
    print(f"✓ 数据库（{status.backend}）可以连接")
    if status.schema_current:
        print(f"✓ 数据库结构为最新版本 {status.head}")
    else:
        print(f"✗ 数据库结构为 {status.revision or '空库'}，最新为 {status.head}："
              "请运行 hrbot db upgrade（或启动机器人，启动时会自动升级）")
    mark = "✗" if stalled else "✓"
    print(f"{mark} 调度器最近一次运行：{_local(last, zone)}（{label}）"
          + (f"，已超过 {STALLED_AFTER_TICKS} 个周期（{tick:g} 秒/次）未运行" if stalled else ""))
    for beat in status.heartbeats[:10]:
        print(f"    {beat.worker}（{beat.mode}）启动于 {_local(beat.started_at, zone)}，"
              f"最近 {_local(beat.ticked_at, zone)}")
    if status.queued is not None:
        print(f"  待发送提醒 {status.queued} 条（其中已到期 {status.due} 条），"
              f"发送失败 {status.failed} 条")
    if status.failed:
        print("  发送失败的提醒显示在相关公司的 /todo 中。")
    return 0 if status.healthy and not stalled else 1


def _as_json(status: operations.Status, stalled: bool) -> dict[str, object]:
    def iso(moment: datetime | None) -> str | None:
        return moment.isoformat() if moment else None

    return {
        "database": {"backend": status.backend, "reachable": status.reachable,
                     "error": status.error},
        "schema": {"revision": status.revision, "head": status.head,
                   "current": status.schema_current},
        "scheduler": {
            "last_tick": iso(status.last_tick),
            "stalled": stalled,
            "processes": [
                {"worker": b.worker, "mode": b.mode, "started_at": iso(b.started_at),
                 "ticked_at": iso(b.ticked_at)}
                for b in status.heartbeats
            ],
        },
        "reminders": {"queued": status.queued, "due": status.due, "failed": status.failed},
    }


def cmd_backup(args: argparse.Namespace) -> int:
    settings, _ = load(args, migrate=False)
    url = settings.database.url
    backend = make_url(url).get_backend_name()
    if backend == "postgresql":
        command = shlex.join(operations.pg_dump_command(url, args.path))
        print("PostgreSQL 请用 pg_dump 备份（数据库运行中也可执行），运行：")
        print(f"  {command}")
        restore = f"pg_restore --clean --if-exists --dbname=<数据库> {shlex.quote(str(args.path))}"
        print(f"恢复：{restore}")
        return 0
    if backend != "sqlite":
        print_error(f"不支持备份 {backend} 数据库，请使用该数据库自带的备份工具。")
        return 2
    try:
        size = operations.backup_sqlite(url, args.path)
    except operations.BackupRefused as refused:
        reasons = {
            "memory": "内存数据库无法备份。",
            "missing": f"数据库文件不存在：{make_url(url).database}",
            "exists": f"{args.path} 已存在，请换一个文件名（不会覆盖已有备份）。",
        }
        print_error(reasons[refused.reason])
        return 2
    print(f"已备份到 {args.path}（{size / 1024:,.0f} KB）。机器人运行中也可备份；"
          "恢复时停止机器人，用备份文件替换数据库文件。")
    return 0
