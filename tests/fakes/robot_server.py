"""A local fake of the WeCom, Feishu and DingTalk robot webhooks (stdlib http.server, a thread).

It plays each vendor as its documentation describes (see bot/channels/wecom.py, feishu.py,
dingtalk.py for the pages): it checks the path and key/token, the JSON shape, and — for a
robot created with a secret — recomputes the signature itself (written out here, not imported
from the bot, so a swapped HMAC key fails) and refuses a timestamp more than an hour old. It
answers with the vendor's own error bodies, keeps the vendor's per-robot rate limit, and can be
told to answer the next requests with the rate-limit or invalid-key error. Accepted messages
are recorded per robot.

    with RobotServer() as server:
        robot = server.add(ChannelKind.WECOM)
        ... robot.url ...   # http://127.0.0.1:<port>/cgi-bin/webhook/send?key=…
        robot.messages      # the JSON bodies it accepted
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from bot.channels.base import ChannelKind

SIGNATURE_WINDOW_SECONDS = 3600


@dataclass
class FakeRobot:
    kind: ChannelKind
    credential: str
    url: str
    secret: str | None = None
    messages: list[dict[str, Any]] = field(default_factory=list)
    #: Every answer given, in order: "ok" or the vendor error code as a string.
    answers: list[str] = field(default_factory=list)
    #: Scripted answers for the next requests: "rate_limit" or "invalid".
    script: deque[str] = field(default_factory=deque)
    removed: bool = False
    sent_at: deque[float] = field(default_factory=deque)
    #: Hold the next request open (a crash test kills the sender meanwhile): "after_accept"
    #: records the message first (the vendor has it, the sender never hears), "before_accept"
    #: does not. `arrived` is set when the held request came in; `release` lets it answer.
    hold: str | None = None
    arrived: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)


# The vendors' answers (error bodies as their documentation and users' reports show them).
_WECOM_OK = {"errcode": 0, "errmsg": "ok"}
_WECOM_LIMIT = {"errcode": 45009, "errmsg": "api freq out of limit"}
_WECOM_INVALID = {"errcode": 93000, "errmsg": "invalid webhook url"}
_WECOM_BAD = {"errcode": 40008, "errmsg": "invalid message type"}
_FEISHU_OK = {"code": 0, "msg": "success", "data": {}}
_FEISHU_LIMIT = {"code": 11232, "msg": "frequency limited psm[lark.oapi.app_platform_runtime]",
                 "data": {}}
_FEISHU_INVALID = {"code": 19001, "msg": "param invalid: incoming webhook access token invalid",
                   "data": {}}
_FEISHU_SIGN = {"code": 19021, "msg": "sign match fail or timestamp is not within one hour "
                                      "from current time", "data": {}}
_FEISHU_BAD = {"code": 9499, "msg": "Bad Request", "data": {}}
_DING_OK = {"errcode": 0, "errmsg": "ok"}
_DING_LIMIT = {"errcode": 130101, "errmsg": "send too fast, exceed 20 times per minute"}
_DING_INVALID = {"errcode": 300001, "errmsg": "token is not exist"}
_DING_SIGN = {"errcode": 310000, "errmsg": "sign not match"}
_DING_BAD = {"errcode": 40035, "errmsg": "缺少参数 json"}

#: Documented per-robot limits: (count, seconds).
_LIMITS = {
    ChannelKind.WECOM: ((20, 60.0),),
    ChannelKind.DINGTALK: ((20, 60.0),),
    ChannelKind.FEISHU: ((100, 60.0), (5, 1.0)),
}


class RobotServer:
    def __init__(self, *, clock: Callable[[], float] = time.time,
                 enforce_limits: bool = True) -> None:
        self._clock = clock
        self._enforce_limits = enforce_limits
        self._lock = threading.Lock()
        self._robots: dict[tuple[ChannelKind, str], FakeRobot] = {}
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True,
                                        name="fake-robot-server")
        #: Every request seen: (path with the credential masked, answer).
        self.requests: list[tuple[str, str]] = []

    # -- life cycle -------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> RobotServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> RobotServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- robots -----------------------------------------------------------------------------

    def add(self, kind: ChannelKind, *, secret: str | None = None) -> FakeRobot:
        credential = secrets.token_hex(16)
        if kind is ChannelKind.WECOM:
            url = f"{self.base_url}/cgi-bin/webhook/send?key={credential}"
        elif kind is ChannelKind.FEISHU:
            url = f"{self.base_url}/open-apis/bot/v2/hook/{credential}"
        else:
            url = f"{self.base_url}/robot/send?access_token={credential}"
        robot = FakeRobot(kind, credential, url, secret)
        with self._lock:
            self._robots[(kind, credential)] = robot
        return robot

    def remove(self, robot: FakeRobot) -> None:
        """The group owner deleted the robot: its URL answers the invalid-key error."""
        with self._lock:
            robot.removed = True

    def all_messages(self) -> list[dict[str, Any]]:
        with self._lock:
            return [m for robot in self._robots.values() for m in robot.messages]

    # -- request handling -------------------------------------------------------------------

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                status, answer = server._answer(self.path, self.headers.get("Content-Type", ""),
                                                raw)
                data = json.dumps(answer, ensure_ascii=False).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                return  # the path holds the key: never print it

        return Handler

    def _answer(self, path: str, content_type: str, raw: bytes) -> tuple[int, dict[str, Any]]:
        parts = urlsplit(path)
        query = parse_qs(parts.query)
        if parts.path == "/cgi-bin/webhook/send":
            kind, credential = ChannelKind.WECOM, (query.get("key") or [""])[0]
        elif parts.path.startswith("/open-apis/bot/v2/hook/"):
            kind = ChannelKind.FEISHU
            credential = parts.path.removeprefix("/open-apis/bot/v2/hook/")
        elif parts.path == "/robot/send":
            kind, credential = ChannelKind.DINGTALK, (query.get("access_token") or [""])[0]
        else:
            return 404, {"error": "not found"}
        with self._lock:
            robot = self._robots.get((kind, credential))
            hold = robot.hold if robot is not None else None
            if robot is not None:
                robot.hold = None
            if hold == "before_accept":
                outcome: dict[str, Any] = {}
            else:
                outcome = self._judge(kind, robot, query, content_type, raw)
                self.requests.append((f"{kind}:{credential[-4:]}", _code_of(outcome)))
                if robot is not None:
                    robot.answers.append(_code_of(outcome))
        if hold is not None and robot is not None:
            robot.arrived.set()
            robot.release.wait(timeout=60)
            return 503, {"error": "held"}
        return 200, outcome

    def _judge(self, kind: ChannelKind, robot: FakeRobot | None, query: dict[str, list[str]],
               content_type: str, raw: bytes) -> dict[str, Any]:
        invalid, limit, bad, ok = _answers(kind)
        if robot is None or robot.removed:
            return invalid
        if robot.script:
            scripted = robot.script.popleft()
            return limit if scripted == "rate_limit" else invalid
        if "application/json" not in content_type:
            return bad
        try:
            body = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return bad
        if not isinstance(body, dict):
            return bad
        if robot.secret is not None:
            refusal = self._check_signature(robot, body, query)
            if refusal is not None:
                return refusal
        if not _well_formed(kind, body):
            return bad
        if self._enforce_limits and not self._take_slot(robot):
            return limit
        robot.messages.append(body)
        return ok

    def _check_signature(self, robot: FakeRobot, body: dict[str, Any],
                         query: dict[str, list[str]]) -> dict[str, Any] | None:
        assert robot.secret is not None
        now = self._clock()
        if robot.kind is ChannelKind.FEISHU:
            stamp, sign = str(body.get("timestamp", "")), str(body.get("sign", ""))
            if not stamp.isdigit() or abs(now - int(stamp)) > SIGNATURE_WINDOW_SECONDS:
                return _FEISHU_SIGN
            # Feishu: HMAC-SHA256 keyed by "timestamp\nsecret" over an empty message
            key = f"{stamp}\n{robot.secret}".encode()
            expected = base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
            return None if hmac.compare_digest(expected, sign) else _FEISHU_SIGN
        if robot.kind is ChannelKind.DINGTALK:
            stamp = (query.get("timestamp") or [""])[0]
            sign = (query.get("sign") or [""])[0]  # parse_qs already url-decoded it
            window_ms = SIGNATURE_WINDOW_SECONDS * 1000
            if not stamp.isdigit() or abs(now * 1000 - int(stamp)) > window_ms:
                return _DING_SIGN
            # DingTalk: HMAC-SHA256 keyed by the secret over "timestamp\nsecret"
            message = f"{stamp}\n{robot.secret}".encode()
            digest = hmac.new(robot.secret.encode(), message, hashlib.sha256).digest()
            expected = base64.b64encode(digest).decode()
            return None if hmac.compare_digest(expected, sign) else _DING_SIGN
        return None

    def _take_slot(self, robot: FakeRobot) -> bool:
        now = self._clock()
        for count, seconds in _LIMITS[robot.kind]:
            if sum(1 for at in robot.sent_at if at > now - seconds) >= count:
                return False
        robot.sent_at.append(now)
        return True


def _answers(kind: ChannelKind) -> tuple[dict[str, Any], ...]:
    if kind is ChannelKind.WECOM:
        return _WECOM_INVALID, _WECOM_LIMIT, _WECOM_BAD, _WECOM_OK
    if kind is ChannelKind.FEISHU:
        return _FEISHU_INVALID, _FEISHU_LIMIT, _FEISHU_BAD, _FEISHU_OK
    return _DING_INVALID, _DING_LIMIT, _DING_BAD, _DING_OK


def _code_of(answer: dict[str, Any]) -> str:
    code = answer.get("errcode", answer.get("code"))
    return "ok" if code == 0 else str(code)


def _well_formed(kind: ChannelKind, body: dict[str, Any]) -> bool:
    """The vendor's documented JSON shape for the message types we send (and text)."""
    if kind is ChannelKind.WECOM:
        msgtype = body.get("msgtype")
        if msgtype not in ("text", "markdown"):
            return False
        content = (body.get(msgtype) or {}).get("content")
        limit = 2048 if msgtype == "text" else 4096
        return isinstance(content, str) and 0 < len(content.encode()) <= limit
    if kind is ChannelKind.FEISHU:
        if len(json.dumps(body, ensure_ascii=False).encode()) > 20 * 1024:
            return False
        content = body.get("content") or {}
        if body.get("msg_type") == "text":
            return isinstance(content.get("text"), str) and bool(content["text"])
        if body.get("msg_type") != "post":
            return False
        post = (content.get("post") or {}).get("zh_cn") or {}
        lines = post.get("content")
        if not isinstance(lines, list) or not lines:
            return False
        for line in lines:
            for element in line:
                if element.get("tag") == "text" and isinstance(element.get("text"), str):
                    continue
                if element.get("tag") == "a" and str(element.get("href", "")).startswith(
                        ("http://", "https://")):
                    continue
                return False
        return True
    msgtype = body.get("msgtype")
    if msgtype == "text":
        return isinstance((body.get("text") or {}).get("content"), str)
    if msgtype == "markdown":
        markdown = body.get("markdown") or {}
        return (isinstance(markdown.get("title"), str) and bool(markdown["title"])
                and isinstance(markdown.get("text"), str) and bool(markdown["text"]))
    return False
