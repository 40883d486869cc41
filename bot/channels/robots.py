"""What the WeCom, Feishu and DingTalk group robots share: one POST of JSON to a webhook URL.

A group robot is a webhook URL the group owner copies from the group's settings (plus, for
Feishu and DingTalk, an optional signing secret). Whoever holds the URL can post to the group,
so the URL is a secret: it is stored encrypted (bot/secrets.py), looked up by robot id when a
message goes out, and never logged, echoed or put in an exception — logs name the robot id
and its hint (`webhook_hint`). Each vendor module (wecom.py, feishu.py, dingtalk.py) says only
what differs: the URL shape, the JSON body, the signature and the meaning of its error codes.

Rate limits are per robot. A local sliding-window limiter keeps us under the documented limit
and answers `RetryLater(seconds until a slot, whole_channel=False)` instead of sleeping, so
the tick postpones that one delivery and goes on with every other endpoint. The limiter counts
in this process only; with several worker processes the vendor's own rate-limit error (also
`RetryLater`) is the backstop.
"""

from __future__ import annotations

import json
import logging
import re
import time
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import httpx

from bot.channels.base import (  # RobotTarget, the URL checks: the contract, in base.py
    ChannelKind,
    Delivered,
    DeliveryFailed,
    Endpoint,
    EndpointGone,
    InvalidWebhookUrl,
    Rendered,
    RetryLater,
    RobotTarget,
    RobotTargets,
    check_webhook_url,
)
from bot.channels.markup import Flavour, Link, action_links, links_block, to_flavour

log = logging.getLogger(__name__)


