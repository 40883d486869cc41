"""A local fake Telegram Bot API server that a real PTB ``Application`` can talk to over HTTP.

Why a server and not a mocked ``Bot``: the end-to-end tests and ``hrbot chat`` should exercise
exactly the code that runs in production — PTB's request encoding, its ``de_json`` parsing,
its error mapping (``RetryAfter``, ``Forbidden``…), the updater's long polling — and only swap
the far end of the wire. Point PTB at it with
``ApplicationBuilder().base_url(api.base_url).base_file_url(api.base_file_url)``.

The server is pure stdlib (``ThreadingHTTPServer`` on 127.0.0.1, a free port, a background
thread). The test side talks to it through thread-safe methods: inject updates
(:meth:`LocalBotApi.send_message`, :meth:`~LocalBotApi.press_button`,
:meth:`~LocalBotApi.send_document`), read what the bot sent (:meth:`~LocalBotApi.sent`,
:meth:`~LocalBotApi.last`), await bot activity from asyncio
(:meth:`~LocalBotApi.wait_for_messages`, :meth:`~LocalBotApi.wait_for_edit`,
:meth:`~LocalBotApi.wait_until`) and inject failures (:meth:`~LocalBotApi.fail_next`).

It mimics Telegram where a difference would hide a production bug: HTML ``parse_mode`` is
validated like Telegram does (unsupported or unclosed tags are a 400), empty or too long texts
and oversized ``callback_data`` are rejected, editing a message without changes is "message
is not modified", and editing text without ``reply_markup`` removes the inline keyboard.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import mimetypes
import re
import socket
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from html import unescape
from html.parser import HTMLParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Literal, Self, TypeVar, get_args

__all__ = [
    "DEFAULT_TOKEN",
    "Activity",
    "AnsweredCallback",
    "ApiCall",
    "Edit",
    "FaultKind",
    "LocalBotApi",
    "LocalUser",
    "Mark",
    "SentMessage",
    "StoredFile",
]

_LOGGER = logging.getLogger(__name__)

DEFAULT_TOKEN = "123456:LOCAL-TEST-TOKEN"
"""A syntactically valid token; PTB checks the shape only, never that it is real."""

JSON = dict[str, Any]
T = TypeVar("T")

FaultKind = Literal[
    "retry_after", "forbidden", "server_error", "bad_request", "disconnect", "migrated"
]
ActivityKind = Literal["sent", "edited", "deleted"]

MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_DATA_BYTES = 64
_POLL_SECONDS = 0.02

# PTB sends every str-valued parameter verbatim and every other value JSON-encoded, so a text
# like "123" or "true" is indistinguishable from a number by its form value alone. These
# parameters are strings in the Bot API and are therefore never JSON-decoded.
_STRING_PARAMS = frozenset(
    {
        "action",
        "business_connection_id",
        "callback_query_id",
        "caption",
        "description",
        "document",
        "emoji",
        "file_id",
        "inline_message_id",
        "language_code",
        "message_effect_id",
        "name",
        "parse_mode",
        "photo",
        "secret_token",
        "short_description",
        "text",
        "thumbnail",
        "title",
        "url",
    }
)
# In JSON bodies some clients still send these as JSON-encoded strings.
_COMPLEX_PARAMS = frozenset(
    {
        "allowed_updates",
        "caption_entities",
        "commands",
        "entities",
        "link_preview_options",
        "media",
        "reply_markup",
        "reply_parameters",
        "scope",
    }
)
_SEND_METHODS = frozenset({"sendmessage", "senddocument", "sendphoto"})
_COMMAND_RE = re.compile(r"/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?(?=\s|$)")
_BOT_COMMAND_NAME_RE = re.compile(r"[a-z0-9_]{1,32}")
_API_PATH_RE = re.compile(r"/bot(?P<token>[^/]+)/(?P<method>[A-Za-z_]+)/?")
_FILE_PATH_RE = re.compile(r"/file/bot(?P<token>[^/]+)/(?P<path>.+)")


def _method_key(method: str) -> str:
    """Telegram method names are case-insensitive; also accept PTB's snake_case spelling."""
    return method.replace("_", "").lower()


def _utf16_len(text: str) -> int:
    """Entity offsets and lengths are counted in UTF-16 code units, as Telegram does."""
    return len(text.encode("utf-16-le")) // 2


# --------------------------------------------------------------------------------------------
# Records the test side reads
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LocalUser:
    """A Telegram user that tests act as; ``to_api()`` gives the Bot API ``User`` object."""

    id: int
    first_name: str = "测试用户"
    username: str | None = None
    last_name: str | None = None
    language_code: str = "zh-hans"

    def to_api(self) -> JSON:
        data: JSON = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.last_name:
            data["last_name"] = self.last_name
        if self.username:
            data["username"] = self.username
        data["language_code"] = self.language_code
        return data


@dataclass(frozen=True)
class StoredFile:
    """A file uploaded by the bot or by a test user, kept with its bytes for getFile/download."""

    file_id: str
    file_unique_id: str
    file_path: str
    data: bytes = field(repr=False)
    filename: str | None = None
    mime_type: str | None = None

    @property
    def size(self) -> int:
        return len(self.data)

    def to_document(self) -> JSON:
        doc: JSON = {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": self.size,
        }
        if self.filename:
            doc["file_name"] = self.filename
        if self.mime_type:
            doc["mime_type"] = self.mime_type
        return doc

    def to_photo(self) -> list[JSON]:
        # The real server resizes; one PhotoSize of unknown dimensions is enough for de_json.
        size = {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": self.size,
            "width": 0,
            "height": 0,
        }
        return [size]


@dataclass(frozen=True)
class Edit:
    """One earlier state of a bot message, kept so tests can see how a message evolved."""

    method: str
    text: str | None
    raw_text: str | None
    parse_mode: str | None
    reply_markup: JSON | None
    at: float


@dataclass
class SentMessage:
    """A message the bot sent, updated in place by later edits (history in ``edits``).

    ``text`` is what the user sees (HTML tags stripped, entities unescaped; the caption for
    documents and photos); ``raw_text`` is what the bot passed, tags included.
    """

    chat_id: int
    message_id: int
    method: str
    text: str | None
    raw_text: str | None
    parse_mode: str | None
    reply_markup: JSON | None
    date: int
    document: StoredFile | None = None
    photo: StoredFile | None = None
    edits: list[Edit] = field(default_factory=list)
    deleted: bool = False
    at: float = field(default_factory=time.monotonic)

    @property
    def buttons(self) -> list[tuple[str, str | None]]:
        """Inline keyboard as a flat ``[(text, callback_data), ...]`` (``None`` for URL etc.)."""
        return _flatten_buttons(self.reply_markup)

    @property
    def document_bytes(self) -> bytes | None:
        stored = self.document or self.photo
        return stored.data if stored else None

    @property
    def document_name(self) -> str | None:
        stored = self.document or self.photo
        return stored.filename if stored else None

    @property
    def was_edited(self) -> bool:
        return bool(self.edits)


@dataclass(frozen=True)
class Activity:
    """Something the bot did to a chat; ``seq`` orders all activity and backs :class:`Mark`."""

    seq: int
    kind: ActivityKind
    chat_id: int
    message: SentMessage


@dataclass(frozen=True)
class Mark:
    """An opaque cursor from :meth:`LocalBotApi.mark`: "only what happens after this point"."""

    seq: int


@dataclass(frozen=True)
class AnsweredCallback:
    """An ``answerCallbackQuery`` call: the toast or alert the user would have seen."""

    callback_query_id: str
    text: str | None
    show_alert: bool
    url: str | None
    at: float


@dataclass
class ApiCall:
    """One request the bot made; ``params`` never hold the token, uploads are summarised."""

    method: str
    params: JSON
    at: float
    outcome: str = "pending"
    #: The error's description when the server refused the call ("message is not modified" …).
    description: str = ""

    @property
    def chat_id(self) -> int | str | None:
        return self.params.get("chat_id")

    @property
    def ok(self) -> bool:
        return self.outcome == "ok"


