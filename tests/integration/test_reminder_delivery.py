"""Reminder rows, claims and delivery with a controllable clock and a scripted channel.

The end-to-end tests (tests/e2e/test_reminders.py) go through the real Bot API client; these
cover every branch of the tick quickly, with the channel's answers scripted per chat.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from bot.channels.base import (
    ChannelKind,
    Delivered,
    DeliveryError,
    DeliveryFailed,
    Endpoint,
    EndpointGone,
    Rendered,
    RetryLater,
)
from bot.channels.present import present
from bot.clock import ManualClock
from bot.services import onboarding
from bot.services import reminders as svc
from bot.services import robots as robots_svc
from bot.services.access import Member
from bot.services.hiring import HireDraft, register_hire
from bot.services.ledger import month_due_from
from bot.services.reminder_delivery import ReminderScheduler, Result, claim_due
from bot.services.reminder_planning import GoneWhat, plan_gone_notice
from bot.settings import ReminderConfig as ReminderDefaults
from models.company import Membership, Role
from models.reminder import (
    CompanySettings,
    Reminder,
    ReminderDelivery,
    ReminderStatus,
    failed_reminders,
)
from models.robot import RobotEndpoint
from models.task import Task, TaskStatus
from policies.library import load_library
from policies.reminder_plan import InvalidReminderSettings

SH = ZoneInfo("Asia/Shanghai")
HR, HR2 = 1001, 1002
GROUP = -5001
ID_NUMBERS = iter(f"1101011990030{n:04d}" for n in range(1000, 9999))


def id_number() -> str:
    """A valid 18-digit 身份证 (GB 11643 check digit) unique per call."""
    body = next(ID_NUMBERS)
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    check = "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]
    return body + check


def at(day: str, hour: int = 9, minute: int = 0) -> datetime:
    return datetime.combine(date.fromisoformat(day), datetime.min.time(), SH).replace(
        hour=hour, minute=minute
    )


@dataclass
class Sent:
    chat_id: int
    text: str
    is_group: bool


@dataclass
class ScriptedChannel:
    """Records what is delivered; `fail(chat, error)` makes the next delivery there raise."""

    sent: list[Sent] = field(default_factory=list)
    faults: dict[int, list[DeliveryError]] = field(default_factory=dict)
    blocked: set[int] = field(default_factory=set)

    def fail(self, chat_id: int, *errors: DeliveryError) -> None:
        self.faults.setdefault(chat_id, []).extend(errors)

    kind = ChannelKind.TELEGRAM

    async def send_text(self, endpoint: Endpoint, message: Rendered) -> Delivered:
        assert not (message.personal and endpoint.is_group)
        if endpoint.address in self.blocked:
            raise EndpointGone("Forbidden: bot was blocked by the user")
        queue = self.faults.get(endpoint.address)
        if queue:
            raise queue.pop(0)
        self.sent.append(Sent(endpoint.address, message.html, endpoint.is_group))
        return Delivered(len(self.sent))

    async def send_file(
        self, endpoint: Endpoint, filename: str, content: bytes, caption: Rendered | None
    ) -> Delivered:
        raise DeliveryFailed("unsupported")

    def take(self) -> list[Sent]:
        out, self.sent = self.sent, []
        return out


@dataclass
class World:
    engine: Engine
    clock: ManualClock
    channel: ScriptedChannel
    scheduler: ReminderScheduler
    member: Member

    async def tick_at(self, instant: datetime) -> list[Sent]:
        self.clock.set(instant)
        await self.scheduler.tick()
        return self.channel.take()

    def hire(self, first_day: str, name: str = "陈明远") -> int:
        draft = HireDraft(
            name=name,
            id_number=id_number(),
            first_day=first_day,
            base="5000",
            insured_city="北京",
            new_department="后厨",
        )
        today = self.clock.now().astimezone(SH).date()
        return register_hire(self.engine, self.member, draft, today=today).task_id

    def rows(self, task_id: int) -> list[Reminder]:
        with Session(self.engine) as session:
            return list(
                session.exec(
                    select(Reminder)
                    .where(Reminder.task_id == task_id)
                    .order_by(col(Reminder.send_at), col(Reminder.id))
                )
            )


@pytest.fixture
def world(engine: Engine) -> World:
    company = onboarding.create_company(engine, "示例餐饮", "北京", "Asia/Shanghai")
    assert company.id is not None
    with Session(engine) as session:
        for user, name in ((HR, "王芳"), (HR2, "李强")):
            session.add(
                Membership(
                    company_id=company.id,
                    telegram_user_id=user,
                    chat_id=user,
                    display_name=name,
                    role=Role.HR,
                )
            )
        session.commit()
    clock = ManualClock(at("2026-12-01", 10))
    channel = ScriptedChannel()
    defaults = ReminderDefaults(max_attempts=3)
    # Declaration reminders stay out of the way unless a test asks for them.
    scheduler = ReminderScheduler(
        engine, clock, channel, defaults, present=present, worker="test-a", month_due=far_future
    )
    member = Member(
        user_id=HR,
        company_id=company.id,
        company_name=company.name,
        city="北京",
        timezone="Asia/Shanghai",
        role=Role.HR,
    )
    return World(engine, clock, channel, scheduler, member)


def far_future(city: str, month: date) -> date:
    return date(2099, 12, 25)


def bind_group(world: World) -> None:
    svc.bind_group(world.engine, world.member, GROUP, "HR群", now=world.clock.now())


async def test_day_23_goes_to_the_hr_who_hired_at_nine(world: World) -> None:
    world.hire("2026-12-01")
    assert await world.tick_at(at("2026-12-24", 8, 59)) == []
    sent = await world.tick_at(at("2026-12-24", 9))
    assert [s.chat_id for s in sent] == [HR]
    assert "入职已满 <b>23</b> 天" in sent[0].text
    assert "2026-12-31（周四）" in sent[0].text and "剩余 7 天" in sent[0].text
    assert "补发" not in sent[0].text
    assert await world.tick_at(at("2026-12-24", 9, 5)) == []


async def test_day_28_is_urgent_to_every_hr_and_the_group(world: World) -> None:
    bind_group(world)
    world.hire("2026-12-01")
    await world.tick_at(at("2026-12-24", 9))
    sent = await world.tick_at(at("2026-12-29", 9))
    assert sorted(s.chat_id for s in sent) == sorted([HR, HR2, GROUP])
    assert all(s.text.startswith("⚠️ 紧急") for s in sent)
    text = {s.chat_id: s.text for s in sent}
    assert "已同时提醒：李强、HR群。" in text[HR]
    assert "已同时提醒：王芳、HR群。" in text[HR2]
    assert "已提醒：王芳、李强。" in text[GROUP]


async def test_overdue_daily_from_day_31_on_working_days(world: World) -> None:
    bind_group(world)
    task_id = world.hire("2026-12-01")
    for day in ("2026-12-24", "2026-12-29"):
        await world.tick_at(at(day, 9))
    # day 31 is 2027-01-01: 2027 has no State Council notice yet, so only weekends are off
    # (issue 14) and the first alert goes out that Friday; none on Saturday and Sunday
    assert len(await world.tick_at(at("2027-01-01", 9, 30))) == 3
    for day in ("2027-01-02", "2027-01-03"):
        assert await world.tick_at(at(day, 9, 30)) == []
    sent = await world.tick_at(at("2027-01-04", 9))
    assert sorted(s.chat_id for s in sent) == sorted([HR, HR2, GROUP])
    private = next(s for s in sent if s.chat_id == HR)
    group = next(s for s in sent if s.chat_id == GROUP)
    assert "已逾期 <b>4</b> 天" in private.text and "滞纳金" in private.text
    assert "滞纳金" not in group.text and "110101" not in group.text
    assert len(await world.tick_at(at("2027-01-05", 9))) == 3
    overdue = [r for r in world.rows(task_id) if r.kind == "registration_overdue"]
    assert [r.due_date.isoformat() for r in overdue] == [
        "2027-01-01", "2027-01-04", "2027-01-05", "2027-01-06"]


async def test_custom_threshold_25_reschedules_open_tasks(world: World) -> None:
    task_id = world.hire("2026-12-01")
    _, count = svc.change_thresholds(
        world.engine,
        world.member,
        normal_day=25,
        urgent_day=28,
        now=world.clock.now(),
        defaults=world.scheduler.defaults,
    )
    assert count == 1
    assert await world.tick_at(at("2026-12-24", 9)) == []  # day 23 was cancelled
    # day 25 is Saturday 12-26: it waits for Monday 12-28, still before the deadline
    assert await world.tick_at(at("2026-12-26", 9)) == []
    sent = await world.tick_at(at("2026-12-28", 9))
    assert len(sent) == 1 and "入职已满 <b>27</b> 天" in sent[0].text
    statuses = {(r.kind, r.due_date.isoformat()): r.status for r in world.rows(task_id)}
    assert statuses[("registration_normal", "2026-12-24")] == ReminderStatus.CANCELLED


async def test_thresholds_out_of_bounds_change_nothing(world: World) -> None:
    world.hire("2026-12-01")
    with pytest.raises(InvalidReminderSettings):
        svc.change_thresholds(
            world.engine,
            world.member,
            normal_day=28,
            urgent_day=28,
            now=world.clock.now(),
            defaults=world.scheduler.defaults,
        )
    with Session(world.engine) as session:
        assert session.get(CompanySettings, world.member.company_id) is None
    assert len(await world.tick_at(at("2026-12-24", 9))) == 1


async def test_snooze_repeats_next_working_day(world: World) -> None:
    task_id = world.hire("2026-12-01")
    await world.tick_at(at("2026-12-24", 9))
    normal = world.rows(task_id)[0]
    assert normal.id is not None
    snoozed = svc.snooze(
        world.engine,
        world.member,
        normal.id,
        now=at("2026-12-24", 10),
        defaults=world.scheduler.defaults,
    )
    assert snoozed.at == at("2026-12-25", 9)
    assert snoozed.missed_deadline is None  # the deadline 2026-12-31 is still ahead
    assert await world.tick_at(at("2026-12-24", 18)) == []
    sent = await world.tick_at(at("2026-12-25", 9))
    assert len(sent) == 1 and "入职已满 <b>24</b> 天" in sent[0].text


async def test_done_stops_every_later_reminder(world: World) -> None:
    task_id = world.hire("2026-12-01")
    await world.tick_at(at("2026-12-24", 9))
    first = world.rows(task_id)[0]
    assert first.id is not None
    svc.mark_done(world.engine, world.member, first.id, now=at("2026-12-24", 11))
    for day in ("2026-12-29", "2027-01-04", "2027-01-05"):
        assert await world.tick_at(at(day, 9)) == []
    with Session(world.engine) as session:
        assert session.get(Task, task_id).status == TaskStatus.DONE  # type: ignore[union-attr]
    assert all(r.status in ("sent", "cancelled") for r in world.rows(task_id))


async def test_task_closed_elsewhere_cancels_at_send_time(world: World) -> None:
    task_id = world.hire("2026-12-01")
    with Session(world.engine) as session:
        task = session.get(Task, task_id)
        assert task is not None
        task.status = TaskStatus.DONE
        session.add(task)
        session.commit()
    assert await world.tick_at(at("2026-12-24", 9)) == []


async def test_downtime_catch_up_sends_only_the_latest_marked_buqa(world: World) -> None:
    task_id = world.hire("2026-12-01")
    # The bot is down from 12-20 to 12-30 10:00: day 23 and day 28 both fell due meanwhile.
    sent = await world.tick_at(at("2026-12-30", 10))
    assert len(sent) == 2  # the urgent one, to both HR; day 23 is not sent separately
    assert all("（补发，原定 2026-12-29（周二））" in s.text for s in sent)
    by_kind = {r.kind: r for r in world.rows(task_id)}
    assert by_kind["registration_normal"].status == ReminderStatus.SUPERSEDED
    assert by_kind["registration_urgent"].is_catch_up


async def test_crash_between_claim_and_send_is_sent_once_after_the_lease(world: World) -> None:
    world.hire("2026-12-01")
    world.clock.set(at("2026-12-24", 9))
    claimed = claim_due(world.engine, "crashed-worker", world.clock.now())
    assert len(claimed) == 1  # …and the process dies here
    assert await world.tick_at(at("2026-12-24", 9, 4)) == []  # lease still held
    sent = await world.tick_at(at("2026-12-24", 9, 6))
    assert len(sent) == 1
    assert await world.tick_at(at("2026-12-24", 9, 20)) == []


async def test_crash_after_delivery_is_not_resent(world: World, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    task_id = world.hire("2026-12-01")

    def die(*_args: object) -> None:
        raise SystemExit("killed after Telegram accepted the message")

    monkeypatch.setattr(world.scheduler, "_mark_sent", die)
    with pytest.raises(SystemExit):
        await world.tick_at(at("2026-12-24", 9))
    assert len(world.channel.take()) == 1
    monkeypatch.undo()
    restarted = ReminderScheduler(
        world.engine, world.clock, world.channel, world.scheduler.defaults, present=present,
        worker="test-b",
    )
    world.clock.set(at("2026-12-24", 9, 10))
    await restarted.tick()
    assert world.channel.take() == []
    assert world.rows(task_id)[0].status == ReminderStatus.SENT


async def test_retry_later_is_honoured(world: World) -> None:
    task_id = world.hire("2026-12-01")
    world.channel.fail(HR, RetryLater(30))
    assert await world.tick_at(at("2026-12-24", 9)) == []
    row = world.rows(task_id)[0]
    assert row.status == ReminderStatus.PENDING and row.attempts == 0
    assert row.next_attempt_at == at("2026-12-24", 9, 0) + timedelta(seconds=30)
    assert await world.tick_at(at("2026-12-24", 9, 0) + timedelta(seconds=20)) == []
    assert len(await world.tick_at(at("2026-12-24", 9, 1))) == 1


async def test_network_errors_back_off_then_fail_and_show_in_todo(world: World) -> None:
    task_id = world.hire("2026-12-01")
    world.channel.fail(HR, *(DeliveryFailed("NetworkError: 502") for _ in range(3)))
    assert await world.tick_at(at("2026-12-24", 9)) == []
    row = world.rows(task_id)[0]
    assert (row.status, row.attempts) == (ReminderStatus.PENDING, 1)
    assert row.next_attempt_at == at(
        "2026-12-24",
        9,
        0,
    ) + timedelta(seconds=30)
    await world.tick_at(at("2026-12-24", 9, 1))
    assert world.rows(task_id)[0].attempts == 2
    await world.tick_at(at("2026-12-24", 9, 3))
    row = world.rows(task_id)[0]
    assert row.status == ReminderStatus.FAILED and "502" in (row.last_error or "")
    with Session(world.engine) as session:
        assert [r.id for r in failed_reminders(session, world.member.company_id)] == [row.id]


async def test_network_error_then_success_sends_once(world: World) -> None:
    world.hire("2026-12-01")
    world.channel.fail(HR, DeliveryFailed("NetworkError: disconnected"))
    assert await world.tick_at(at("2026-12-24", 9)) == []
    assert len(await world.tick_at(at("2026-12-24", 9, 1))) == 1
    assert await world.tick_at(at("2026-12-24", 9, 30)) == []


async def test_forbidden_deactivates_and_tells_another_hr(world: World) -> None:
    task_id = world.hire("2026-12-01")
    world.channel.blocked.add(HR)
    sent = await world.tick_at(at("2026-12-24", 9))
    assert [s.chat_id for s in sent] == [HR2]
    assert "王芳已屏蔽机器人" in sent[0].text
    with Session(world.engine) as session:
        hr = session.exec(select(Membership).where(Membership.telegram_user_id == HR)).one()
        assert not hr.active
    # the reminder itself goes to the HR still reachable at the next attempt
    sent = await world.tick_at(at("2026-12-24", 9, 1))
    assert [s.chat_id for s in sent] == [HR2] and "入职已满" in sent[0].text
    assert world.rows(task_id)[0].status == ReminderStatus.SENT


async def test_urgent_holiday_shift_before_national_day(world: World) -> None:
    world.clock.set(at("2026-09-07", 10))
    world.hire("2026-09-05")
    # day 28 = 10-03 and the deadline 10-05 fall in the National Day break
    sent = await world.tick_at(at("2026-09-30", 9))
    assert len(sent) == 2 and all("紧急" in s.text for s in sent)
    for day in ("2026-10-03", "2026-10-05"):
        assert await world.tick_at(at(day, 9)) == []
    sent = await world.tick_at(at("2026-10-08", 9))
    assert sent and all("已逾期" in s.text for s in sent)


async def test_declaration_reminder_lists_undeclared_employees(world: World) -> None:
    world.scheduler.month_due = month_due_from(load_library())
    world.hire("2026-12-01", name="陈明远")
    world.hire("2026-12-02", name="赵敏")
    # 北京 2026-12 is due 12-25 (library rule); 5 days before: Sunday 12-20 → Monday 12-21
    sent = await world.tick_at(at("2026-12-21", 9))
    decl = [s for s in sent if "申报" in s.text]
    assert len(decl) == 1 and "陈明远" in decl[0].text and "赵敏" in decl[0].text
    with Session(world.engine) as session:
        row = session.exec(select(Reminder).where(Reminder.kind == "declaration_upcoming")).one()
    assert row.id is not None
    svc.mark_done(world.engine, world.member, row.id, now=at("2026-12-21", 10))
    assert not [s for s in await world.tick_at(at("2026-12-25", 9)) if "申报" in s.text]


async def test_two_schedulers_share_the_rows(world: World) -> None:
    for n in range(20):
        world.hire("2026-12-01", name=f"员工{n}")
    other = ReminderScheduler(
        world.engine,
        world.clock,
        world.channel,
        world.scheduler.defaults,
        present=present,
        worker="test-b",
        batch=7,
    )
    world.scheduler.batch = 7
    world.clock.set(at("2026-12-24", 9))
    for _ in range(3):
        await world.scheduler.tick()
        await other.tick()
    sent = world.channel.take()
    assert len(sent) == 20 and len({s.text for s in sent}) == 20


async def test_a_worker_whose_lease_was_taken_over_sends_nothing(world: World) -> None:
    world.hire("2026-12-01")
    world.clock.set(at("2026-12-24", 9))
    (reminder_id,) = claim_due(world.engine, "test-a", world.clock.now())
    # test-a stalls past its lease; another worker takes the row over
    assert claim_due(world.engine, "other", at("2026-12-24", 9, 6)) == [reminder_id]
    world.clock.set(at("2026-12-24", 9, 7))
    result, _ = await world.scheduler._process(reminder_id)
    assert result is Result.LOST and world.channel.take() == []


async def test_a_failed_overdue_alert_does_not_stop_the_next_days(world: World) -> None:
    task_id = world.hire("2026-12-01")
    # nobody gets it: both HR chats fail (since a failing chat no longer stops the chats after
    # it, HR2 having it would make the reminder `sent`: an HR was told)
    for chat in (HR, HR2):
        world.channel.fail(chat, *(DeliveryFailed("NetworkError") for _ in range(3)))
    for minute in (0, 1, 3):
        await world.tick_at(at("2027-01-04", 9, minute))
    overdue = [r for r in world.rows(task_id) if r.kind == "registration_overdue"]
    assert [r.status for r in overdue] == [ReminderStatus.FAILED, ReminderStatus.PENDING]
    sent = await world.tick_at(at("2027-01-05", 9))
    assert any("已逾期 <b>5</b> 天" in s.text for s in sent)


async def test_one_tick_drains_every_due_reminder_batch_after_batch(world: World) -> None:
    """1,000 due reminders used to wait one minute per batch of 200; a tick now claims again
    until fewer than a batch were due."""
    for n in range(5):
        world.hire("2026-12-01", name=f"员工{n}")
    world.scheduler.batch = 2
    world.clock.set(at("2026-12-24", 9))
    report = await world.scheduler.tick()
    assert report.claimed == 5 and report.results == {Result.SENT: 5}
    assert len({s.text for s in world.channel.take()}) == 5
    assert (await world.scheduler.tick()).claimed == 0


async def test_reminders_in_flight_together_are_each_sent_once(world: World) -> None:
    for n in range(9):
        world.hire("2026-12-01", name=f"员工{n}")
    world.scheduler.parallel = 4
    world.scheduler.batch = 5
    world.clock.set(at("2026-12-24", 9))
    report = await world.scheduler.tick()
    assert report.claimed == 9 and report.results == {Result.SENT: 9}
    assert len({s.text for s in world.channel.take()}) == 9


# ---------------------------------------------------------------------------------------------
# The outbox per endpoint (issue 10): Telegram chats and group robots, each with its own row


@dataclass
class FakeRobot:
    """A WeCom robot adapter double: records what it is given; scripted faults per robot."""

    kind: ChannelKind = ChannelKind.WECOM
    sent: list[tuple[int, Rendered]] = field(default_factory=list)
    faults: list[DeliveryError] = field(default_factory=list)

    async def send_text(self, endpoint: Endpoint, message: Rendered) -> Delivered:
        assert endpoint.is_group and endpoint.kind == self.kind
        if message.personal:
            raise ValueError("personal data must not reach a robot")
        if self.faults:
            raise self.faults.pop(0)
        self.sent.append((endpoint.address, message))
        return Delivered()

    async def send_file(
        self, endpoint: Endpoint, filename: str, content: bytes, caption: Rendered | None
    ) -> Delivered:
        raise DeliveryFailed("unsupported")


def add_robot(world: World, kind: str = "wecom") -> int:
    with Session(world.engine) as session:
        robot = RobotEndpoint(
            company_id=world.member.company_id,
            kind=kind,
            url_ciphertext="not-a-real-ciphertext",
            url_hint="qyapi.weixin.qq.com…abcd",
            created_by_user_id=HR,
        )
        session.add(robot)
        session.commit()
        assert robot.id is not None
        return robot.id


def with_robot_adapter(world: World) -> FakeRobot:
    robot = FakeRobot()
    world.scheduler.channels[ChannelKind.WECOM] = robot
    return robot


def deliveries(world: World) -> list[tuple[int, str]]:
    with Session(world.engine) as session:
        rows = session.exec(select(ReminderDelivery).order_by(col(ReminderDelivery.id)))
        return [(d.reminder_id, d.endpoint) for d in rows]


async def test_a_due_reminder_reaches_each_endpoint_once(world: World) -> None:
    bind_group(world)
    robot_id = add_robot(world)
    robot = with_robot_adapter(world)
    task_id = world.hire("2026-12-01")
    await world.tick_at(at("2026-12-24", 9))  # day 23: HR only (robots get urgent ones)
    assert robot.sent == []
    robot.faults.append(DeliveryFailed("HTTP 502"))
    sent = await world.tick_at(at("2026-12-29", 9))  # day 28, urgent
    assert sorted(s.chat_id for s in sent) == sorted([HR, HR2, GROUP])
    urgent = next(r for r in world.rows(task_id) if r.kind == "registration_urgent")
    assert urgent.status == ReminderStatus.PENDING and urgent.attempts == 1
    # the retry goes to the robot only: the chats have their delivery rows
    assert await world.tick_at(at("2026-12-29", 9, 1)) == []
    ((address, message),) = robot.sent
    assert address == robot_id and "紧急" in message.html and not message.personal
    assert any(a.start_payload == f"r{urgent.id}" for a in message.actions)
    assert next(r for r in world.rows(task_id) if r.id == urgent.id).status == ReminderStatus.SENT
    assert sorted(e for rid, e in deliveries(world) if rid == urgent.id) == sorted(
        [f"telegram:{HR}", f"telegram:{HR2}", f"telegram:{GROUP}", f"robot:{robot_id}"]
    )
    assert await world.tick_at(at("2026-12-29", 9, 30)) == [] and len(robot.sent) == 1


async def test_robot_text_never_carries_the_late_fee(world: World) -> None:
    world.scheduler.late_fee = lambda *args: Decimal("123.45")
    add_robot(world)
    robot = with_robot_adapter(world)
    world.hire("2026-12-01")
    for day in ("2026-12-24", "2026-12-29"):
        await world.tick_at(at(day, 9))
    sent = await world.tick_at(at("2027-01-04", 9))  # overdue
    assert any("¥123.45" in s.text for s in sent if s.chat_id == HR)
    overdue = [m for _, m in robot.sent if "已逾期" in m.html]
    assert overdue and all("¥123.45" not in m.html and "滞纳金" not in m.html for m in overdue)


async def test_a_robot_without_an_adapter_is_skipped_and_telegram_still_delivered(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    robot_id = add_robot(world)
    task_id = world.hire("2026-12-01")
    await world.tick_at(at("2026-12-24", 9))
    with caplog.at_level("INFO", logger="bot.services.reminder_delivery"):
        sent = await world.tick_at(at("2026-12-29", 9))
    assert sorted(s.chat_id for s in sent) == sorted([HR, HR2])
    assert f"robot:{robot_id} skipped" in caplog.text
    urgent = next(r for r in world.rows(task_id) if r.kind == "registration_urgent")
    assert urgent.status == ReminderStatus.SENT


async def test_the_company_setting_chooses_what_robots_get(world: World) -> None:
    add_robot(world)
    robot = with_robot_adapter(world)
    with Session(world.engine) as session:
        session.add(CompanySettings(company_id=world.member.company_id,
                                    robot_notifications="registration_normal"))
        session.commit()
    world.hire("2026-12-01")
    await world.tick_at(at("2026-12-24", 9))
    await world.tick_at(at("2026-12-29", 9))
    assert [("入职已满" in m.html, "紧急" in m.html) for _, m in robot.sent] == [(True, False)]


async def test_a_limited_robot_postpones_only_its_notification(world: World) -> None:
    add_robot(world)
    robot = with_robot_adapter(world)
    first = world.hire("2026-12-01", name="陈明远")
    second = world.hire("2026-12-01", name="赵敏")
    for day in ("2026-12-24",):
        await world.tick_at(at(day, 9))
    robot.faults.append(RetryLater(60, "errcode 45009", whole_channel=False))
    sent = await world.tick_at(at("2026-12-29", 9))
    assert len(sent) == 4  # both urgent reminders reached both HR at once
    assert len(robot.sent) == 1  # the second reminder's robot message went on
    rows = {t: next(r for r in world.rows(t) if r.kind == "registration_urgent")
            for t in (first, second)}
    waiting = [r for r in rows.values() if r.status == ReminderStatus.PENDING]
    assert len(waiting) == 1 and waiting[0].attempts == 0
    assert waiting[0].next_attempt_at == at("2026-12-29", 9) + timedelta(seconds=60)
    assert await world.tick_at(at("2026-12-29", 9, 1)) == []  # Telegram is not sent again
    assert len(robot.sent) == 2
    assert all(
        r.status == ReminderStatus.SENT
        for t in (first, second)
        for r in world.rows(t)
        if r.kind == "registration_urgent"
    )


async def test_a_gone_robot_is_switched_off_and_hr_are_told_through_the_outbox(
    world: World,
) -> None:
    robot_id = add_robot(world)
    robot = with_robot_adapter(world)
    world.hire("2026-12-01")
    await world.tick_at(at("2026-12-24", 9))
    robot.faults.append(EndpointGone("errcode 93000: invalid webhook url"))
    sent = await world.tick_at(at("2026-12-29", 9))
    told = [s for s in sent if "群机器人" in s.text]
    assert sorted(s.chat_id for s in told) == sorted([HR, HR2])
    assert "企业微信" in told[0].text and "qyapi.weixin.qq.com…abcd" in told[0].text
    with Session(world.engine) as session:
        gone = session.get(RobotEndpoint, robot_id)
        assert gone is not None and not gone.active and "93000" in (gone.last_error or "")
        notice = session.exec(select(Reminder).where(Reminder.kind == "recipient_gone")).one()
    assert notice.subject == f"gone:robot:{robot_id}" and notice.status == ReminderStatus.SENT
    assert sorted(e for rid, e in deliveries(world) if rid == notice.id) == sorted(
        [f"telegram:{HR}", f"telegram:{HR2}"]
    )
    await world.tick_at(at("2026-12-30", 9))
    assert len(robot.sent) == 0  # a removed robot gets nothing


async def test_the_blocked_note_is_an_outbox_row_retried_when_telegram_fails_once(
    world: World,
) -> None:
    world.hire("2026-12-01")
    world.channel.blocked.add(HR)
    world.channel.fail(HR2, DeliveryFailed("NetworkError: 502"))
    assert await world.tick_at(at("2026-12-24", 9)) == []  # the note to HR2 failed once
    with Session(world.engine) as session:
        hr = session.exec(select(Membership).where(Membership.telegram_user_id == HR)).one()
        notice = session.exec(select(Reminder).where(Reminder.kind == "recipient_gone")).one()
    assert notice.subject == f"gone:membership:{hr.id}"
    assert (notice.status, notice.attempts) == (ReminderStatus.PENDING, 1)
    sent = await world.tick_at(at("2026-12-24", 9, 1))
    told = [s for s in sent if "王芳已屏蔽机器人" in s.text]
    assert [s.chat_id for s in told] == [HR2]
    assert (notice.id, f"telegram:{HR2}") in deliveries(world)
    await world.tick_at(at("2026-12-24", 9, 30))
    assert not [s for s in world.channel.take() if "屏蔽" in s.text]  # told once


async def test_a_vendor_wide_wait_holds_back_that_vendors_other_robots(world: World) -> None:
    first, second = add_robot(world), add_robot(world)
    robot = with_robot_adapter(world)
    world.hire("2026-12-01")
    await world.tick_at(at("2026-12-24", 9))
    robot.faults.append(RetryLater(120, "HTTP 429", whole_channel=True))
    sent = await world.tick_at(at("2026-12-29", 9))
    assert sorted(s.chat_id for s in sent) == sorted([HR, HR2])  # Telegram is not held back
    assert robot.sent == []  # the second robot was not tried while the vendor asked to wait
    assert await world.tick_at(at("2026-12-29", 9, 1)) == []
    assert robot.sent == []
    assert await world.tick_at(at("2026-12-29", 9, 2)) == []  # the wait is over: robots only
    assert sorted(address for address, _ in robot.sent) == [first, second]


async def test_a_failing_robot_never_turns_a_delivered_reminder_into_failed(
    world: World,
) -> None:
    """The reminder's status is the HR's Telegram delivery; the robot's failure is its own."""
    robot_id = add_robot(world)
    robot = with_robot_adapter(world)
    task_id = world.hire("2026-12-01")
    await world.tick_at(at("2026-12-24", 9))
    robot.faults.extend(DeliveryFailed("HTTP 502") for _ in range(3))
    sent = await world.tick_at(at("2026-12-29", 9))  # day 28: both HR reached, robot fails
    assert sorted(s.chat_id for s in sent) == sorted([HR, HR2])
    for minute in (1, 3):  # the robot's own retries, Telegram is not sent again
        assert await world.tick_at(at("2026-12-29", 9, minute)) == []
    urgent = next(r for r in world.rows(task_id) if r.kind == "registration_urgent")
    assert urgent.status == ReminderStatus.SENT and urgent.sent_at is not None
    with Session(world.engine) as session:
        assert failed_reminders(session, world.member.company_id) == []  # /todo stays quiet
        robot_row = session.get(RobotEndpoint, robot_id)
        assert robot_row is not None and robot_row.active
        assert "502" in (robot_row.last_error or "")
        outcomes = {
            d.endpoint: d.outcome
            for d in session.exec(
                select(ReminderDelivery).where(ReminderDelivery.reminder_id == urgent.id)
            )
        }
    assert outcomes == {f"telegram:{HR}": "sent", f"telegram:{HR2}": "sent",
                        f"robot:{robot_id}": "failed"}
    (view,) = robots_svc.list_robots(world.engine, world.member)
    assert "502" in (view.last_error or "")  # /robot list shows it
    assert await world.tick_at(at("2026-12-29", 10)) == [] and robot.sent == []
    # the next reminder reaches the robot: its error is cleared
    await world.tick_at(at("2027-01-04", 9))
    assert robot.sent
    (view,) = robots_svc.list_robots(world.engine, world.member)
    assert view.last_error is None


