"""A company's group robots (WeCom / Feishu / DingTalk): add, list, test, remove, choose kinds.

HR paste a robot's webhook URL (and, for Feishu / DingTalk, the optional signing secret) in a
private chat. The URL is a credential: it is checked against the vendor's host, stored only
encrypted (bot/secret_box.py, bound to the company so a ciphertext copied to another company's
row does not open), shown as a hint, and never logged. Reminders reach robots through the
outbox like any endpoint (`robot:<id>`); this module also gives the adapters their decrypted
target (`DatabaseRobotTargets`) and records a robot the vendor says is gone.

Results and refusals are typed; the handler words them (bot/templates/robot_*.j2,
refusals.j2).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from bot.channels.base import (
    ROBOT_KINDS,
    Channel,
    ChannelKind,
    DeliveryError,
    Endpoint,
    EndpointGone,
    InvalidWebhookUrl,
    Rendered,
    RetryLater,
    RobotTarget,
    check_webhook_url,
    webhook_hint,
)
from bot.secret_box import SecretBox, SecretUnreadable
from bot.services.access import Member
from bot.services.errors import DomainError
from models import audit
from models.db import unit_of_work
from models.reminder import CompanySettings, robot_kinds
from models.robot import RobotEndpoint, active_robots
from policies.reminder_plan import ReminderKind

#: Robots one company may keep (a group robot per HR group is the usual case).
MAX_ROBOTS = 10
#: Notification kinds HR may send to robots (back-payment stalls are not wired yet).
CHOOSABLE_KINDS: tuple[ReminderKind, ...] = (
    ReminderKind.REGISTRATION_NORMAL,
    ReminderKind.REGISTRATION_URGENT,
    ReminderKind.REGISTRATION_OVERDUE,
    ReminderKind.DECLARATION_UPCOMING,
    ReminderKind.DECLARATION_DUE,
    ReminderKind.POLICY_UPDATE,
)
_MAX_SECRET = 200


# ---------------------------------------------------------------------------------------------
# Refusals


@dataclass(eq=False)
class RobotUrlInvalid(DomainError):
    """The URL is not `kind`'s robot webhook; `reason`: scheme | host | path | credential."""

    kind: ChannelKind
    reason: str


@dataclass(eq=False)
class RobotSecretNotUsed(DomainError):
    """A secret was given for a vendor that signs nothing (WeCom)."""

    kind: ChannelKind


@dataclass(eq=False)
class RobotSecretInvalid(DomainError):
    """The secret has spaces or is far too long to be a signing secret."""

    kind: ChannelKind


@dataclass(eq=False)
class RobotAlreadyAdded(DomainError):
    robot_id: int
    hint: str


@dataclass(eq=False)
class TooManyRobots(DomainError):
    limit: int


@dataclass(eq=False)
class RobotNotFound(DomainError):
    robot_id: int


# ---------------------------------------------------------------------------------------------
# Results


@dataclass(frozen=True)
class RobotView:
    robot_id: int
    kind: ChannelKind
    hint: str
    active: bool
    signed: bool
    last_error: str | None


@dataclass(frozen=True)
class RobotTestOutcome:
    """One robot's answer to /robot test: "ok", "retry" (rate limited), "gone" or "failed"."""

    robot: RobotView
    outcome: str
    retry_seconds: float | None = None
    detail: str = ""


@dataclass(frozen=True)
class RobotNotifications:
    selected: frozenset[ReminderKind]
    choosable: tuple[ReminderKind, ...]
    is_default: bool


def url_context(company_id: int) -> str:
    """Associated data of a robot's sealed webhook URL: bound to its company."""
    return f"robot_endpoint:url:{company_id}"


def secret_context(company_id: int) -> str:
    """Associated data of a robot's sealed signing secret."""
    return f"robot_endpoint:secret:{company_id}"


def _view(row: RobotEndpoint) -> RobotView:
    assert row.id is not None
    return RobotView(row.id, ChannelKind(row.kind), row.url_hint, row.active,
                     row.secret_ciphertext is not None, row.last_error)


# ---------------------------------------------------------------------------------------------
# Add, list, remove