@dataclass
class _Upload:
    filename: str | None
    content_type: str | None
    data: bytes


@dataclass
class _Fault:
    method_key: str
    chat_id: int | str | None
    kind: FaultKind
    remaining: int
    retry_after: int
    description: str | None
    migrate_to_chat_id: int | None = None


@dataclass
class _Chat:
    chat: JSON
    next_message_id: int = 1
    messages: dict[int, JSON] = field(default_factory=dict)
    sent: dict[int, SentMessage] = field(default_factory=dict)
    blocked: bool = False

    def allocate_message_id(self) -> int:
        message_id = self.next_message_id
        self.next_message_id += 1
        return message_id


class BotApiError(Exception):
    """Raised by a method implementation to answer with Telegram's error envelope."""

    def __init__(self, code: int, description: str, parameters: JSON | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters


class _Disconnect(Exception):
    """Drop the connection without any response (a network failure as the client sees it)."""


def _bad_request(detail: str) -> BotApiError:
    return BotApiError(400, f"Bad Request: {detail}")


def _flatten_buttons(markup: JSON | None) -> list[tuple[str, str | None]]:
    if not markup or "inline_keyboard" not in markup:
        return []
    return [
        (button.get("text", ""), button.get("callback_data"))
        for row in markup["inline_keyboard"]
        for button in row
    ]


# --------------------------------------------------------------------------------------------
# HTML parse mode, validated like Telegram
# --------------------------------------------------------------------------------------------

_HTML_ENTITY_TYPES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "span": "spoiler",
    "tg-spoiler": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}


