"""`hrbot case documents CASE_ID --out DIR`: a back-payment case's files, as 生成文件 sends them.

The operator holds the database, so the files carry the full 身份证 like HR's private copy;
they are written with owner-only permissions.
"""

from __future__ import annotations

import argparse
import os
from datetime import UTC, datetime
from pathlib import Path

from bot.cli.common import load, print_error
from bot.documents import case_documents
from bot.policy_store import policy_directory
from bot.services import cases
from bot.services.errors import CaseNotFound
from policies.library import PolicyFileError, load_library


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    case = subparsers.add_parser("case", help="补缴案例")
    actions = case.add_subparsers(dest="action", required=True)
    docs = actions.add_parser("documents", help="生成补缴案例的文件（申报表、说明函等）")
    docs.add_argument("case_id", type=int, help="案例编号（/cases 中的 #编号）")
    docs.add_argument("--out", required=True, type=Path, help="输出目录（不存在时自动创建）")
    docs.set_defaults(handler=cmd_documents)


def cmd_documents(args: argparse.Namespace) -> int:
    settings, engine = load(args)
    try:
        library = load_library(policy_directory(settings))
    except PolicyFileError as error:
        print_error(f"政策文件无效：{error}")
        return 1
    try:
        facts = cases.case_facts_for_operator(engine, library, args.case_id, datetime.now(UTC))
    except CaseNotFound:
        print_error(f"没有编号为 {args.case_id} 的补缴案例。请在机器人中发送 /cases 查看编号。")
        return 2
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    for document in case_documents(facts, full_id=True):
        path = out / document.filename
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(document.content)
        print(path)
    return 0