def add_robot(
    engine: Engine,
    box: SecretBox,
    member: Member,
    kind: ChannelKind,
    url: str,
    secret: str | None,
    *,
    now: datetime,
    allow_local: bool = False,
) -> RobotView:
    """Check and store a robot (encrypted); one audit row `robot.added` (hint only)."""
    if kind not in ROBOT_KINDS:
        raise RobotUrlInvalid(kind, "host")
    try:
        url = check_webhook_url(kind, url, allow_local=allow_local)
    except InvalidWebhookUrl as error:
        raise RobotUrlInvalid(kind, error.reason) from None
    secret = (secret or "").strip() or None
    if secret is not None:
        if kind is ChannelKind.WECOM:
            raise RobotSecretNotUsed(kind)
        if len(secret) > _MAX_SECRET or any(ch.isspace() for ch in secret):
            raise RobotSecretInvalid(kind)
    hint = webhook_hint(kind, url)
    with unit_of_work(engine) as session:
        current = _listed(session, member.company_id)
        for row in current:
            if row.active and row.kind == kind and _opened_url(box, row) == url:
                assert row.id is not None
                raise RobotAlreadyAdded(row.id, row.url_hint)
        if sum(1 for row in current if row.active) >= MAX_ROBOTS:
            raise TooManyRobots(MAX_ROBOTS)
        row = RobotEndpoint(
            company_id=member.company_id,
            kind=str(kind),
            url_ciphertext=box.seal_text(url, url_context(member.company_id)),
            secret_ciphertext=(box.seal_text(secret, secret_context(member.company_id))
                               if secret else None),
            url_hint=hint,
            active=True,
            created_by_user_id=member.user_id,
            created_at=now,
        )
        session.add(row)
        session.flush()
        audit.record(session, member.company_id, member.user_id, "robot.added",
                     robot_id=row.id, kind=str(kind), hint=hint, signed=secret is not None)
        return _view(row)


def _listed(session: Session, company_id: int) -> list[RobotEndpoint]:
    """Robots not removed by HR (active, or stopped by the vendor), oldest first."""
    statement = select(RobotEndpoint).where(
        RobotEndpoint.company_id == company_id, col(RobotEndpoint.removed_at).is_(None)
    )
    return list(session.exec(statement.order_by(col(RobotEndpoint.id))))


def _opened_url(box: SecretBox, row: RobotEndpoint) -> str | None:
    try:
        return box.open_text(row.url_ciphertext, url_context(row.company_id))
    except SecretUnreadable:
        return None


def list_robots(engine: Engine, member: Member) -> list[RobotView]:
    with unit_of_work(engine) as session:
        return [_view(row) for row in _listed(session, member.company_id)]


def remove_robot(engine: Engine, member: Member, robot_id: int, *, now: datetime) -> RobotView:
    """Stop a robot (kept, inactive, for its delivery rows); one audit row `robot.removed`."""
    with unit_of_work(engine) as session:
        row = session.get(RobotEndpoint, robot_id)
        if row is None or row.company_id != member.company_id or row.removed_at is not None:
            raise RobotNotFound(robot_id)
        row.active = False
        row.removed_at = now
        session.add(row)
        audit.record(session, member.company_id, member.user_id, "robot.removed",
                     robot_id=robot_id, kind=row.kind, hint=row.url_hint)
        return _view(row)


# ---------------------------------------------------------------------------------------------
# What the adapters and the tick need


def robot_target(engine: Engine, box: SecretBox, robot_id: int) -> RobotTarget | None:
    """The decrypted URL and secret of an active robot; None when removed, gone or unreadable
    (the adapter then reports the endpoint gone)."""
    with Session(engine) as session:
        row = session.get(RobotEndpoint, robot_id)
        if row is None or not row.active or row.removed_at is not None:
            return None
        try:
            url = box.open_text(row.url_ciphertext, url_context(row.company_id))
            secret = (box.open_text(row.secret_ciphertext, secret_context(row.company_id))
                      if row.secret_ciphertext else None)
        except SecretUnreadable:
            return None
        return RobotTarget(robot_id, ChannelKind(row.kind), url, secret, row.url_hint)


class DatabaseRobotTargets:
    """`RobotTargets` over the robot_endpoint table (the lookup runs off the event loop)."""

    def __init__(self, engine: Engine, box: SecretBox) -> None:
        self._engine = engine
        self._box = box

    async def robot_target(self, robot_id: int) -> RobotTarget | None:
        return await asyncio.to_thread(robot_target, self._engine, self._box, robot_id)


