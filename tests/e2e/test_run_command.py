"""`hrbot run` as deployed: a separate process, a token, long polling, a clean Ctrl-C.

The Bot API address comes from HRBOT_BASE_URL, so the real command runs against the local
server; its log output must never contain the token.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from bot.local_api import LocalBotApi
from bot.services import onboarding
from models.db import make_engine, upgrade_schema

TOKEN = "987654:RUN-COMMAND-SECRET"


async def test_hrbot_run_serves_hr_and_never_logs_the_token(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'run.sqlite'}"
    engine = make_engine(url)
    upgrade_schema(engine)
    company = onboarding.create_company(engine, "示例餐饮", "北京", "Asia/Shanghai")
    assert company.id is not None
    code = onboarding.create_invite(engine, company.id, now=datetime.now(UTC), valid_days=1).code
    engine.dispose()

    with LocalBotApi(token=TOKEN) as api:
        env = {
            **os.environ,
            "HRBOT_TOKEN": TOKEN,
            "HRBOT_BASE_URL": api.base_url,
            "HRBOT_BASE_FILE_URL": api.base_file_url,
            "HRBOT_DATABASE_URL": url,
            "HRBOT_TELEGRAM_POLL_TIMEOUT": "1",
            "HRBOT_CONFIG": str(tmp_path / "absent.toml"),
        }
        process = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "run"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            api.send_message(4242, f"/start {code}")
            (joined,) = await api.wait_for_messages(4242, timeout=30)
            assert "已加入" in joined.text
            api.send_message(4242, "/todo")
            (todo,) = await api.wait_for_messages(4242, timeout=10)
            assert "没有待办" in todo.text
            # the HR's own menu (their chat's scope); strangers' default menu has no HR command
            hr_menu = {c["command"] for c in api.commands({"type": "chat", "chat_id": 4242})}
            assert hr_menu >= {"hire", "todo", "policy", "members"}
            assert {c["command"] for c in api.commands()} == {
                "start", "help", "policy", "policy_version"
            }
        finally:
            process.send_signal(signal.SIGINT)
            try:
                out, err = await asyncio.to_thread(process.communicate, timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                out, err = process.communicate()
    assert process.returncode == 0, err
    assert TOKEN not in out and TOKEN not in err
    assert "RUN-COMMAND-SECRET" not in err


def _run_until_exit(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", "run"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_a_rejected_token_is_reported_without_the_token(tmp_path: Path) -> None:
    """The server answers 401 (InvalidToken, whose message quotes the token): one clear line."""
    rejected = "111222:REJECTED-TOKEN-SECRET"
    with LocalBotApi(token=TOKEN) as api:
        env = {
            **os.environ,
            "HRBOT_TOKEN": rejected,
            "HRBOT_BASE_URL": api.base_url,
            "HRBOT_BASE_FILE_URL": api.base_file_url,
            "HRBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'run.sqlite'}",
            "HRBOT_CONFIG": str(tmp_path / "absent.toml"),
        }
        done = _run_until_exit(env)
    assert done.returncode == 2
    assert "拒绝了机器人令牌" in done.stderr
    for secret in (rejected, "REJECTED-TOKEN-SECRET"):
        assert secret not in done.stdout and secret not in done.stderr


def test_an_unreachable_server_at_start_is_reported_without_the_token(tmp_path: Path) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        **os.environ,
        "HRBOT_TOKEN": TOKEN,
        "HRBOT_BASE_URL": f"http://127.0.0.1:{port}/bot",
        "HRBOT_BASE_FILE_URL": f"http://127.0.0.1:{port}/file/bot",
        "HRBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'run.sqlite'}",
        "HRBOT_CONFIG": str(tmp_path / "absent.toml"),
    }
    done = _run_until_exit(env)
    assert done.returncode != 0
    assert "无法连接" in done.stderr
    assert "RUN-COMMAND-SECRET" not in done.stdout + done.stderr
