"""The WeCom / Feishu / DingTalk adapters against the local fake vendor server."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.channels.base import (
    Action,
    ChannelKind,
    DeliveryFailed,
    Endpoint,
    EndpointGone,
    InvalidWebhookUrl,
    Rendered,
    RetryLater,
    RobotTarget,
    check_webhook_url,
    webhook_hint,
)
from bot.channels.dingtalk import DingTalkChannel
from bot.channels.feishu import FeishuChannel
from bot.channels.robots import RobotChannel, RobotLimiter, Window
from bot.channels.wecom import WeComChannel
from tests.fakes.robot_server import FakeRobot, RobotServer

BOT = "hr_helper_bot"
WECOM_SEND = "qyapi.weixin.qq.com/cgi-bin/webhook/send"
MESSAGE = Rendered(
    title="⏰ 社保登记提醒",
    html="⏰ 社保登记提醒\n员工 <b>陈明远</b>（后厨）入职已满 <b>23</b> 天。",
    actions=(Action("📄 查看", "reminders:view:7", start_payload="r7"),
             Action("✅ 已办理", "reminders:done:7")),
)
CHANNELS: dict[ChannelKind, type[RobotChannel]] = {
    ChannelKind.WECOM: WeComChannel,
    ChannelKind.FEISHU: FeishuChannel,
    ChannelKind.DINGTALK: DingTalkChannel,
}


class Book:
    """RobotTargets in memory: robot id → target."""

    def __init__(self) -> None:
        self.targets: dict[int, RobotTarget] = {}

    def add(self, robot: FakeRobot, *, secret: str | None = None) -> Endpoint:
        robot_id = len(self.targets) + 1
        self.targets[robot_id] = RobotTarget(
            robot_id, robot.kind, robot.url, secret if secret is not None else robot.secret,
            webhook_hint(robot.kind, robot.url))
        return Endpoint.robot(robot_id, robot.kind)

    async def robot_target(self, robot_id: int) -> RobotTarget | None:
        return self.targets.get(robot_id)


@pytest.fixture
def server() -> Iterator[RobotServer]:
    with RobotServer() as running:
        yield running


def channel(kind: ChannelKind, book: Book, **kwargs: object) -> RobotChannel:
    return CHANNELS[kind](book, bot_username=BOT, allow_local=True, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize("kind", list(CHANNELS))
async def test_delivers_in_the_vendor_format(server: RobotServer, kind: ChannelKind) -> None:
    book = Book()
    robot = server.add(kind)
    endpoint = book.add(robot)
    adapter = channel(kind, book)
    try:
        await adapter.send_text(endpoint, MESSAGE)
    finally:
        await adapter.aclose()
    [body] = robot.messages
    link = "https://t.me/hr_helper_bot?start=r7"
    if kind is ChannelKind.WECOM:
        assert body["msgtype"] == "markdown"
        assert body["markdown"]["content"] == (
            "⏰ 社保登记提醒\n员工 **陈明远**（后厨）入职已满 **23** 天。\n"
            f"[📄 查看]({link})")
    elif kind is ChannelKind.DINGTALK:
        assert body["msgtype"] == "markdown" and body["markdown"]["title"] == "⏰ 社保登记提醒"
        assert body["markdown"]["text"].endswith(f"\n\n[📄 查看]({link})")
    else:
        post = body["content"]["post"]["zh_cn"]
        assert post["title"] == "⏰ 社保登记提醒"
        assert post["content"] == [
            [{"tag": "text", "text": "员工 陈明远（后厨）入职已满 23 天。"}],
            [{"tag": "a", "text": "📄 查看", "href": link}],
        ]
    assert "已办理" not in str(body)  # an action without a deep link is dropped


@pytest.mark.parametrize("kind", [ChannelKind.FEISHU, ChannelKind.DINGTALK])
async def test_signed_robot_accepts_the_right_secret_only(
    server: RobotServer, kind: ChannelKind
) -> None:
    book = Book()
    robot = server.add(kind, secret="SECabc123def456")
    good = book.add(robot)
    wrong = book.add(robot, secret="SECnot-the-one")
    adapter = channel(kind, book)
    try:
        await adapter.send_text(good, MESSAGE)
        with pytest.raises(DeliveryFailed):
            await adapter.send_text(wrong, MESSAGE)
    finally:
        await adapter.aclose()
    assert len(robot.messages) == 1
    assert robot.answers == ["ok", "19021" if kind is ChannelKind.FEISHU else "310000"]


@pytest.mark.parametrize("kind", [ChannelKind.FEISHU, ChannelKind.DINGTALK])
async def test_a_stale_timestamp_is_refused_like_the_vendor(
    server: RobotServer, kind: ChannelKind
) -> None:
    import time

    book = Book()
    robot = server.add(kind, secret="SECabc123def456")
    endpoint = book.add(robot)
    adapter = channel(kind, book, wall_clock=lambda: time.time() - 2 * 3600)
    try:
        with pytest.raises(DeliveryFailed):
            await adapter.send_text(endpoint, MESSAGE)
    finally:
        await adapter.aclose()
    assert robot.messages == []


@pytest.mark.parametrize("kind", list(CHANNELS))
async def test_vendor_rate_limit_is_retry_later_for_this_robot_only(
    server: RobotServer, kind: ChannelKind
) -> None:
    book = Book()
    robot = server.add(kind)
    robot.script.append("rate_limit")
    endpoint = book.add(robot)
    adapter = channel(kind, book)
    try:
        with pytest.raises(RetryLater) as raised:
            await adapter.send_text(endpoint, MESSAGE)
        await adapter.send_text(endpoint, MESSAGE)
    finally:
        await adapter.aclose()
    assert raised.value.whole_channel is False
    assert raised.value.seconds == (600 if kind is ChannelKind.DINGTALK else 60)
    assert len(robot.messages) == 1


@pytest.mark.parametrize("kind", list(CHANNELS))
async def test_removed_robot_is_gone(server: RobotServer, kind: ChannelKind) -> None:
    book = Book()
    robot = server.add(kind)
    endpoint = book.add(robot)
    server.remove(robot)
    adapter = channel(kind, book)
    try:
        with pytest.raises(EndpointGone):
            await adapter.send_text(endpoint, MESSAGE)
        with pytest.raises(EndpointGone):  # no longer in our table either
            await adapter.send_text(Endpoint.robot(99, kind), MESSAGE)
    finally:
        await adapter.aclose()


async def test_local_limiter_answers_instead_of_sleeping() -> None:
    book = Book()
    now = [1000.0]
    server = RobotServer(clock=lambda: now[0]).start()  # the vendor counts on the same clock
    robot = server.add(ChannelKind.WECOM)
    other = server.add(ChannelKind.WECOM)
    endpoint, other_endpoint = book.add(robot), book.add(other)
    adapter = channel(ChannelKind.WECOM, book, monotonic=lambda: now[0])
    try:
        for _ in range(20):
            await adapter.send_text(endpoint, MESSAGE)
            now[0] += 1
        with pytest.raises(RetryLater) as raised:
            await adapter.send_text(endpoint, MESSAGE)
        await adapter.send_text(other_endpoint, MESSAGE)  # another robot is not held up
        now[0] = 1060.0
        await adapter.send_text(endpoint, MESSAGE)
    finally:
        await adapter.aclose()
        server.stop()
    assert raised.value.whole_channel is False
    assert raised.value.seconds == pytest.approx(40.0)
    assert len(robot.messages) == 21 and len(other.messages) == 1
    assert "45009" not in robot.answers  # we never hit the vendor's limit ourselves


async def test_personal_text_and_files_are_refused(server: RobotServer) -> None:
    book = Book()
    robot = server.add(ChannelKind.DINGTALK)
    endpoint = book.add(robot)
    adapter = channel(ChannelKind.DINGTALK, book)
    try:
        with pytest.raises(ValueError):
            await adapter.send_text(endpoint, Rendered("x", "身份证 110…", personal=True))
        with pytest.raises(DeliveryFailed, match="unsupported"):
            await adapter.send_file(endpoint, "a.xlsx", b"x", None)
    finally:
        await adapter.aclose()
    assert robot.messages == [] and robot.answers == []


async def test_network_errors_and_logs_never_show_the_url(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    book = Book()
    with RobotServer() as server:
        robot = server.add(ChannelKind.WECOM)
        endpoint = book.add(robot)
        rejected = server.add(ChannelKind.WECOM)
        server.remove(rejected)
        rejected_endpoint = book.add(rejected)
        adapter = channel(ChannelKind.WECOM, book)
        await adapter.send_text(endpoint, MESSAGE)
        with pytest.raises(EndpointGone) as gone:
            await adapter.send_text(rejected_endpoint, MESSAGE)
    # the server is stopped: connection refused
    with pytest.raises(DeliveryFailed) as failed:
        await adapter.send_text(endpoint, MESSAGE)
    await adapter.aclose()
    for text in (caplog.text, str(gone.value), str(failed.value), repr(book.targets)):
        for secret in (robot.credential, rejected.credential, robot.url):
            assert secret not in text
    assert failed.value.__cause__ is None  # httpx's error (with the URL) is not chained


async def test_a_redirect_is_not_followed(server: RobotServer) -> None:
    """A 3xx would carry the body elsewhere; it is a failure, not a hop."""
    book = Book()
    robot = server.add(ChannelKind.WECOM)
    endpoint = book.add(robot)

    def redirect(request: httpx.Request) -> httpx.Response:
        return httpx.Response(302, headers={"Location": "https://evil.example/"})

    client = httpx.AsyncClient(transport=httpx.MockTransport(redirect))
    adapter = WeComChannel(book, bot_username=BOT, allow_local=True, client=client)
    with pytest.raises(DeliveryFailed):
        await adapter.send_text(endpoint, MESSAGE)
    await client.aclose()


@pytest.mark.parametrize(
    ("kind", "url", "reason"),
    [
        (ChannelKind.WECOM, f"http://{WECOM_SEND}?key=12345678", "scheme"),
        (ChannelKind.WECOM, "https://evil.example/cgi-bin/webhook/send?key=12345678", "host"),
        (ChannelKind.WECOM, "https://qyapi.weixin.qq.com.evil.example/cgi-bin/webhook/send?key=1234"
         "5678", "host"),
        (ChannelKind.WECOM, "https://qyapi.weixin.qq.com/cgi-bin/other?key=12345678", "path"),
        (ChannelKind.WECOM, "https://qyapi.weixin.qq.com/cgi-bin/webhook/send", "credential"),
        (ChannelKind.FEISHU, "https://open.feishu.cn/open-apis/bot/v2/hook/", "credential"),
        (ChannelKind.FEISHU, "https://oapi.dingtalk.com/robot/send?access_token=12345678", "host"),
        (ChannelKind.DINGTALK, "https://oapi.dingtalk.com/robot/send?token=12345678",
         "credential"),
        (ChannelKind.DINGTALK, "http://127.0.0.1:1/robot/send?access_token=12345678", "scheme"),
    ],
)
def test_webhook_url_must_be_the_vendors(kind: ChannelKind, url: str, reason: str) -> None:
    with pytest.raises(InvalidWebhookUrl) as raised:
        check_webhook_url(kind, url)
    assert raised.value.reason == reason


def test_vendor_urls_are_accepted_and_hinted() -> None:
    key = "693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa"
    url = f" https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key={key} "
    assert check_webhook_url(ChannelKind.WECOM, url) == url.strip()
    assert webhook_hint(ChannelKind.WECOM, url.strip()) == "qyapi.weixin.qq.com …5aaa"
    for host in ("open.feishu.cn", "open.larksuite.com"):
        check_webhook_url(ChannelKind.FEISHU, f"https://{host}/open-apis/bot/v2/hook/{key}")
    check_webhook_url(ChannelKind.DINGTALK,
                      "https://oapi.dingtalk.com/robot/send?access_token=abcdef123456")
    check_webhook_url(ChannelKind.DINGTALK,
                      "http://127.0.0.1:8080/robot/send?access_token=abcdef123456",
                      allow_local=True)


@given(st.lists(st.floats(min_value=0, max_value=5), min_size=1, max_size=200))
def test_limiter_never_allows_more_than_the_window_and_waits_exactly_enough(
    gaps: list[float],
) -> None:
    """Whatever the timing of attempts, no window holds more than its count, and the wait it
    answers is exactly when the oldest counted send leaves the window."""
    now = [0.0]
    windows = (Window(20, 60.0), Window(5, 1.0))
    limiter = RobotLimiter(windows, lambda: now[0])
    taken: list[float] = []
    for gap in gaps:
        now[0] += gap
        wait = limiter.reserve(7)
        if wait == 0:
            taken.append(now[0])
        else:
            assert wait > 0
            later = now[0] + wait
            assert any(
                sum(1 for at in taken if at > later - w.seconds - 1e-9) >= w.count
                and sum(1 for at in taken if at > later - w.seconds + 1e-6) < w.count
                for w in windows
            )
        for window in windows:
            recent = [at for at in taken if at > now[0] - window.seconds]
            assert len(recent) <= window.count
