"""`hrbot keys new` and `hrbot keys rotate`: the key that seals 身份证 and robots' URLs.

`rotate` re-seals every secret under a new key (bot/services/keys.py), then puts the new key
where the old one was: in the key file (the old key kept beside it as ``<key file>.old``), or,
when the key comes from HRBOT_SECRET_KEY, it tells the operator to set the new one. Stopped
half-way, the same command finishes the job: the new key waits in ``<key file>.new`` (or
--new-key-file) until the end. docs/deploy.md has the steps.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from bot.cli.common import load, print_error
from bot.secret_box import is_key_configured
from bot.services.keys import is_same_key, rotate_secrets
from bot.settings import load_settings
from models.sealed import secret_box_of
from models.secret_box import SecretBox, SecretKeyInvalid, read_key_file, write_key_file

TABLE_NAMES = {
    "employee": "员工身份证", "ptb_state": "对话草稿", "pending_upload": "待导入表格",
    "backpay_case": "补缴案例更正信息", "robot_endpoint": "群机器人",
}


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    keys = subparsers.add_parser("keys", help="加密密钥：生成、轮换（身份证、群机器人地址）")
    actions = keys.add_subparsers(dest="keys_command", required=True)
    new = actions.add_parser(
        "new", help="生成密钥文件（[secrets] key_file，已存在则不覆盖）",
        description="生成 32 字节随机密钥，写入 config.toml 中 [secrets] key_file 指定的文件"
                    "（权限 0600）。正式运行（hrbot run / worker）前必须配置密钥。")
    new.set_defaults(handler=cmd_new)
    rotate = actions.add_parser(
        "rotate", help="用新密钥重新加密所有敏感数据（请先停止机器人）",
        description="用新密钥重新加密身份证、对话草稿、待导入表格和群机器人地址。"
                    "可重复执行：中断后再次运行会从中断处继续。")
    rotate.add_argument("--new-key-file", type=Path,
                        help="新密钥文件（默认 <key_file>.new，不存在时自动生成）")
    rotate.set_defaults(handler=cmd_rotate)


def cmd_new(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)
    path = Path(settings.secrets.key_file).expanduser()
    if write_key_file(path):
        print(f"已生成密钥文件 {path}（权限 0600）。请把它与数据库备份分开妥善保存：丢失后"
              "已加密的身份证无法恢复。")
        return 0
    print(f"密钥文件 {path} 已存在，未改动。")
    return 0


def cmd_rotate(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)
    if not is_key_configured(settings):
        print_error("未配置加密密钥（HRBOT_SECRET_KEY 或密钥文件），没有可轮换的密钥。")
        return 2
    key_file = Path(settings.secrets.key_file).expanduser()
    new_path = (args.new_key_file or key_file.with_name(key_file.name + ".new")).expanduser()
    write_key_file(new_path)
    try:
        new = SecretBox(read_key_file(new_path))
    except SecretKeyInvalid:
        print_error(f"{new_path} 中不是有效的密钥（32 字节 urlsafe base64）。")
        return 2
    settings, engine = load(args)  # the schema is brought up to date with the old key
    old = secret_box_of(engine)
    if is_same_key(old, new):
        print(f"当前配置的密钥已是 {new_path} 中的新密钥，无需轮换；可删除该文件。")
        return 0
    report = rotate_secrets(engine, old, new)
    for table, label in TABLE_NAMES.items():
        print(f"{label}：重新加密 {report.resealed.get(table, 0)} 条，"
              f"已是新密钥 {report.already_new.get(table, 0)} 条")
    if settings.secrets.key is not None:
        print(f"所有数据已改用新密钥。请把 HRBOT_SECRET_KEY 改为 {new_path} 中的内容，"
              "再启动机器人；确认无误后删除该文件。")
        return 0
    old_copy = key_file.with_name(key_file.name + ".old")
    old_copy.unlink(missing_ok=True)
    write_key_file(old_copy, key_file.read_text(encoding="ascii").strip())
    os.replace(new_path, key_file)
    print(f"所有数据已改用新密钥，{key_file} 已更新（旧密钥保存在 {old_copy}，"
          "确认机器人正常后请删除）。")
    return 0
