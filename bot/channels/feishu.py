"""Feishu / Lark (飞书) custom robot: rich text to https://open.feishu.cn/open-apis/bot/v2/hook/….

From the published documentation, 自定义机器人使用指南
https://open.feishu.cn/document/client-docs/bot-v3/add-custom-bot
(https://open.larkoffice.com/document/ukTMukTMukTM/ucTM5YjL3ETO24yNxkjN):
- POST JSON, at most 20 KB; the answer is `{"code": 0, "msg": "success", …}`.
- Messages: `text` (plain) or `post` (富文本: a title and lines of `text` / `a` elements). A
  custom robot has no markdown outside cards, so the text goes as `post`: one `text` element
  a line, and each action as an `a` element whose href is the deep link back to the bot.
- 签名校验: with a secret, `timestamp` (seconds, within one hour) and `sign` in the body
  (bot/channels/signing.py); a mismatch or stale timestamp answers 19021.
- 频率控制: "单租户单机器人 100 次/分钟，5 次/秒"; over it, 11232 (限流).
- 9499 Bad Request (malformed body); 19024 keywords, 19022 IP whitelist → failed.
- A webhook whose robot was deleted answers 19001 (param invalid: incoming webhook access token
  invalid) → the robot is gone.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from bot.channels.base import ChannelKind
from bot.channels.markup import Flavour, truncate_utf8
from bot.channels.robots import Composed, RobotChannel, RobotTarget, VendorAnswer, Window
from bot.channels.signing import feishu_sign

RATE_LIMITED = 11232
TOKEN_INVALID = 19001


class FeishuChannel(RobotChannel):
    kind = ChannelKind.FEISHU
    flavour = Flavour.PLAIN
    windows = (Window(100, 60.0), Window(5, 1.0))
    throttle_seconds = 60.0
    rate_limited_codes = frozenset({RATE_LIMITED})
    gone_codes = frozenset({TOKEN_INVALID})
    max_bytes = 16_000  # of the 20 KB body, leaving room for the JSON around the text

    def request(self, target: RobotTarget, text: Composed) -> tuple[httpx.URL, dict[str, Any]]:
        body_lines = truncate_utf8(text.body, self.max_bytes).split("\n")
        if body_lines and body_lines[0].strip() == text.title.strip():
            body_lines = body_lines[1:]  # the post's title already shows the heading
        lines: list[list[dict[str, str]]] = [[{"tag": "text", "text": line}]
                                             for line in body_lines]
        lines += [[{"tag": "a", "text": link.label, "href": link.url}] for link in text.links]
        body: dict[str, Any] = {
            "msg_type": "post",
            "content": {"post": {"zh_cn": {"title": text.title, "content": lines}}},
        }
        if target.secret:
            seconds = int(self.now())
            body = {"timestamp": str(seconds), "sign": feishu_sign(target.secret, seconds),
                    **body}
        return httpx.URL(target.url), body

    def answer(self, payload: Mapping[str, Any]) -> VendorAnswer:
        code = payload.get("code", payload.get("StatusCode", -1))
        return VendorAnswer(int(code), str(payload.get("msg", "")))
