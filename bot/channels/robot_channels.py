"""The three group-robot adapters, built together for the composition root (bot/bootstrap.py)."""

from __future__ import annotations

from collections.abc import Callable

from bot.channels.base import ChannelKind
from bot.channels.dingtalk import DingTalkChannel
from bot.channels.feishu import FeishuChannel
from bot.channels.robots import RobotChannel, RobotTargets
from bot.channels.wecom import WeComChannel


def build_robot_channels(
    targets: RobotTargets,
    *,
    bot_username: str | Callable[[], str],
    allow_local: bool = False,
    timeout: float = 10.0,
) -> dict[ChannelKind, RobotChannel]:
    """One adapter per vendor, sharing the robots' URL lookup; each owns its HTTP client."""
    return {
        cls.kind: cls(targets, bot_username=bot_username, allow_local=allow_local,
                      timeout=timeout)
        for cls in (WeComChannel, FeishuChannel, DingTalkChannel)
    }
