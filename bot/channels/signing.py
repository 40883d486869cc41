"""The optional robot signatures of Feishu and DingTalk (加签 / 签名校验).

Both sign the string `timestamp + "\n" + secret` with HMAC-SHA256 and base64 the digest, but
with the roles swapped and different clocks:

- Feishu: the string to sign is the HMAC *key*, the message is empty; the timestamp is in
  seconds, within one hour of Feishu's clock; `timestamp` and `sign` go in the JSON body.
  https://open.feishu.cn/document/client-docs/bot-v3/add-custom-bot (签名校验)
- DingTalk: the secret (SEC…) is the key, the string is the message; the timestamp is in
  milliseconds, within one hour; `timestamp` and `sign` go in the query string, url-encoded.
  https://open.dingtalk.com/document/robots/customize-robot-security-settings (加签)

The fake vendor server in the tests recomputes the signatures with these same functions' rules
written out independently (tests/fakes/robot_server.py), so a swapped key would fail there.
"""

from __future__ import annotations

import base64
import hashlib
import hmac


def feishu_sign(secret: str, timestamp_seconds: int) -> str:
    key = f"{timestamp_seconds}\n{secret}".encode()
    return base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode("ascii")


def dingtalk_sign(secret: str, timestamp_millis: int) -> str:
    message = f"{timestamp_millis}\n{secret}".encode()
    digest = hmac.new(secret.encode(), message, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")
