"""A company's group robots (WeCom / Feishu / DingTalk webhooks) that reminders also reach.

The webhook URL is a secret (anyone holding it can post into the group), so it is stored only
encrypted (`url_ciphertext`, and the optional signing secret likewise); `url_hint` is the masked
form that is safe to show HR and to log. A removed or gone robot is kept (inactive, with
`removed_at` or `last_error`) so its delivery rows keep pointing somewhere.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Text
from sqlmodel import Field, Session, SQLModel, col, select

from models.types import UTCDateTime, utcnow


class RobotKind(StrEnum):
    """The vendor; the values equal bot.channels.base.ChannelKind's robot members."""

    WECOM = "wecom"
    FEISHU = "feishu"
    DINGTALK = "dingtalk"


class RobotEndpoint(SQLModel, table=True):
    __tablename__ = "robot_endpoint"

    id: int | None = Field(default=None, primary_key=True)
    company_id: int = Field(foreign_key="company.id", index=True)
    kind: str = Field(max_length=10)
    #: The webhook URL, encrypted at rest; never logged or echoed in full.
    url_ciphertext: str = Field(sa_type=Text)
    #: Feishu's / DingTalk's optional signing secret, encrypted at rest.
    secret_ciphertext: str | None = Field(default=None, sa_type=Text)
    #: A masked form safe to show, e.g. "qyapi.weixin.qq.com…3f9a".
    url_hint: str = Field(max_length=60)
    active: bool = True
    created_by_user_id: int = Field(sa_type=BigInteger)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    removed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    #: Why the robot stopped (the vendor's error code and message), shown in /robot list.
    last_error: str | None = Field(default=None, max_length=300)


def active_robots(session: Session, company_id: int) -> list[RobotEndpoint]:
    """The company's robots that still receive notifications, oldest first."""
    statement = select(RobotEndpoint).where(
        RobotEndpoint.company_id == company_id, col(RobotEndpoint.active)
    )
    return list(session.exec(statement.order_by(col(RobotEndpoint.id))))