def robot_endpoints(session: Session, company_id: int, kind: ReminderKind | str,
                    ) -> list[Endpoint]:
    """The robot endpoints a notification of `kind` goes to (none when HR left it out)."""
    chosen = robot_kinds(session.get(CompanySettings, company_id))
    if str(kind) not in chosen:
        return []
    return [Endpoint.robot(row.id, ChannelKind(row.kind))
            for row in active_robots(session, company_id) if row.id is not None]


def record_robot_gone(engine: Engine, robot_id: int, detail: str, *, now: datetime) -> None:
    """The vendor says the webhook no longer exists: stop sending there, keep why."""
    with unit_of_work(engine) as session:
        row = session.get(RobotEndpoint, robot_id)
        if row is None or not row.active:
            return
        row.active = False
        row.last_error = detail[:300]
        session.add(row)
        audit.record(session, row.company_id, None, "robot.gone", robot_id=robot_id,
                     hint=row.url_hint, error=detail[:300])


def _record_answer(engine: Engine, robot_id: int, detail: str | None) -> None:
    with unit_of_work(engine) as session:
        row = session.get(RobotEndpoint, robot_id)
        if row is not None:
            row.last_error = detail[:300] if detail else None
            session.add(row)


# ---------------------------------------------------------------------------------------------
# /robot test


async def send_test_message(
    engine: Engine,
    member: Member,
    channels: Mapping[ChannelKind, Channel],
    message: Rendered,
    *,
    now: datetime,
) -> list[RobotTestOutcome]:
    """Send `message` to each active robot of the member's company and report each answer.

    Outside the outbox on purpose: HR are waiting for the answer, and a test that failed is
    not worth a retry. A robot the vendor says is gone is stopped, as the tick would.
    """
    robots = [robot for robot in await asyncio.to_thread(list_robots, engine, member)
              if robot.active]
    outcomes: list[RobotTestOutcome] = []
    for robot in robots:
        channel = channels.get(robot.kind)
        endpoint = Endpoint.robot(robot.robot_id, robot.kind)
        if channel is None:
            outcomes.append(RobotTestOutcome(robot, "failed", detail="no channel"))
            continue
        try:
            await channel.send_text(endpoint, message)
        except RetryLater as wait:
            outcomes.append(RobotTestOutcome(robot, "retry", retry_seconds=wait.seconds))
        except EndpointGone as gone:
            await asyncio.to_thread(record_robot_gone, engine, robot.robot_id, str(gone),
                                    now=now)
            outcomes.append(RobotTestOutcome(robot, "gone", detail=str(gone)))
        except DeliveryError as failed:
            await asyncio.to_thread(_record_answer, engine, robot.robot_id, str(failed))
            outcomes.append(RobotTestOutcome(robot, "failed", detail=str(failed)))
        else:
            if robot.last_error:
                await asyncio.to_thread(_record_answer, engine, robot.robot_id, None)
            outcomes.append(RobotTestOutcome(robot, "ok"))
    return outcomes


# ---------------------------------------------------------------------------------------------
# Which notifications robots get


def robot_notifications(engine: Engine, member: Member) -> RobotNotifications:
    with unit_of_work(engine) as session:
        settings = session.get(CompanySettings, member.company_id)
        return _notifications(settings)


def _notifications(settings: CompanySettings | None) -> RobotNotifications:
    chosen = robot_kinds(settings)
    selected = frozenset(kind for kind in CHOOSABLE_KINDS if kind in chosen)
    is_default = settings is None or settings.robot_notifications is None
    return RobotNotifications(selected, CHOOSABLE_KINDS, is_default)


def toggle_robot_notification(
    engine: Engine, member: Member, kind: ReminderKind, *, now: datetime
) -> RobotNotifications:
    """Add or take out one kind; stored explicitly from then on (an empty choice is kept)."""
    if kind not in CHOOSABLE_KINDS:
        raise ValueError(f"{kind} is not sent to robots")
    with unit_of_work(engine) as session:
        settings = session.get(CompanySettings, member.company_id) or CompanySettings(
            company_id=member.company_id)
        chosen = set(_notifications(settings).selected)
        chosen ^= {kind}
        settings.robot_notifications = ",".join(k.value for k in CHOOSABLE_KINDS if k in chosen)
        settings.updated_at = now
        session.add(settings)
        audit.record(session, member.company_id, member.user_id, "robot.notifications",
                     kinds=settings.robot_notifications)
        return _notifications(settings)
