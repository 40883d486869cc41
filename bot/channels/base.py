"""What every delivery channel (Telegram, WeCom / Feishu / DingTalk group robots) offers.

Services decide *what* to tell whom as typed notifications in the outbox; the reminder tick
renders each notification once per audience from the templates and hands the result to the
channel of each endpoint. A channel knows only how to put rendered text (and its actions)
on the wire and how to read the answer: it reports delivered, retry-after or gone, and never
lets a vendor's own exception escape, so the tick treats every channel alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol


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
