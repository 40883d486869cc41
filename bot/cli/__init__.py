"""The `hrbot` command. Each topic module adds its sub-commands with register(subparsers)."""

from __future__ import annotations

import argparse
import importlib
import os
from collections.abc import Sequence

from bot.cli.common import dispose_engines

#: Modules under bot.cli that contribute sub-commands, in help order.
COMMAND_MODULES = [
    "run", "chat", "company", "db", "ops", "keys", "transfer", "policies", "backpay", "case",
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hrbot", description="hrbot 社保助手")
    parser.add_argument("--config", help="path to config.toml (default ./config.toml)")
    subparsers = parser.add_subparsers(dest="command", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(f"bot.cli.{name}").register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    # PTB 22: durations (RetryAfter.retry_after …) as timedelta, without deprecation warnings.
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        result = args.handler(args)
    finally:
        dispose_engines()
    return int(result or 0)

