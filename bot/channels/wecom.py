"""WeCom (企业微信) group robot: markdown to https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=….

From the published documentation:
- 群机器人配置说明 https://developer.work.weixin.qq.com/document/path/91770 (also
  https://developer.work.weixin.qq.com/document/path/99110): POST JSON
  `{"msgtype": "markdown", "markdown": {"content": …}}`, content at most 4096 bytes of UTF-8;
  "每个机器人发送的消息不能超过20条/分钟"; the answer is `{"errcode": 0, "errmsg": "ok"}`.
  WeCom robots have no signing secret.
- 全局错误码 https://developer.work.weixin.qq.com/document/path/90455: 45009 接口调用超过限制
  (the robot went over 20 a minute); 93000 invalid webhook url (机器人webhookurl不合法或者机器人
  已经被移除出群).
WeCom markdown has no title field: the body's own first line (the template's heading) leads.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from bot.channels.base import ChannelKind
from bot.channels.markup import Flavour, truncate_utf8
from bot.channels.robots import Composed, RobotChannel, RobotTarget, VendorAnswer, Window

RATE_LIMITED = 45009
INVALID_WEBHOOK = 93000


class WeComChannel(RobotChannel):
    kind = ChannelKind.WECOM
    flavour = Flavour.WECOM
    windows = (Window(20, 60.0),)
    throttle_seconds = 60.0
    rate_limited_codes = frozenset({RATE_LIMITED})
    gone_codes = frozenset({INVALID_WEBHOOK})
    max_bytes = 4096

    def request(self, target: RobotTarget, text: Composed) -> tuple[httpx.URL, dict[str, Any]]:
        content = text.body  # the template's first line is the heading; no separate title
        if text.links_text:
            room = self.max_bytes - len(text.links_text.encode()) - 1
            content = f"{truncate_utf8(content, room)}\n{text.links_text}"
        body = {"msgtype": "markdown",
                "markdown": {"content": truncate_utf8(content, self.max_bytes)}}
        return httpx.URL(target.url), body

    def answer(self, payload: Mapping[str, Any]) -> VendorAnswer:
        return VendorAnswer(int(payload.get("errcode", -1)), str(payload.get("errmsg", "")))