# ---------------------------------------------------------------------------------------------
# A company's day starts at its own midnight (issue 10 follow-up)

UTC = ZoneInfo("UTC")
LA = ZoneInfo("America/Los_Angeles")


def unplanned_hire(engine: Engine, member: Member, first_day: str, today: date) -> int:
    """A hire whose task has no reminder rows yet, as an import leaves it."""
    draft = HireDraft(name="周婷", id_number=id_number(), first_day=first_day, base="5000",
                      insured_city="北京", new_department="后厨")
    task_id = register_hire(engine, member, draft, today=today).task_id
    with Session(engine) as session:
        for row in session.exec(select(Reminder).where(Reminder.task_id == task_id)):
            session.delete(row)
        session.commit()
    return task_id


def company_with_hr(engine: Engine, name: str, timezone: str, user: int,
                    send_hour: int) -> Member:
    company = onboarding.create_company(engine, name, "北京", timezone)
    assert company.id is not None
    with Session(engine) as session:
        session.add(Membership(company_id=company.id, telegram_user_id=user, chat_id=user,
                               display_name="HR", role=Role.HR))
        session.add(CompanySettings(company_id=company.id, send_hour=send_hour))
        session.commit()
    return Member(user_id=user, company_id=company.id, company_name=name, city="北京",
                  timezone=timezone, role=Role.HR)


