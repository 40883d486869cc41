"""What every delivery channel (Telegram, WeCom / Feishu / DingTalk group robots) offers.

Services decide *what* to tell whom as typed notifications in the outbox; the reminder tick
renders each notification once per audience from the templates and hands the result to the
channel of each endpoint. A channel knows only how to put rendered text (and its actions)
on the wire and how to read the answer: it reports delivered, retry-after or gone, and never
lets a vendor's own exception escape, so the tick treats every channel alike.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol
from urllib.parse import parse_qs, urlsplit


class ChannelKind(StrEnum):
    TELEGRAM = "telegram"
    WECOM = "wecom"
    FEISHU = "feishu"
    DINGTALK = "dingtalk"


@dataclass(frozen=True)
class Action:
    """A button on Telegram; a link back to the bot where a channel cannot take presses.

    `start_payload` is the deep-link payload (https://t.me/<bot>?start=<payload>, 1–64
    characters of A–Z a–z 0–9 _ -); None means the action has no link form and robots drop it.
    """

    label: str
    callback_data: str
    start_payload: str | None = None


@dataclass(frozen=True)
class Rendered:
    """One notification rendered for one audience.

    `html` is the Telegram HTML subset (<b> <i> <u> <s> <code> <pre> <a href>, entities
    escaped) made from the notification's template; robot adapters convert that same text to
    their markdown or plain text. `personal` marks text naming 身份证, wages or fees: it is
    never delivered to a group chat or a robot (adapters refuse it with ValueError).
    """

    title: str
    html: str
    actions: tuple[Action, ...] = ()
    personal: bool = False


@dataclass(frozen=True)
class Endpoint:
    """Where one delivery goes; `key` is unique per notification and names the delivery row.

    Telegram: key ``telegram:<chat id>``, address the chat id. Robots: key ``robot:<row id>``,
    address the robot row id (the adapter looks up its decrypted URL and secret).
    """

    key: str
    kind: ChannelKind
    address: int
    is_group: bool

    @classmethod
    def telegram(cls, chat_id: int, *, is_group: bool = False) -> Endpoint:
        return cls(f"telegram:{chat_id}", ChannelKind.TELEGRAM, chat_id, is_group)

    @classmethod
    def robot(cls, robot_id: int, kind: ChannelKind) -> Endpoint:
        return cls(f"robot:{robot_id}", kind, robot_id, True)


@dataclass(frozen=True)
class Delivered:
    """Accepted by the channel; `message_id` when the channel returns one (Telegram does)."""

    message_id: int | None = None


class DeliveryError(Exception):
    """A channel could not deliver; the subclasses say what the caller should do."""


class RetryLater(DeliveryError):
    """The channel asks us to wait.

    `whole_channel` is True when every send on the channel must wait (Telegram's flood
    control); False when only this endpoint is limited (a robot's 20-a-minute limit): the
    tick then postpones this notification for this endpoint and goes on with the others.
    """

    def __init__(self, seconds: float, detail: str = "", *, whole_channel: bool = True) -> None:
        super().__init__(detail or f"retry after {seconds:g}s")
        self.seconds = seconds
        self.whole_channel = whole_channel


class EndpointGone(DeliveryError):
    """The endpoint will never accept again (chat blocked the bot, robot deleted or its key
    invalid): stop sending there and tell the company's other HR."""


class DeliveryFailed(DeliveryError):
    """Anything else (network, timeout, 5xx, bad request): retry later with backoff."""


class EndpointMoved(DeliveryFailed):
    """The endpoint now lives at `new_address` (a Telegram group upgraded to a supergroup gets
    a new chat id): send there instead and keep the new address. A DeliveryFailed, so a caller
    that does not know it still retries with backoff instead of losing the message."""

    def __init__(self, new_address: int, detail: str = "") -> None:
        super().__init__(detail or f"moved to {new_address}")
        self.new_address = new_address


class Channel(Protocol):
    """One adapter per ChannelKind. Implementations raise only the DeliveryError subclasses."""

    kind: ChannelKind

    async def send_text(self, endpoint: Endpoint, message: Rendered) -> Delivered: ...

    async def send_file(
        self, endpoint: Endpoint, filename: str, content: bytes, caption: Rendered | None
    ) -> Delivered:
        """Robots that cannot take a file raise DeliveryFailed("unsupported") — callers send
        files to private Telegram chats only, so this is a guard, not a path."""
        ...


# ---------------------------------------------------------------------------------------------
# Group robots: what a robot endpoint is (services store and check it; adapters post to it)

ROBOT_KINDS = (ChannelKind.WECOM, ChannelKind.FEISHU, ChannelKind.DINGTALK)
_LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


@dataclass(frozen=True)
class RobotTarget:
    """One robot's decrypted address, looked up only for the moment of a send."""

    robot_id: int
    kind: ChannelKind
    url: str
    secret: str | None
    hint: str

    def __repr__(self) -> str:  # never show the URL or the secret, even in a traceback
        return f"RobotTarget(id={self.robot_id}, kind={self.kind}, hint={self.hint!r})"


class RobotTargets(Protocol):
    """Where adapters find a robot's URL and secret: None when the robot was removed."""

    async def robot_target(self, robot_id: int) -> RobotTarget | None: ...


# ---------------------------------------------------------------------------------------------
# Webhook URLs


@dataclass(frozen=True)
class WebhookShape:
    """What a vendor's webhook URL looks like (from the URL shown in the group's settings)."""

    hosts: frozenset[str]
    path_prefix: str
    #: The query parameter holding the credential, or None when it is the last path segment.
    credential_param: str | None


SHAPES: Mapping[ChannelKind, WebhookShape] = {
    ChannelKind.WECOM: WebhookShape(
        frozenset({"qyapi.weixin.qq.com"}), "/cgi-bin/webhook/send", "key"),
    ChannelKind.FEISHU: WebhookShape(
        frozenset({"open.feishu.cn", "open.larksuite.com"}), "/open-apis/bot/v2/hook/", None),
    ChannelKind.DINGTALK: WebhookShape(
        frozenset({"oapi.dingtalk.com"}), "/robot/send", "access_token"),
}


class InvalidWebhookUrl(ValueError):
    """The pasted URL is not this vendor's robot webhook; `reason` names what is wrong."""

    def __init__(self, kind: ChannelKind, reason: str) -> None:
        super().__init__(f"{kind} webhook: {reason}")
        self.kind = kind
        self.reason = reason  # "scheme" | "host" | "path" | "credential"


def webhook_credential(kind: ChannelKind, url: str) -> str:
    """The key / token part of a webhook URL (empty when missing)."""
    parts = urlsplit(url)
    shape = SHAPES[kind]
    if shape.credential_param is None:
        return parts.path.removeprefix(shape.path_prefix).strip("/")
    return (parse_qs(parts.query).get(shape.credential_param) or [""])[0]


def check_webhook_url(kind: ChannelKind, url: str, *, allow_local: bool = False) -> str:
    """The URL, stripped, if it is `kind`'s robot webhook; else InvalidWebhookUrl.

    Only the vendor's own HTTPS host is accepted, so a pasted URL cannot point the bot at an
    arbitrary server. `allow_local` (settings `robots.allow_local_webhooks`, off by default)
    also accepts http://127.0.0.1:<port> with the same path: the tests' fake vendor server.
    """
    url = url.strip()
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    local = allow_local and host in _LOCAL_HOSTS
    if not local and parts.scheme != "https":
        raise InvalidWebhookUrl(kind, "scheme")
    if local and parts.scheme not in ("http", "https"):
        raise InvalidWebhookUrl(kind, "scheme")
    shape = SHAPES[kind]
    if not local and (host not in shape.hosts or parts.port not in (None, 443)):
        raise InvalidWebhookUrl(kind, "host")
    if parts.username or parts.password or parts.fragment:
        raise InvalidWebhookUrl(kind, "host")
    if shape.credential_param is None:
        if not parts.path.startswith(shape.path_prefix):
            raise InvalidWebhookUrl(kind, "path")
    elif parts.path.rstrip("/") != shape.path_prefix:
        raise InvalidWebhookUrl(kind, "path")
    credential = webhook_credential(kind, url)
    if not credential or "/" in credential or len(credential) < 8:
        raise InvalidWebhookUrl(kind, "credential")
    return url


def webhook_hint(kind: ChannelKind, url: str) -> str:
    """What HR see of a stored URL: the host and the credential's last four characters."""
    host = urlsplit(url).hostname or "?"
    credential = webhook_credential(kind, url)
    return f"{host} …{credential[-4:]}" if len(credential) >= 8 else host