class _MaskWebhookCredentials(logging.Filter):
    """httpx logs every request URL at INFO; a robot's URL carries its key. bot/logging_setup
    keeps httpx at WARNING, and this filter on httpx's logger masks the key in case a
    deployment (or a test at DEBUG) lets those lines through."""

    _CREDENTIAL = re.compile(
        r"((?:[?&](?:key|access_token|sign|timestamp)=)|/open-apis/bot/v2/hook/)[^&\s\"']+")

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = self._CREDENTIAL.sub(r"\1****", message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


def mask_webhook_credentials_in_http_logs() -> None:
    """Install the mask on httpx's logger once (idempotent)."""
    logger = logging.getLogger("httpx")
    if not any(isinstance(f, _MaskWebhookCredentials) for f in logger.filters):
        logger.addFilter(_MaskWebhookCredentials())


# ---------------------------------------------------------------------------------------------
# Rate limits


@dataclass(frozen=True)
class Window:
    """At most `count` messages in any `seconds`."""

    count: int
    seconds: float


class RobotLimiter:
    """Sliding windows per robot: reserve a slot now, or learn how long until one is free."""

    def __init__(self, windows: tuple[Window, ...], clock: Callable[[], float]) -> None:
        self._windows = windows
        self._clock = clock
        self._sent: dict[int, deque[float]] = {}

    def reserve(self, robot_id: int) -> float:
        """0 and the slot is taken; else the seconds until a slot frees (nothing taken)."""
        now = self._clock()
        sent = self._sent.setdefault(robot_id, deque())
        longest = max(window.seconds for window in self._windows)
        while sent and sent[0] <= now - longest:
            sent.popleft()
        wait = 0.0
        for window in self._windows:
            recent = [at for at in sent if at > now - window.seconds]
            if len(recent) >= window.count:
                wait = max(wait, recent[-window.count] + window.seconds - now)
        if wait > 0:
            return wait
        sent.append(now)
        return 0.0


# ---------------------------------------------------------------------------------------------
# The shared adapter


@dataclass(frozen=True)
class VendorAnswer:
    """A vendor's JSON answer reduced to its error code and message."""

    code: int
    message: str


class RobotChannel(ABC):
    """A `Channel` for one robot vendor: POST the rendered text, read the vendor's errcode."""

    kind: ClassVar[ChannelKind]
    flavour: ClassVar[Flavour]
    #: The documented per-robot limit, kept locally.
    windows: ClassVar[tuple[Window, ...]]
    #: How long the vendor blocks a robot that went over its limit.
    throttle_seconds: ClassVar[float]
    #: Vendor error codes: over the rate limit; webhook key / token invalid or robot removed.
    rate_limited_codes: ClassVar[frozenset[int]]
    gone_codes: ClassVar[frozenset[int]]
    #: The most a message body may hold, in UTF-8 bytes.
    max_bytes: ClassVar[int]

    def __init__(
        self,
        targets: RobotTargets,
        *,
        bot_username: str | Callable[[], str],
        client: httpx.AsyncClient | None = None,
        allow_local: bool = False,
        wall_clock: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
        timeout: float = 10.0,
    ) -> None:
        self._targets = targets
        self._bot_username = bot_username
        self._client = client
        self._own_client = client is None
        self._allow_local = allow_local
        self._wall_clock = wall_clock
        self._limiter = RobotLimiter(self.windows, monotonic)
        self._timeout = timeout
        mask_webhook_credentials_in_http_logs()

    # -- the Channel protocol -----------------------------------------------------------------

    async def send_text(self, endpoint: Endpoint, message: Rendered) -> Delivered:
        if message.personal:
            raise ValueError("personal data (身份证, wages, fees) is never sent to a robot")
        if endpoint.kind != self.kind:
            raise ValueError(f"{self.kind} channel got a {endpoint.kind} endpoint")
        target = await self._targets.robot_target(endpoint.address)
        if target is None:
            raise EndpointGone(f"robot {endpoint.address} removed")
        try:
            check_webhook_url(self.kind, target.url, allow_local=self._allow_local)
        except InvalidWebhookUrl as error:
            raise EndpointGone(
                f"robot {target.robot_id}: stored URL invalid ({error.reason})") from None
        wait = self._limiter.reserve(target.robot_id)
        if wait > 0:
            log.info("robot %s (%s): local rate limit, retry in %.1fs",
                     target.robot_id, target.hint, wait)
            raise RetryLater(wait, f"robot {target.robot_id} local rate limit",
                             whole_channel=False)
        url, body = self.request(target, self.compose(message))
        answer = await self._post(target, url, body)
        self._judge(target, answer)
        return Delivered()

    async def send_file(
        self, endpoint: Endpoint, filename: str, content: bytes, caption: Rendered | None
    ) -> Delivered:
        raise DeliveryFailed("unsupported")

    async def aclose(self) -> None:
        if self._client is not None and self._own_client:
            await self._client.aclose()
            self._client = None

    # -- what each vendor module fills in --------------------------------------------------

    @abstractmethod
    def request(self, target: RobotTarget, text: Composed) -> tuple[httpx.URL, dict[str, Any]]:
        """The URL to POST to (signed if the vendor signs in the query) and the JSON body."""

    @abstractmethod
    def answer(self, payload: Mapping[str, Any]) -> VendorAnswer:
        """The error code and message in the vendor's JSON answer."""

    # -- shared steps -----------------------------------------------------------------------

    def compose(self, message: Rendered) -> Composed:
        body = to_flavour(message.html, self.flavour)
        named = self._bot_username
        links = action_links(message.actions, named if isinstance(named, str) else named())
        return Composed(title=message.title, body=body, links=tuple(links),
                        links_text=links_block(links, self.flavour))

    def now(self) -> float:
        return self._wall_clock()

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=self._timeout, follow_redirects=False)
        return self._client

    async def _post(
        self, target: RobotTarget, url: httpx.URL, body: dict[str, Any]
    ) -> VendorAnswer:
        content = json.dumps(body, ensure_ascii=False).encode("utf-8")
        try:
            response = await self._http().post(
                url, content=content,
                headers={"Content-Type": "application/json; charset=utf-8"},
            )
        except httpx.HTTPError as error:
            # httpx's message names the URL (and so the key): report the type only
            log.warning("robot %s (%s): %s", target.robot_id, target.hint,
                        type(error).__name__)
            raise DeliveryFailed(f"robot {target.robot_id}: {type(error).__name__}") from None
        if response.status_code == 429:
            raise RetryLater(self.throttle_seconds, f"robot {target.robot_id}: HTTP 429",
                             whole_channel=False)
        if response.status_code == 404:
            raise EndpointGone(f"robot {target.robot_id}: HTTP 404")
        if response.status_code >= 400:
            raise DeliveryFailed(f"robot {target.robot_id}: HTTP {response.status_code}")
        try:
            payload = response.json()
        except ValueError:
            raise DeliveryFailed(f"robot {target.robot_id}: answer is not JSON") from None
        if not isinstance(payload, dict):
            raise DeliveryFailed(f"robot {target.robot_id}: answer is not a JSON object")
        return self.answer(payload)

    def _judge(self, target: RobotTarget, answer: VendorAnswer) -> None:
        if answer.code == 0:
            log.info("robot %s (%s): delivered", target.robot_id, target.hint)
            return
        detail = f"{self.kind} errcode {answer.code}"
        log.warning("robot %s (%s): %s", target.robot_id, target.hint, detail)
        if answer.code in self.rate_limited_codes:
            raise RetryLater(self.throttle_seconds, detail, whole_channel=False)
        if answer.code in self.gone_codes:
            raise EndpointGone(detail)
        raise DeliveryFailed(detail)


@dataclass(frozen=True)
class Composed:
    """One message in the vendor's flavour: title, body, and the actions as links."""

    title: str
    body: str
    links: tuple[Link, ...]
    links_text: str

    def joined(self, separator: str = "\n") -> str:
        return f"{self.body}{separator}{self.links_text}" if self.links_text else self.body
