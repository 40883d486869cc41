"""DingTalk (钉钉) custom robot: markdown to https://oapi.dingtalk.com/robot/send?access_token=….

From the published documentation:
- 自定义机器人接入 https://open.dingtalk.com/document/robots/custom-robot-access: POST JSON
  (UTF-8); "每个机器人每分钟最多发送20条消息到群里，如果超过20条，会限流10分钟".
- 消息类型 https://open.dingtalk.com/document/orgapp/custom-bot-send-message-type:
  `{"msgtype": "markdown", "markdown": {"title": …, "text": …}}` (the title shows in the
  conversation list; the text is the message).
- 安全设置 / 加签 https://open.dingtalk.com/document/robots/customize-robot-security-settings:
  with a secret (SEC…), append `&timestamp=<ms>&sign=<urlEncode(base64(HmacSHA256))>`; the
  timestamp may differ from DingTalk's clock by at most one hour (bot/channels/signing.py).
- Error codes (自定义机器人发送群消息 https://open.dingtalk.com/document/orgapp/custom-bot-to-send-group-chat-messages,
  and the answers quoted at https://blog.csdn.net/jialiuyang/article/details/118615052):
  130101 "send too fast, exceed 20 times per minute" and 410100 (发送速度太快而限流) → wait the
  ten minutes; 300001 / 400101 (token is not exist / access_token 不存在), 400102 (机器人已停用),
  400106 (机器人不存在), 400013 (群已被解散) → the robot is gone; 310000 (sign not match,
  keywords, IP whitelist) and anything else → failed, retried with backoff.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from bot.channels.base import ChannelKind
from bot.channels.markup import Flavour, truncate_utf8
from bot.channels.robots import Composed, RobotChannel, RobotTarget, VendorAnswer, Window
from bot.channels.signing import dingtalk_sign

RATE_LIMITED = frozenset({130101, 410100})
GONE = frozenset({300001, 400101, 400102, 400106, 400013})


class DingTalkChannel(RobotChannel):
    kind = ChannelKind.DINGTALK
    flavour = Flavour.DINGTALK
    windows = (Window(20, 60.0),)
    throttle_seconds = 600.0
    rate_limited_codes = RATE_LIMITED
    gone_codes = GONE
    max_bytes = 5000

    def request(self, target: RobotTarget, text: Composed) -> tuple[httpx.URL, dict[str, Any]]:
        url = httpx.URL(target.url)
        if target.secret:
            millis = int(self.now() * 1000)
            url = url.copy_merge_params(
                {"timestamp": str(millis), "sign": dingtalk_sign(target.secret, millis)})
        title = truncate_utf8(text.title or "hrbot", 64)
        content = text.body
        if text.links_text:
            room = self.max_bytes - len(text.links_text.encode()) - 2
            content = f"{truncate_utf8(content, room)}\n\n{text.links_text}"
        body = {"msgtype": "markdown",
                "markdown": {"title": title, "text": truncate_utf8(content, self.max_bytes)}}
        return url, body

    def answer(self, payload: Mapping[str, Any]) -> VendorAnswer:
        return VendorAnswer(int(payload.get("errcode", -1)), str(payload.get("errmsg", "")))