async def test_each_company_is_planned_when_its_own_day_starts(engine: Engine) -> None:
    beijing = company_with_hr(engine, "早班餐饮", "Asia/Shanghai", 3001, send_hour=7)
    west = company_with_hr(engine, "湾区分店", "America/Los_Angeles", 3002, send_hour=9)
    clock = ManualClock(datetime(2026, 12, 23, 1, 0, tzinfo=UTC))  # 09:00 in Beijing
    channel = ScriptedChannel()
    scheduler = ReminderScheduler(engine, clock, channel, ReminderDefaults(), present=present,
                                  worker="zones", month_due=far_future)

    async def tick(instant: datetime) -> list[int]:
        clock.set(instant)
        await scheduler.tick()
        return [s.chat_id for s in channel.take()]

    await tick(clock.now())
    # imported in the Beijing evening: day 23 is 12-24, at the company's 07:00
    unplanned_hire(engine, beijing, "2026-12-01", date(2026, 12, 23))
    assert await tick(datetime(2026, 12, 24, 7, 0, tzinfo=SH)) == [3001]  # 23:00 UTC
    assert await tick(datetime(2026, 12, 23, 19, 0, tzinfo=LA)) == []  # 03:00 UTC 12-24
    # imported in the Los Angeles evening, after the UTC day's first tick
    unplanned_hire(engine, west, "2026-12-01", date(2026, 12, 23))
    assert await tick(datetime(2026, 12, 24, 9, 0, tzinfo=LA)) == [3002]  # 17:00 UTC


async def test_the_gone_note_is_once_per_company_local_day(engine: Engine) -> None:
    member = company_with_hr(engine, "早班餐饮", "Asia/Shanghai", 3001, send_hour=9)
    early = datetime(2026, 12, 23, 23, 30, tzinfo=UTC)  # 07:30 on 12-24 in Beijing
    with Session(engine) as session:
        first = plan_gone_notice(session, member.company_id, GoneWhat.ROBOT, 7, now=early)
        again = plan_gone_notice(session, member.company_id, GoneWhat.ROBOT, 7,
                                 now=early + timedelta(hours=2))  # 12-24 in UTC too
        assert first is not None and first.due_date == date(2026, 12, 24)
        assert again is None