class _TelegramHtml(HTMLParser):
    """Turns Telegram-HTML into plain text plus entities, rejecting what Telegram rejects.

    Why: templates render HTML; a stray ``<`` or an unsupported ``<br>`` is a 400 in
    production, so the end-to-end tests must fail on it too.
    """

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        # Underscored names: HTMLParser already uses ``offset`` (raw position) for itself.
        self._parts: list[str] = []
        self._utf16_pos = 0
        self._open: list[tuple[str, int, JSON]] = []
        self._entities: list[JSON] = []

    def _fail(self, detail: str) -> None:
        raise _bad_request(f"can't parse entities: {detail}")

    def _append(self, text: str) -> None:
        self._parts.append(text)
        self._utf16_pos += _utf16_len(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag not in _HTML_ENTITY_TYPES or (
            tag == "span" and attributes.get("class") != "tg-spoiler"
        ):
            self._fail(f'Unsupported start tag "{tag}"')
        extra: JSON = {}
        if tag == "a":
            extra["url"] = attributes.get("href") or ""
        elif tag == "tg-emoji":
            extra["custom_emoji_id"] = attributes.get("emoji-id") or ""
        elif tag == "code" and self._open and self._open[-1][0] == "pre":
            language = (attributes.get("class") or "").removeprefix("language-")
            if language:
                self._open[-1][2]["language"] = language
        elif tag == "blockquote" and "expandable" in attributes:
            extra["type"] = "expandable_blockquote"
        self._open.append((tag, self._utf16_pos, extra))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._fail(f'Unsupported start tag "{tag}"')

    def handle_endtag(self, tag: str) -> None:
        if not self._open:
            self._fail(f'Unexpected end tag "{tag}"')
        open_tag, start, extra = self._open.pop()
        if open_tag != tag:
            self._fail(f'Unmatched end tag "{tag}", expected "</{open_tag}>"')
        length = self._utf16_pos - start
        if length and not (open_tag == "code" and self._open and self._open[-1][0] == "pre"):
            entity: JSON = {"type": _HTML_ENTITY_TYPES[open_tag], "offset": start}
            entity["length"] = length
            entity.update(extra)
            self._entities.append(entity)

    def handle_data(self, data: str) -> None:
        if "<" in data:
            self._fail('Unsupported start tag ""')
        self._append(data)

    def handle_entityref(self, name: str) -> None:
        self._append(unescape(f"&{name};"))

    def handle_charref(self, name: str) -> None:
        self._append(unescape(f"&#{name};"))

    def handle_comment(self, data: str) -> None:
        self._fail('Unsupported start tag "!--"')

    def handle_decl(self, decl: str) -> None:
        self._fail(f'Unsupported start tag "!{decl}"')

    def result(self) -> tuple[str, list[JSON]]:
        self.close()
        if self.rawdata:
            self._fail('Unsupported start tag ""')
        if self._open:
            self._fail(f'Can\'t find end tag corresponding to start tag "{self._open[-1][0]}"')
        self._entities.sort(key=lambda e: (e["offset"], -e["length"]))
        return "".join(self._parts), self._entities


def _render_text(raw: str, parse_mode: str | None, entities: Any) -> tuple[str, list[JSON] | None]:
    """What the recipient sees for ``raw`` sent with ``parse_mode``: plain text + entities."""
    if parse_mode and parse_mode.upper() == "HTML":
        parser = _TelegramHtml()
        parser.feed(raw)
        text, found = parser.result()
        return text, found or None
    # Markdown modes are passed through unparsed; hrbot renders HTML only.
    return raw, entities if isinstance(entities, list) and entities else None


# --------------------------------------------------------------------------------------------
# Request body parsing (what PTB's HTTPXRequest sends)
# --------------------------------------------------------------------------------------------


def _decode_form_value(name: str, raw: str) -> Any:
    if name in _STRING_PARAMS:
        return raw
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def _parse_header_params(value: str) -> tuple[str, dict[str, str]]:
    """Split ``form-data; name="x"; filename="y"`` as httpx writes it (HTML5 escaping)."""
    main, _, rest = value.partition(";")
    params: dict[str, str] = {}
    for match in re.finditer(r'\s*([^=;\s]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^;]*)\s*;?', rest):
        key, val = match.group(1).lower(), match.group(2)
        if val.startswith('"') and val.endswith('"'):
            val = val[1:-1].replace("%22", '"').replace("%0D", "\r").replace("%0A", "\n")
            val = val.replace('\\"', '"').replace("\\\\", "\\")
        elif key.endswith("*"):
            key = key[:-1]
            _, _, encoded = val.partition("''")
            val = urllib.parse.unquote(encoded)
        params[key] = val
    return main.strip().lower(), params


def _parse_multipart(body: bytes, content_type: str) -> tuple[JSON, dict[str, _Upload]]:
    """A small multipart/form-data parser: ``cgi`` is deprecated and ``email`` mangles bytes."""
    _, ct_params = _parse_header_params(content_type)
    boundary = ct_params.get("boundary")
    if not boundary:
        raise _bad_request("multipart boundary is missing")
    delimiter = b"--" + boundary.encode("latin-1")
    params: JSON = {}
    uploads: dict[str, _Upload] = {}
    for chunk in body.split(delimiter)[1:]:
        if chunk.startswith(b"--"):
            break
        chunk = chunk.removeprefix(b"\r\n").removesuffix(b"\r\n")
        raw_headers, _, data = chunk.partition(b"\r\n\r\n")
        headers: dict[str, str] = {}
        for line in raw_headers.decode("utf-8", "replace").split("\r\n"):
            key, _, val = line.partition(":")
            headers[key.strip().lower()] = val.strip()
        _, disposition = _parse_header_params(headers.get("content-disposition", ""))
        name = disposition.get("name")
        if name is None:
            continue
        if "filename" in disposition or "content-type" in headers:
            uploads[name] = _Upload(disposition.get("filename"), headers.get("content-type"), data)
        else:
            params[name] = _decode_form_value(name, data.decode("utf-8"))
    return params, uploads


def _parse_body(content_type: str, body: bytes) -> tuple[JSON, dict[str, _Upload]]:
    media_type = content_type.split(";", 1)[0].strip().lower()
    if not body:
        return {}, {}
    if media_type == "multipart/form-data":
        return _parse_multipart(body, content_type)
    if media_type == "application/json":
        try:
            data = json.loads(body)
        except ValueError as exc:
            raise _bad_request("can't parse JSON request body") from exc
        if not isinstance(data, dict):
            raise _bad_request("JSON request body must be an object")
        for key in _COMPLEX_PARAMS & data.keys():
            if isinstance(data[key], str):
                with contextlib.suppress(ValueError):
                    data[key] = json.loads(data[key])
        return data, {}
    pairs = urllib.parse.parse_qsl(body.decode("utf-8"), keep_blank_values=True)
    return {name: _decode_form_value(name, value) for name, value in pairs}, {}


def _as_int(value: Any, name: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise _bad_request(f'field "{name}" must be an integer') from None


def _as_bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.lower() in {"true", "1"}
    return bool(value)


def _summarise(params: JSON, uploads: dict[str, _Upload]) -> JSON:
    summary = dict(params)
    for name, upload in uploads.items():
        summary[name] = f"<upload {upload.filename or name}, {len(upload.data)} bytes>"
    return summary


# --------------------------------------------------------------------------------------------
# The HTTP layer
# --------------------------------------------------------------------------------------------


class _Server(ThreadingHTTPServer):
    """Tracks live connections so ``stop()`` can end keep-alive sockets and join threads."""

    daemon_threads = True
    block_on_close = False
    #: socketserver's listen backlog is 5: a burst of 30 sends (the rate limiter's window)
    #: opening connections at once overflowed it and httpx saw ReadError / resets.
    request_queue_size = 128

    def __init__(self, api: LocalBotApi) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.api = api
        self.live: dict[threading.Thread, socket.socket] = {}
        self.live_lock = threading.Condition()
        self.busy = 0  # requests read but not yet answered

    def wait_idle(self, timeout: float) -> None:
        """Let in-flight answers (woken long polls) reach their clients before sockets close."""
        with self.live_lock:
            self.live_lock.wait_for(lambda: self.busy == 0, timeout)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that gives up on a long poll resets its socket: that is not a server bug.
        exc = sys.exc_info()[1]
        if isinstance(exc, OSError):
            return
        self.api._record_error(f"{type(exc).__name__}: {exc}")


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: PTB reuses connections
    disable_nagle_algorithm = True  # headers and body go out in two writes; avoid 40 ms stalls
    server: _Server

    def setup(self) -> None:
        super().setup()
        with self.server.live_lock:
            self.server.live[threading.current_thread()] = self.connection

    def finish(self) -> None:
        try:
            with contextlib.suppress(OSError):
                super().finish()
        finally:
            with self.server.live_lock:
                self.server.live.pop(threading.current_thread(), None)

    def log_message(self, format: str, *args: Any) -> None:
        """Silenced: request lines contain the bot token, which must never reach a log."""

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _serve(self) -> None:
        with self.server.live_lock:
            self.server.busy += 1
        try:
            self._answer()
        finally:
            with self.server.live_lock:
                self.server.busy -= 1
                self.server.live_lock.notify_all()

    def _answer(self) -> None:
        try:
            body = self._read_body()
            status, payload, content_type = self.server.api._handle_http(
                self.command, self.path, self.headers.get("Content-Type", ""), body
            )
        except _Disconnect:
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
            self.wfile.flush()
        except OSError:
            self.close_connection = True


# --------------------------------------------------------------------------------------------
# The fake Bot API
# --------------------------------------------------------------------------------------------


class LocalBotApi:
    """A fake Telegram Bot API on 127.0.0.1 that records the bot and lets tests act as users.

    All public methods are thread-safe; the ``wait_*`` coroutines may run in any event loop
    (typically the test's, which also runs the PTB ``Application``).
    """

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        bot_username: str = "hrbot_local_bot",
        *,
        bot_first_name: str = "社保助手",
    ) -> None:
        self.token = token
        self.bot_username = bot_username
        self.bot_first_name = bot_first_name
        prefix = token.split(":", 1)[0]
        self.bot_id = int(prefix) if prefix.isdigit() else 1
        self._lock = threading.RLock()
        self._cond = threading.Condition(self._lock)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._stopping = False
        self._ids = itertools.count(1)
        self._users: dict[int, LocalUser] = {}
        self._chats: dict[int, _Chat] = {}
        self._updates: list[JSON] = []
        self._next_update_id = 1
        self._files: dict[str, StoredFile] = {}
        self._files_by_path: dict[str, StoredFile] = {}
        self._sent: list[SentMessage] = []
        self._activities: list[Activity] = []
        self._seq = 0
        self._cursors: dict[tuple[int | None, tuple[str, ...]], int] = {}
        self._callback_queries: dict[str, bool] = {}
        self._answered: list[AnsweredCallback] = []
        self._calls: list[ApiCall] = []
        self._faults: list[_Fault] = []
        self._commands: dict[tuple[str, str], list[JSON]] = {}
        self._webhook_url = ""
        self._webhook_secret = ""
        self._webhook_thread: threading.Thread | None = None
        #: HTTP status of every webhook POST, in order (tests read it via webhook_responses()).
        self._webhook_statuses: list[int] = []
        self._errors: list[str] = []
        self._async_waiters: set[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = set()
        self._subscribers: list[Callable[[Activity], None]] = []
        self._methods: dict[str, Callable[[JSON, dict[str, _Upload]], Any]] = {
            "getme": self._get_me,
            "getupdates": self._get_updates,
            "deletewebhook": self._delete_webhook,
            "setwebhook": self._set_webhook,
            "getwebhookinfo": self._get_webhook_info,
            "setmycommands": self._set_my_commands,
            "getmycommands": self._get_my_commands,
            "deletemycommands": self._delete_my_commands,
            "sendmessage": self._send_message,
            "editmessagetext": self._edit_message_text,
            "editmessagecaption": self._edit_message_caption,
            "editmessagereplymarkup": self._edit_message_reply_markup,
            "deletemessage": self._delete_message,
            "answercallbackquery": self._answer_callback_query,
            "senddocument": self._send_document,
            "sendphoto": self._send_photo,
            "sendchataction": self._send_chat_action,
            "getfile": self._get_file,
            "getchat": self._get_chat,
            "close": self._ok,
            "logout": self._ok,
        }

    def __repr__(self) -> str:
        # Deliberately without the token.
        state = "running" if self._server else "stopped"
        return f"<LocalBotApi @{self.bot_username} {state} {self._address()}>"

    # ---- lifecycle ---------------------------------------------------------------------------

    def start(self) -> Self:
        """Bind a free port on 127.0.0.1 and serve in a background thread."""
        if self._server is not None:
            raise RuntimeError("LocalBotApi is already running")
        self._stopping = False
        self._server = _Server(self)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="LocalBotApi",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        """Stop serving: wake long polls, close keep-alive sockets, join every thread."""
        server, thread = self._server, self._thread
        if server is None or thread is None:
            return
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        server.shutdown()
        thread.join(timeout)
        server.wait_idle(min(timeout, 1.0))
        with server.live_lock:
            live = list(server.live.items())
        for _, sock in live:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        deadline = time.monotonic() + timeout
        for handler_thread, _ in live:
            handler_thread.join(max(0.0, deadline - time.monotonic()))
        server.server_close()
        self._server = self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _address(self) -> str:
        if self._server is None:
            raise RuntimeError("LocalBotApi is not running; call start() first")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def base_url(self) -> str:
        """For ``base_url(...)``: PTB appends ``<token>/<method>``."""
        return f"{self._address()}/bot"

    @property
    def base_file_url(self) -> str:
        """For ``base_file_url(...)``: PTB appends ``<token>/<file_path>``."""
        return f"{self._address()}/file/bot"

    # ---- test side: users and updates --------------------------------------------------------

    def user(
        self,
        user_id: int,
        first_name: str = "测试用户",
        username: str | None = None,
        *,
        last_name: str | None = None,
        language_code: str = "zh-hans",
    ) -> LocalUser:
        """Register how ``user_id`` looks (name, username); later updates from it use this."""
        profile = LocalUser(user_id, first_name, username, last_name, language_code)
        with self._lock:
            self._users[user_id] = profile
            chat = self._chats.get(user_id)
            if chat is not None and chat.chat["type"] == "private":
                chat.chat = self._private_chat(profile)
        return profile

    def send_message(
        self,
        user_id: int,
        text: str,
        *,
        chat_id: int | None = None,
        chat_type: str = "private",
        first_name: str | None = None,
        chat_title: str | None = None,
        reply_to: int | None = None,
    ) -> int:
        """Inject a text message from ``user_id``; returns the ``update_id``.

        A leading ``/command`` (also ``/command@bot`` and deep links ``/start CODE``) gets the
        ``bot_command`` entity Telegram adds, so PTB's ``CommandHandler`` matches it.
        """
        fields: JSON = {"text": text}
        match = _COMMAND_RE.match(text)
        if match:
            fields["entities"] = [
                {"type": "bot_command", "offset": 0, "length": _utf16_len(match.group())}
            ]
        with self._lock:
            chat = self._chat_for_user(user_id, chat_id, chat_type, first_name, chat_title)
            if reply_to is not None:
                fields["reply_to_message"] = self._message_json(chat, reply_to)
            message = self._new_user_message(chat, user_id, first_name, fields)
            return self._push_update("message", message)

    def migrate_group(self, user_id: int, chat_id: int, new_chat_id: int,
                      chat_title: str | None = None) -> int:
        """The group ``chat_id`` is upgraded to the supergroup ``new_chat_id`` by ``user_id``:
        inject the service message Telegram sends in the old group (``migrate_to_chat_id``)."""
        with self._lock:
            chat = self._chat_for_user(user_id, chat_id, "group", None, chat_title)
            message = self._new_user_message(
                chat, user_id, None, {"migrate_to_chat_id": new_chat_id}
            )
            return self._push_update("message", message)

    def send_document(
        self,
        user_id: int,
        filename: str,
        data: bytes,
        *,
        mime_type: str | None = None,
        caption: str | None = None,
        chat_id: int | None = None,
        chat_type: str = "private",
        first_name: str | None = None,
        chat_title: str | None = None,
    ) -> int:
        """Inject a document upload; the bot can fetch ``data`` with getFile + download."""
        mime = mime_type or mimetypes.guess_type(filename)[0] or "application/octet-stream"
        with self._lock:
            stored = self._store_file(data, filename, mime, "documents")
            chat = self._chat_for_user(user_id, chat_id, chat_type, first_name, chat_title)
            fields: JSON = {"document": stored.to_document()}
            if caption:
                fields["caption"] = caption
            message = self._new_user_message(chat, user_id, first_name, fields)
            return self._push_update("message", message)

    def press_button(
        self,
        user_id: int,
        message_id: int,
        callback_data: str,
        *,
        chat_id: int | None = None,
        strict: bool = True,
        first_name: str | None = None,
    ) -> str:
        """Press an inline button of a stored bot message; returns the callback query id.

        With ``strict`` (the default) the button must be on the message, as in a real client;
        pass ``strict=False`` to forge ``callback_data`` (e.g. to test permission re-checks).
        """
        target = user_id if chat_id is None else chat_id
        with self._lock:
            chat = self._chats.get(target)
            if chat is None or message_id not in chat.messages:
                raise LookupError(f"no message {message_id} in chat {target}")
            sent = chat.sent.get(message_id)
            if strict:
                if sent is None or sent.deleted:
                    raise ValueError(f"message {message_id} is not a live bot message")
                if callback_data not in {data for _, data in sent.buttons}:
                    raise ValueError(
                        f"message {message_id} has no button {callback_data!r}; "
                        f"it has {sent.buttons!r}"
                    )
            query_id = str(4_000_000_000 + next(self._ids))
            self._callback_queries[query_id] = False
            query: JSON = {
                "id": query_id,
                "from": self._profile(user_id, first_name).to_api(),
                "chat_instance": str(abs(target) * 7919),
                "message": json.loads(json.dumps(chat.messages[message_id])),
                "data": callback_data,
            }
            self._push_update("callback_query", query)
            return query_id

    def press_button_text(
        self,
        user_id: int,
        button_text: str,
        *,
        chat_id: int | None = None,
        message_id: int | None = None,
    ) -> str:
        """Press the button labelled ``button_text`` on the newest bot message showing it."""
        target = user_id if chat_id is None else chat_id
        with self._lock:
            candidates = [
                m
                for m in self.sent(target)
                if not m.deleted and (message_id is None or m.message_id == message_id)
            ]
            for sent in reversed(candidates):
                for label, data in sent.buttons:
                    if label == button_text and data is not None:
                        return self.press_button(user_id, sent.message_id, data, chat_id=chat_id)
        labels = [label for m in candidates for label, _ in m.buttons]
        raise LookupError(f"no button {button_text!r} in chat {target}; buttons: {labels!r}")

    @property
    def pending_updates(self) -> list[JSON]:
        """Updates not yet confirmed by the bot through ``getUpdates(offset=...)``."""
        with self._lock:
            return list(self._updates)

    # ---- test side: what the bot did --------------------------------------------------------

    def sent(self, chat_id: int | None = None) -> list[SentMessage]:
        """Bot messages in send order (deleted ones included, flagged), optionally per chat."""
        with self._lock:
            return [m for m in self._sent if chat_id is None or m.chat_id == chat_id]

    def last(self, chat_id: int) -> SentMessage:
        """The newest message the bot sent to ``chat_id``."""
        messages = self.sent(chat_id)
        if not messages:
            raise LookupError(f"the bot has sent nothing to chat {chat_id}")
        return messages[-1]

    def message(self, chat_id: int, message_id: int) -> SentMessage:
        with self._lock:
            chat = self._chats.get(chat_id)
            if chat is None or message_id not in chat.sent:
                raise LookupError(f"no bot message {message_id} in chat {chat_id}")
            return chat.sent[message_id]

    @staticmethod
    def buttons(message: SentMessage) -> list[tuple[str, str | None]]:
        """Flattened inline keyboard of ``message``: ``[(text, callback_data), ...]``."""
        return message.buttons

    @property
    def answered_callbacks(self) -> list[AnsweredCallback]:
        with self._lock:
            return list(self._answered)

    @property
    def calls(self) -> list[ApiCall]:
        """Every request, in order, with decoded params (uploads summarised, no token)."""
        with self._lock:
            return list(self._calls)

    def calls_of(self, method: str) -> list[ApiCall]:
        key = _method_key(method)
        return [call for call in self.calls if _method_key(call.method) == key]

    def max_calls_per_window(
        self,
        window: float = 1.0,
        *,
        chat_id: int | None = None,
        methods: Iterable[str] = ("sendMessage", "sendDocument", "sendPhoto"),
    ) -> int:
        """Most calls seen in any ``window`` seconds, to check the bot respects rate limits."""
        keys = {_method_key(m) for m in methods}
        stamps = [
            call.at
            for call in self.calls
            if _method_key(call.method) in keys
            and (chat_id is None or str(call.chat_id) == str(chat_id))
        ]
        best, start = 0, 0
        for end, stamp in enumerate(stamps):
            while stamp - stamps[start] >= window:
                start += 1
            best = max(best, end - start + 1)
        return best

    def commands(self, scope: JSON | None = None, language_code: str = "") -> list[JSON]:
        """The command menu last set with setMyCommands for ``scope`` and ``language_code``."""
        with self._lock:
            return list(self._commands.get(self._commands_key(scope, language_code), []))

    def file(self, file_id: str) -> StoredFile:
        with self._lock:
            return self._files[file_id]

    @property
    def errors(self) -> list[str]:
        """Unexpected exceptions inside the server; a healthy test run leaves this empty."""
        with self._lock:
            return list(self._errors)

    # ---- test side: faults ------------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        *,
        chat_id: int | str | None = None,
        error: FaultKind = "retry_after",
        times: int = 1,
        retry_after: int = 1,
        description: str | None = None,
        migrate_to_chat_id: int | None = None,
    ) -> None:
        """Make the next ``times`` calls of ``method`` (to ``chat_id`` if given) fail.

        ``retry_after`` → 429 with ``parameters.retry_after`` (PTB ``RetryAfter``);
        ``forbidden`` → 403 bot blocked (``Forbidden``); ``server_error`` → 502
        (``NetworkError``); ``bad_request`` → 400 (``BadRequest``); ``disconnect`` → the
        socket is closed without a response (``NetworkError``); ``migrated`` → 400 "group chat
        was upgraded to a supergroup chat" with ``parameters.migrate_to_chat_id`` (PTB
        ``ChatMigrated``), as Telegram answers for a group's old id. Failed calls send nothing.
        """
        if error == "migrated" and migrate_to_chat_id is None:
            raise ValueError("a migrated fault needs migrate_to_chat_id")
        if error not in get_args(FaultKind):
            raise ValueError(f"unknown fault {error!r}; use one of {get_args(FaultKind)}")
        if times < 1:
            raise ValueError("times must be at least 1")
        fault = _Fault(_method_key(method), chat_id, error, times, retry_after, description,
                       migrate_to_chat_id)
        with self._lock:
            self._faults.append(fault)

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def block(self, chat_id: int) -> None:
        """The user blocks the bot: every later send/edit to the chat is a 403 until unblock."""
        with self._lock:
            self._ensure_chat(chat_id).blocked = True

    def unblock(self, chat_id: int) -> None:
        with self._lock:
            self._ensure_chat(chat_id).blocked = False

    # ---- test side: waiting -----------------------------------------------------------------

    def mark(self) -> Mark:
        """A cursor: pass it as ``since=`` to wait only for activity after this point."""
        with self._lock:
            return Mark(self._seq)

    def subscribe(self, callback: Callable[[Activity], None]) -> Callable[[], None]:
        """Call ``callback`` (on a server thread) for every bot activity; returns unsubscribe.

        Meant for ``hrbot chat``, which prints the bot's messages as they arrive.
        """
        with self._lock:
            self._subscribers.append(callback)

        def unsubscribe() -> None:
            with self._lock, contextlib.suppress(ValueError):
                self._subscribers.remove(callback)

        return unsubscribe

    async def wait_for_messages(
        self,
        chat_id: int,
        count: int = 1,
        timeout: float = 5.0,
        since: Mark | None = None,
    ) -> list[SentMessage]:
        """Wait for exactly ``count`` new bot messages in ``chat_id`` and return them.

        Without ``since``, "new" means not yet returned by an earlier ``wait_for_messages``
        for this chat, so a conversation reads naturally: send, wait, send, wait.
        """
        found = await self._wait_for_activity(chat_id, ("sent",), count, timeout, since)
        return [activity.message for activity in found]

    async def wait_for_edit(
        self,
        chat_id: int,
        message_id: int | None = None,
        timeout: float = 5.0,
        since: Mark | None = None,
    ) -> SentMessage:
        """Wait for the bot to edit a message (``message_id`` if given); returns it, edited."""
        found = await self._wait_for_activity(
            chat_id, ("edited",), 1, timeout, since, message_id=message_id
        )
        return found[0].message

    async def wait_for_activity(
        self,
        chat_id: int | None = None,
        count: int = 1,
        timeout: float = 5.0,
        since: Mark | None = None,
    ) -> list[Activity]:
        """Wait for ``count`` sends, edits or deletions (in ``chat_id`` if given)."""
        return await self._wait_for_activity(
            chat_id, ("sent", "edited", "deleted"), count, timeout, since
        )

    async def wait_until(self, predicate: Callable[[], T], timeout: float = 5.0) -> T:
        """Wait until ``predicate()`` is truthy and return its value (re-checked on activity)."""

        def check() -> T | None:
            value = predicate()
            return value if value else None

        return await self._wait(check, timeout, lambda: f"condition not met after {timeout}s")

    async def expect_silence(self, chat_id: int | None = None, seconds: float = 0.3) -> None:
        """Assert the bot sends or edits nothing (in ``chat_id``) for ``seconds``."""
        start = self.mark()
        await asyncio.sleep(seconds)
        with self._lock:
            noise = [
                a for a in self._after(start.seq) if chat_id is None or a.chat_id == chat_id
            ]
        if noise:
            raise AssertionError(f"expected no bot activity, got {noise!r}")

    async def _wait_for_activity(
        self,
        chat_id: int | None,
        kinds: tuple[str, ...],
        count: int,
        timeout: float,
        since: Mark | None,
        *,
        message_id: int | None = None,
    ) -> list[Activity]:
        cursor_key = (chat_id, kinds)

        def check() -> list[Activity] | None:
            with self._lock:
                start = since.seq if since is not None else self._cursors.get(cursor_key, 0)
                found = [
                    a
                    for a in self._after(start)
                    if a.kind in kinds
                    and (chat_id is None or a.chat_id == chat_id)
                    and (message_id is None or a.message.message_id == message_id)
                ][:count]
                if len(found) < count:
                    return None
                previous = self._cursors.get(cursor_key, 0)
                self._cursors[cursor_key] = max(previous, found[-1].seq)
                return found

        def describe() -> str:
            where = "any chat" if chat_id is None else f"chat {chat_id}"
            recent = [
                f"{m.message_id}: {(m.text or m.document_name or '')[:60]!r}"
                for m in self.sent(chat_id)[-3:]
            ]
            return (
                f"timed out after {timeout}s waiting for {count} {'/'.join(kinds)} in {where}; "
                f"latest bot messages there: {recent or 'none'}"
            )

        return await self._wait(check, timeout, describe)

    async def _wait(
        self, check: Callable[[], T | None], timeout: float, describe: Callable[[], str]
    ) -> T:
        """Re-run ``check`` whenever the server reports activity (and every few ms)."""
        loop = asyncio.get_running_loop()
        event = asyncio.Event()
        waiter = (loop, event)
        with self._lock:
            self._async_waiters.add(waiter)
        try:
            deadline = loop.time() + timeout
            while True:
                event.clear()
                result = check()
                if result is not None:
                    return result
                remaining = deadline - loop.time()
                if remaining <= 0:
                    raise TimeoutError(describe())
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(min(remaining, _POLL_SECONDS)):
                        await event.wait()
        finally:
            with self._lock:
                self._async_waiters.discard(waiter)

    # ---- internals: bookkeeping -------------------------------------------------------------

    def _record_error(self, text: str) -> None:
        _LOGGER.warning("LocalBotApi internal error: %s", text)
        with self._lock:
            self._errors.append(text)

    def _after(self, seq: int) -> list[Activity]:
        """Activities after `seq` (lock held). Activity n has seq n and the list only grows, so
        this is a slice: a waiter re-checked on every activity no longer scans the whole
        history (with 50 chats waiting, that scan was most of the load benchmark's harness)."""
        return self._activities[seq:]

    def _record_activity(self, kind: ActivityKind, message: SentMessage) -> None:
        """Must be called with the lock held; wakes sync and async waiters."""
        self._seq += 1
        activity = Activity(self._seq, kind, message.chat_id, message)
        self._activities.append(activity)
        self._wake()
        for callback in list(self._subscribers):
            try:
                callback(activity)
            except Exception as exc:
                self._errors.append(f"subscriber failed: {exc!r}")

    def _wake(self) -> None:
        """Must be called with the lock held: re-run every waiting check now."""
        self._cond.notify_all()
        for loop, event in list(self._async_waiters):
            try:
                loop.call_soon_threadsafe(event.set)
            except RuntimeError:  # the waiter's loop closed under us
                self._async_waiters.discard((loop, event))

    def _push_update(self, kind: str, payload: JSON) -> int:
        with self._cond:
            update_id = self._next_update_id
            self._next_update_id += 1
            self._updates.append({"update_id": update_id, kind: payload})
            self._cond.notify_all()
            return update_id

    def _profile(self, user_id: int, first_name: str | None = None) -> LocalUser:
        profile = self._users.get(user_id) or LocalUser(user_id)
        if first_name and first_name != profile.first_name:
            profile = LocalUser(
                user_id, first_name, profile.username, profile.last_name, profile.language_code
            )
        return profile

    @staticmethod
    def _private_chat(profile: LocalUser) -> JSON:
        chat: JSON = {"id": profile.id, "type": "private", "first_name": profile.first_name}
        if profile.last_name:
            chat["last_name"] = profile.last_name
        if profile.username:
            chat["username"] = profile.username
        return chat

    def _ensure_chat(
        self, chat_id: int, chat_type: str | None = None, title: str | None = None
    ) -> _Chat:
        chat = self._chats.get(chat_id)
        if chat is None:
            kind = chat_type or ("private" if chat_id > 0 else "group")
            if kind == "private":
                data = self._private_chat(self._profile(chat_id))
            else:
                data = {"id": chat_id, "type": kind, "title": title or "测试群"}
            chat = self._chats[chat_id] = _Chat(data)
        elif title and chat.chat["type"] != "private":
            chat.chat["title"] = title
        return chat

    def _chat_for_user(
        self,
        user_id: int,
        chat_id: int | None,
        chat_type: str,
        first_name: str | None,
        chat_title: str | None,
    ) -> _Chat:
        if chat_type == "private":
            if chat_id not in (None, user_id):
                raise ValueError("a private chat's id is the user's id")
            chat = self._ensure_chat(user_id, "private")
            if first_name:
                chat.chat["first_name"] = first_name
            return chat
        if chat_id is None:
            raise ValueError(f"a {chat_type} chat needs an explicit (negative) chat_id")
        return self._ensure_chat(chat_id, chat_type, chat_title)

    def _new_user_message(
        self, chat: _Chat, user_id: int, first_name: str | None, fields: JSON
    ) -> JSON:
        message: JSON = {
            "message_id": chat.allocate_message_id(),
            "from": self._profile(user_id, first_name).to_api(),
            "chat": dict(chat.chat),
            "date": int(time.time()),
            **fields,
        }
        chat.messages[message["message_id"]] = message
        return message

    def _message_json(self, chat: _Chat, message_id: int) -> JSON:
        message = chat.messages.get(message_id)
        if message is None:
            raise LookupError(f"no message {message_id} in chat {chat.chat['id']}")
        return {k: v for k, v in message.items() if k != "reply_to_message"}

    def _store_file(
        self, data: bytes, filename: str | None, mime_type: str | None, folder: str
    ) -> StoredFile:
        number = next(self._ids)
        suffix = ""
        if filename and "." in filename:
            suffix = "." + filename.rsplit(".", 1)[1]
        stored = StoredFile(
            file_id=f"{folder[:3].upper()}-LOCAL-{number:06d}",
            file_unique_id=f"U{number:06d}",
            file_path=f"{folder}/file_{number}{suffix}",
            data=bytes(data),
            filename=filename,
            mime_type=mime_type,
        )
        self._files[stored.file_id] = stored
        self._files_by_path[stored.file_path] = stored
        return stored

    @staticmethod
    def _commands_key(scope: Any, language_code: Any) -> tuple[str, str]:
        scope = scope or {"type": "default"}
        return json.dumps(scope, sort_keys=True), str(language_code or "")

    # ---- internals: HTTP dispatch -----------------------------------------------------------

    def _handle_http(
        self, verb: str, raw_path: str, content_type: str, body: bytes
    ) -> tuple[int, bytes, str]:
        split = urllib.parse.urlsplit(raw_path)
        path = urllib.parse.unquote(split.path)
        if file_match := _FILE_PATH_RE.fullmatch(path):
            return self._serve_file(file_match["token"], file_match["path"])
        match = _API_PATH_RE.fullmatch(path)
        if match is None:
            return self._envelope(BotApiError(404, "Not Found"))
        if match["token"] != self.token:
            return self._envelope(BotApiError(401, "Unauthorized"))
        method = match["method"]
        try:
            params, uploads = _parse_body(content_type, body)
            query = urllib.parse.parse_qsl(split.query, keep_blank_values=True)
            for name, value in query:
                params.setdefault(name, _decode_form_value(name, value))
        except BotApiError as exc:
            return self._envelope(exc)
        except (UnicodeDecodeError, ValueError) as exc:
            return self._envelope(_bad_request(f"can't parse request: {exc}"))
        return self._call(method, params, uploads)

    def _call(
        self, method: str, params: JSON, uploads: dict[str, _Upload]
    ) -> tuple[int, bytes, str]:
        key = _method_key(method)
        call = ApiCall(method, _summarise(params, uploads), time.monotonic())
        with self._lock:
            self._calls.append(call)
            fault = self._take_fault(key, params.get("chat_id"))
        _LOGGER.debug("LocalBotApi %s", method)
        if fault is not None:
            call.outcome = fault.kind
            if fault.kind == "disconnect":
                raise _Disconnect
            return self._envelope(self._fault_error(fault))
        implementation = self._methods.get(key)
        if implementation is None:
            call.outcome = "not_found"
            return self._envelope(BotApiError(404, "Not Found: method not found"))
        try:
            result = implementation(params, uploads)
        except BotApiError as exc:
            call.outcome = f"error {exc.code}"
            call.description = exc.description
            return self._envelope(exc)
        except Exception as exc:
            call.outcome = "crash"
            self._record_error(f"{method}: {type(exc).__name__}: {exc}")
            return self._envelope(BotApiError(500, f"Internal Server Error: {exc}"))
        call.outcome = "ok"
        return 200, json.dumps({"ok": True, "result": result}).encode(), "application/json"

    @staticmethod
    def _envelope(error: BotApiError) -> tuple[int, bytes, str]:
        payload: JSON = {"ok": False, "error_code": error.code, "description": error.description}
        if error.parameters:
            payload["parameters"] = error.parameters
        return error.code, json.dumps(payload).encode(), "application/json"

    def _take_fault(self, key: str, chat_id: Any) -> _Fault | None:
        for fault in self._faults:
            if fault.method_key != key:
                continue
            if fault.chat_id is not None and str(fault.chat_id) != str(chat_id):
                continue
            fault.remaining -= 1
            if fault.remaining == 0:
                self._faults.remove(fault)
            return fault
        return None

    @staticmethod
    def _fault_error(fault: _Fault) -> BotApiError:
        if fault.kind == "retry_after":
            return BotApiError(
                429,
                fault.description or f"Too Many Requests: retry after {fault.retry_after}",
                {"retry_after": fault.retry_after},
            )
        if fault.kind == "forbidden":
            return BotApiError(403, fault.description or "Forbidden: bot was blocked by the user")
        if fault.kind == "server_error":
            return BotApiError(502, fault.description or "Bad Gateway")
        if fault.kind == "migrated":
            return BotApiError(
                400,
                fault.description or "Bad Request: group chat was upgraded to a supergroup chat",
                {"migrate_to_chat_id": fault.migrate_to_chat_id},
            )
        return BotApiError(400, fault.description or "Bad Request: chat not found")

    def _serve_file(self, token: str, file_path: str) -> tuple[int, bytes, str]:
        if token != self.token:
            return self._envelope(BotApiError(401, "Unauthorized"))
        with self._lock:
            stored = self._files_by_path.get(file_path)
        if stored is None:
            return self._envelope(BotApiError(404, "Not Found"))
        return 200, stored.data, stored.mime_type or "application/octet-stream"

    # ---- internals: Bot API methods ---------------------------------------------------------

    def _bot_user(self) -> JSON:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.bot_first_name,
            "username": self.bot_username,
        }

    def _ok(self, params: JSON, uploads: dict[str, _Upload]) -> bool:
        return True

    def _get_me(self, params: JSON, uploads: dict[str, _Upload]) -> JSON:
        return {
            **self._bot_user(),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def _get_updates(self, params: JSON, uploads: dict[str, _Upload]) -> list[JSON]:
        offset = _as_int(params.get("offset", 0), "offset")
        limit = min(max(_as_int(params.get("limit", 100), "limit"), 1), 100)
        timeout = max(float(params.get("timeout", 0) or 0), 0.0)
        deadline = time.monotonic() + timeout
        with self._cond:
            if offset > 0:
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
            elif offset < 0:
                self._updates = self._updates[offset:]
            while not self._updates and not self._stopping:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._cond.wait(remaining)
            return json.loads(json.dumps(self._updates[:limit]))

    def _delete_webhook(self, params: JSON, uploads: dict[str, _Upload]) -> bool:
        with self._cond:
            self._webhook_url = ""
            self._webhook_secret = ""
            if _as_bool(params.get("drop_pending_updates", False)):
                self._updates.clear()
            self._cond.notify_all()
        return True

    def _set_webhook(self, params: JSON, uploads: dict[str, _Upload]) -> bool:
        """Like Telegram: from now on pending and new updates are POSTed to the URL."""
        with self._cond:
            self._webhook_url = str(params.get("url", ""))
            self._webhook_secret = str(params.get("secret_token", "") or "")
            if _as_bool(params.get("drop_pending_updates", False)):
                self._updates.clear()
            if self._webhook_url and self._webhook_thread is None:
                self._webhook_thread = threading.Thread(
                    target=self._deliver_to_webhook, name="LocalBotApi-webhook", daemon=True
                )
                self._webhook_thread.start()
            self._cond.notify_all()
        return True

    def webhook_responses(self) -> list[int]:
        """HTTP status codes the bot's webhook answered, oldest first."""
        with self._lock:
            return list(self._webhook_statuses)

    def _deliver_to_webhook(self) -> None:
        """POST updates one at a time with the secret header; keep an update until it is 200."""
        while True:
            with self._cond:
                while not self._stopping and not (self._webhook_url and self._updates):
                    self._cond.wait(0.5)
                if self._stopping:
                    self._webhook_thread = None
                    return
                url, secret, update = self._webhook_url, self._webhook_secret, self._updates[0]
            request = urllib.request.Request(
                url,
                data=json.dumps(update).encode(),
                headers={"Content-Type": "application/json",
                         **({"X-Telegram-Bot-Api-Secret-Token": secret} if secret else {})},
            )
            try:
                with urllib.request.urlopen(request, timeout=10) as response:
                    status = response.status
            except urllib.error.HTTPError as error:
                status = error.code
            except OSError:
                status = 0  # not listening yet: try again shortly
            with self._cond:
                self._webhook_statuses.append(status)
                if status == 200 and self._updates and self._updates[0] is update:
                    self._updates.pop(0)
                    continue
            time.sleep(0.1)

    def _get_webhook_info(self, params: JSON, uploads: dict[str, _Upload]) -> JSON:
        with self._lock:
            return {
                "url": self._webhook_url,
                "has_custom_certificate": False,
                "pending_update_count": len(self._updates),
            }

    def _set_my_commands(self, params: JSON, uploads: dict[str, _Upload]) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise _bad_request("commands must be a list of at most 100 BotCommand")
        for command in commands:
            name = command.get("command", "") if isinstance(command, dict) else ""
            description = command.get("description", "") if isinstance(command, dict) else ""
            if not _BOT_COMMAND_NAME_RE.fullmatch(name):
                raise _bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(description) <= 256:
                raise _bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        key = self._commands_key(params.get("scope"), params.get("language_code"))
        with self._lock:
            self._commands[key] = [dict(c) for c in commands]
        return True

    def _get_my_commands(self, params: JSON, uploads: dict[str, _Upload]) -> list[JSON]:
        return self.commands(params.get("scope"), params.get("language_code") or "")

    def _delete_my_commands(self, params: JSON, uploads: dict[str, _Upload]) -> bool:
        key = self._commands_key(params.get("scope"), params.get("language_code"))
        with self._lock:
            self._commands.pop(key, None)
        return True

    def _target_chat(self, params: JSON) -> _Chat:
        """Resolve ``chat_id`` for an outgoing call; unknown numeric ids are created leniently."""
        chat_id = params.get("chat_id")
        if chat_id is None or chat_id == "":
            raise _bad_request("chat_id is empty")
        if isinstance(chat_id, str) and not chat_id.lstrip("-").isdigit():
            for chat in self._chats.values():
                if f"@{chat.chat.get('username')}" == chat_id:
                    break
            else:
                raise _bad_request("chat not found")
        else:
            chat = self._ensure_chat(_as_int(chat_id, "chat_id"))
        if chat.blocked:
            raise BotApiError(403, "Forbidden: bot was blocked by the user")
        return chat

    @staticmethod
    def _validated_markup(params: JSON) -> JSON | None:
        markup = params.get("reply_markup")
        if markup is None or markup == "":
            return None
        if not isinstance(markup, dict):
            raise _bad_request("can't parse reply keyboard markup JSON object")
        rows = markup.get("inline_keyboard")
        if rows is None:
            return markup
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise _bad_request('field "inline_keyboard" must be an Array of Array')
        for row in rows:
            for button in row:
                if not isinstance(button, dict) or not button.get("text"):
                    raise _bad_request("can't parse inline keyboard button: text is empty")
                data = button.get("callback_data")
                if data is not None and not (
                    1 <= len(str(data).encode()) <= MAX_CALLBACK_DATA_BYTES
                ):
                    raise _bad_request("BUTTON_DATA_INVALID")
        return markup

    def _reply_to(self, chat: _Chat, params: JSON) -> JSON | None:
        reply = params.get("reply_parameters")
        message_id = reply.get("message_id") if isinstance(reply, dict) else None
        message_id = message_id or params.get("reply_to_message_id")
        if message_id is None:
            return None
        if int(message_id) not in chat.messages:
            raise _bad_request("message to be replied not found")
        return self._message_json(chat, int(message_id))

    def _rendered(
        self, raw: Any, params: JSON, *, limit: int, what: str, entities_key: str
    ) -> tuple[str | None, list[JSON] | None]:
        if raw is None or raw == "":
            return None, None
        text, entities = _render_text(str(raw), params.get("parse_mode"), params.get(entities_key))
        if not text.strip():
            raise _bad_request(f"{what} must be non-empty")
        if len(text) > limit:
            raise _bad_request(f"{what} is too long")
        return text, entities

    def _record_sent(
        self,
        chat: _Chat,
        method: str,
        params: JSON,
        fields: JSON,
        *,
        text: str | None,
        raw_text: str | None,
        document: StoredFile | None = None,
        photo: StoredFile | None = None,
    ) -> JSON:
        """Store a new bot message and return its Bot API ``Message`` object."""
        markup = self._validated_markup(params)
        reply_to = self._reply_to(chat, params)
        message: JSON = {
            "message_id": chat.allocate_message_id(),
            "from": self._bot_user(),
            "chat": dict(chat.chat),
            "date": int(time.time()),
        }
        if reply_to is not None:
            message["reply_to_message"] = reply_to
        message.update({k: v for k, v in fields.items() if v is not None})
        if markup and "inline_keyboard" in markup:
            # Telegram echoes only inline keyboards; PTB's Message.reply_markup expects one.
            message["reply_markup"] = markup
        chat.messages[message["message_id"]] = message
        sent = SentMessage(
            chat_id=chat.chat["id"],
            message_id=message["message_id"],
            method=method,
            text=text,
            raw_text=raw_text,
            parse_mode=params.get("parse_mode"),
            reply_markup=markup,
            date=message["date"],
            document=document,
            photo=photo,
        )
        chat.sent[sent.message_id] = sent
        self._sent.append(sent)
        self._record_activity("sent", sent)
        return json.loads(json.dumps(message))

    def _send_message(self, params: JSON, uploads: dict[str, _Upload]) -> JSON:
        raw = params.get("text")
        if raw is None or str(raw) == "":
            raise _bad_request("message text is empty")
        with self._lock:
            chat = self._target_chat(params)
            text, entities = self._rendered(
                raw, params, limit=MAX_TEXT_LENGTH, what="message text", entities_key="entities"
            )
            if text is None:
                raise _bad_request("message text is empty")
            fields = {"text": text, "entities": entities}
            return self._record_sent(
                chat, "sendMessage", params, fields, text=text, raw_text=str(raw)
            )

    def _input_file(
        self, params: JSON, uploads: dict[str, _Upload], name: str, folder: str
    ) -> StoredFile:
        """Resolve an upload, an ``attach://`` reference or an existing file_id."""
        value = params.get(name)
        upload = uploads.get(name)
        if isinstance(value, str) and value.startswith("attach://"):
            upload = uploads.get(value.removeprefix("attach://"))
        if upload is not None:
            if not upload.data:
                raise _bad_request("file must be non-empty")
            mime = upload.content_type
            if not mime or mime == "application/octet-stream":
                guessed = mimetypes.guess_type(upload.filename or "")[0]
                mime = guessed or mime
            return self._store_file(upload.data, upload.filename, mime, folder)
        if isinstance(value, str) and value in self._files:
            return self._files[value]
        if isinstance(value, str) and value.startswith(("http://", "https://")):
            filename = value.rsplit("/", 1)[-1] or None
            return self._store_file(b"", filename, mimetypes.guess_type(value)[0], folder)
        raise _bad_request("wrong file identifier/HTTP URL specified")

    def _send_file(
        self, params: JSON, uploads: dict[str, _Upload], kind: Literal["document", "photo"]
    ) -> JSON:
        with self._lock:
            chat = self._target_chat(params)
            stored = self._input_file(params, uploads, kind, f"{kind}s")
            caption, entities = self._rendered(
                params.get("caption"),
                params,
                limit=MAX_CAPTION_LENGTH,
                what="message caption",
                entities_key="caption_entities",
            )
            file_json = stored.to_document() if kind == "document" else stored.to_photo()
            fields: JSON = {kind: file_json, "caption": caption, "caption_entities": entities}
            method = "sendDocument" if kind == "document" else "sendPhoto"
            return self._record_sent(
                chat,
                method,
                params,
                fields,
                text=caption,
                raw_text=params.get("caption"),
                document=stored if kind == "document" else None,
                photo=stored if kind == "photo" else None,
            )

    def _send_document(self, params: JSON, uploads: dict[str, _Upload]) -> JSON:
        return self._send_file(params, uploads, "document")

    def _send_photo(self, params: JSON, uploads: dict[str, _Upload]) -> JSON:
        return self._send_file(params, uploads, "photo")

    def _editable(self, params: JSON) -> tuple[_Chat, JSON, SentMessage]:
        if params.get("inline_message_id"):
            raise _bad_request("inline messages are not supported by LocalBotApi")
        chat = self._target_chat(params)
        message_id = _as_int(params.get("message_id"), "message_id")
        message = chat.messages.get(message_id)
        sent = chat.sent.get(message_id)
        if message is None or (sent is not None and sent.deleted):
            raise _bad_request("message to edit not found")
        if sent is None:
            raise _bad_request("message can't be edited")
        return chat, message, sent

    def _apply_edit(
        self,
        method: str,
        message: JSON,
        sent: SentMessage,
        *,
        text_key: str,
        text: str | None,
        raw_text: str | None,
        entities: list[JSON] | None,
        parse_mode: str | None,
        markup: JSON | None,
    ) -> JSON:
        inline = markup if markup and "inline_keyboard" in markup else None
        if text == sent.text and inline == message.get("reply_markup"):
            raise _bad_request(
                "message is not modified: specified new message content and reply markup are "
                "exactly the same as a current content and reply markup of the message"
            )
        sent.edits.append(
            Edit(method, sent.text, sent.raw_text, sent.parse_mode, sent.reply_markup, sent.at)
        )
        entities_key = "entities" if text_key == "text" else "caption_entities"
        message.pop(entities_key, None)
        if text is None:
            message.pop(text_key, None)
        else:
            message[text_key] = text
            if entities:
                message[entities_key] = entities
        if inline is None:
            message.pop("reply_markup", None)
        else:
            message["reply_markup"] = inline
        message["edit_date"] = int(time.time())
        sent.text, sent.raw_text, sent.parse_mode = text, raw_text, parse_mode
        sent.reply_markup = inline
        sent.at = time.monotonic()
        self._record_activity("edited", sent)
        return json.loads(json.dumps(message))

    def _edit_message_text(self, params: JSON, uploads: dict[str, _Upload]) -> JSON:
        with self._lock:
            _, message, sent = self._editable(params)
            if "text" not in message:
                raise _bad_request("there is no text in the message to edit")
            raw = params.get("text")
            text, entities = self._rendered(
                raw, params, limit=MAX_TEXT_LENGTH, what="message text", entities_key="entities"
            )
            if text is None:
                raise _bad_request("message text is empty")
            return self._apply_edit(
                "editMessageText",
                message,
                sent,
                text_key="text",
                text=text,
                raw_text=str(raw),
                entities=entities,
                parse_mode=params.get("parse_mode"),
                markup=self._validated_markup(params),
            )

    def _edit_message_caption(self, params: JSON, uploads: dict[str, _Upload]) -> JSON:
        with self._lock:
            _, message, sent = self._editable(params)
            if "text" in message:
                raise _bad_request("there is no caption in the message to edit")
            raw = params.get("caption")
            caption, entities = self._rendered(
                raw,
                params,
                limit=MAX_CAPTION_LENGTH,
                what="message caption",
                entities_key="caption_entities",
            )
            return self._apply_edit(
                "editMessageCaption",
                message,
                sent,
                text_key="caption",
                text=caption,
                raw_text=None if raw is None else str(raw),
                entities=entities,
                parse_mode=params.get("parse_mode"),
                markup=self._validated_markup(params),
            )

    def _edit_message_reply_markup(self, params: JSON, uploads: dict[str, _Upload]) -> JSON:
        with self._lock:
            _, message, sent = self._editable(params)
            text_key = "text" if "text" in message else "caption"
            return self._apply_edit(
                "editMessageReplyMarkup",
                message,
                sent,
                text_key=text_key,
                text=sent.text,
                raw_text=sent.raw_text,
                entities=message.get("entities" if text_key == "text" else "caption_entities"),
                parse_mode=sent.parse_mode,
                markup=self._validated_markup(params),
            )

    def _delete_message(self, params: JSON, uploads: dict[str, _Upload]) -> bool:
        with self._lock:
            chat = self._target_chat(params)
            message_id = _as_int(params.get("message_id"), "message_id")
            if message_id not in chat.messages:
                raise _bad_request("message to delete not found")
            del chat.messages[message_id]
            sent = chat.sent.get(message_id)
            if sent is not None:
                sent.deleted = True
                self._record_activity("deleted", sent)
            return True

    def _answer_callback_query(self, params: JSON, uploads: dict[str, _Upload]) -> bool:
        query_id = str(params.get("callback_query_id", ""))
        with self._lock:
            if self._callback_queries.get(query_id, True):
                raise _bad_request(
                    "query is too old and response timeout expired or query ID is invalid"
                )
            self._callback_queries[query_id] = True
            self._answered.append(
                AnsweredCallback(
                    callback_query_id=query_id,
                    text=params.get("text"),
                    show_alert=_as_bool(params.get("show_alert", False)),
                    url=params.get("url"),
                    at=time.monotonic(),
                )
            )
            self._wake()
        return True

    def _send_chat_action(self, params: JSON, uploads: dict[str, _Upload]) -> bool:
        with self._lock:
            self._target_chat(params)
        return True

    def _get_file(self, params: JSON, uploads: dict[str, _Upload]) -> JSON:
        with self._lock:
            stored = self._files.get(str(params.get("file_id", "")))
        if stored is None:
            raise _bad_request("invalid file_id")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": stored.size,
            "file_path": stored.file_path,
        }

    def _get_chat(self, params: JSON, uploads: dict[str, _Upload]) -> JSON:
        chat_id = params.get("chat_id")
        with self._lock:
            chat = self._chats.get(chat_id) if isinstance(chat_id, int) else None
            if chat is None:
                raise _bad_request("chat not found")
            return {
                **chat.chat,
                "accent_color_id": 0,
                "max_reaction_count": 11,
                "accepted_gift_types": {
                    "unlimited_gifts": False,
                    "limited_gifts": False,
                    "unique_gifts": False,
                    "premium_subscription": False,
                    "gifts_from_channels": False,
                },
            }
