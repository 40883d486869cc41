"""`hrbot run --webhook URL --listen HOST --port N` as deployed: a separate process behind which
the local Bot API server POSTs updates (as Telegram does after setWebhook) with the secret token.

A request without the right X-Telegram-Bot-Api-Secret-Token is refused and changes nothing; the
JSON log lines hold neither the token, the webhook secret nor the 身份证 a user typed.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.local_api import LocalBotApi
from bot.services import onboarding
from models.db import make_engine, upgrade_schema

TOKEN = "987654:WEBHOOK-MODE-TOKEN"
SECRET = "right-webhook-secret_42"
ID_NUMBER = "110101199003071233"
CHAT = 4242


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def post(url: str, update: dict[str, object], secret: str | None) -> int:
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    request = urllib.request.Request(url, data=json.dumps(update).encode(), headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return error.code


def todo_update(update_id: int) -> dict[str, object]:
    return {
        "update_id": update_id,
        "message": {
            "message_id": 900 + update_id, "date": int(datetime.now(UTC).timestamp()),
            "chat": {"id": CHAT, "type": "private", "first_name": "王芳"},
            "from": {"id": CHAT, "is_bot": False, "first_name": "王芳"},
            "text": "/todo", "entities": [{"type": "bot_command", "offset": 0, "length": 5}],
        },
    }


async def test_webhook_serves_updates_with_the_secret_and_refuses_others(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'webhook.sqlite'}"
    engine = make_engine(url)
    upgrade_schema(engine)
    company = onboarding.create_company(engine, "示例餐饮", "北京", "Asia/Shanghai")
    assert company.id is not None
    code = onboarding.create_invite(engine, company.id, now=datetime.now(UTC), valid_days=1).code
    engine.dispose()
    port = free_port()
    hook = f"http://127.0.0.1:{port}/telegram/hook"

    with LocalBotApi(token=TOKEN) as api:
        env = {
            **os.environ,
            "HRBOT_TOKEN": TOKEN,
            "HRBOT_BASE_URL": api.base_url,
            "HRBOT_BASE_FILE_URL": api.base_file_url,
            "HRBOT_DATABASE_URL": url,
            "HRBOT_CONFIG": str(tmp_path / "absent.toml"),
            "HRBOT_WEBHOOK_SECRET": SECRET,
            "HRBOT_LOGGING_FORMAT": "json",
            "HRBOT_LOGGING_LEVEL": "DEBUG",
        }
        process = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "run", "--webhook", hook,
             "--listen", "127.0.0.1", "--port", str(port)],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        try:
            api.send_message(CHAT, f"/start {code}")
            (joined,) = await api.wait_for_messages(CHAT, timeout=30)
            assert "已加入" in joined.text
            for answer in ("/hire", "陈明远", ID_NUMBER):
                api.send_message(CHAT, answer)
                await api.wait_for_messages(CHAT, timeout=15)
            assert "入职日期" in api.sent(CHAT)[-1].text or "第一天" in api.sent(CHAT)[-1].text

            before = len(api.sent(CHAT))
            wrong = await asyncio.to_thread(post, hook, todo_update(10_001), "wrong-secret")
            missing = await asyncio.to_thread(post, hook, todo_update(10_002), None)
            assert (wrong, missing) == (403, 403)
            await asyncio.sleep(1.5)
            assert len(api.sent(CHAT)) == before  # refused updates were never processed
            assert api.webhook_responses() and set(api.webhook_responses()) <= {0, 200}
        finally:
            process.send_signal(signal.SIGINT)
            try:
                out, err = await asyncio.to_thread(process.communicate, timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                out, err = process.communicate()
    assert process.returncode == 0, err
    logged = out + err
    for secret in (TOKEN, "WEBHOOK-MODE-TOKEN", SECRET, ID_NUMBER, "陈明远"):
        assert secret not in logged
    lines = [line for line in err.splitlines() if line.strip()]
    assert lines, "the bot logged nothing"
    for line in lines:
        entry = json.loads(line)  # every line is one JSON object
        assert {"time", "level", "logger", "message"} <= entry.keys()


@pytest.mark.parametrize("bad", ["bot.example.com/hook", "ftp://bot.example.com/hook"])
def test_webhook_needs_a_full_http_url(
    bad: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.cli import main

    monkeypatch.setenv("HRBOT_TOKEN", TOKEN)
    monkeypatch.setenv("HRBOT_CONFIG", str(tmp_path / "absent.toml"))
    monkeypatch.setenv("HRBOT_DATABASE_URL", f"sqlite:///{tmp_path / 'x.sqlite'}")
    assert main(["run", "--webhook", bad]) == 2
    assert "https" in capsys.readouterr().err
