"""Which reminders are due when: thresholds, holiday shifts, supersession, snooze."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from policies.deadlines import registration_deadline
from policies.reminder_plan import (
    InvalidReminderSettings,
    ReminderKind,
    ReminderSettings,
    backpay_stalled_reminder,
    days_employed,
    declaration_reminders,
    is_escalated,
    next_overdue_reminder,
    notice_send_time,
    registration_reminders,
    send_day_for,
    snooze_until,
    superseded_by,
)
from policies.workdays import is_working_day, last_working_day_on_or_before

SHANGHAI = ZoneInfo("Asia/Shanghai")
DEFAULT = ReminderSettings()
K = ReminderKind


def plan_of(first_day: date, settings: ReminderSettings = DEFAULT) -> dict[K, date]:
    plan = registration_reminders(first_day, registration_deadline(first_day), settings)
    return {r.kind: r.send_on for r in plan}


def test_default_days_23_and_28_for_a_december_hire() -> None:
    first = date(2026, 12, 1)
    plan = registration_reminders(first, registration_deadline(first), DEFAULT)
    normal, urgent = plan
    assert (normal.kind, normal.due_date, normal.send_on) == (
        K.REGISTRATION_NORMAL,
        date(2026, 12, 24),
        date(2026, 12, 24),
    )
    assert days_employed(first, normal.send_on) == 23
    assert (registration_deadline(first) - normal.send_on).days == 7  # "剩余 7 天" in UX.md
    assert normal.send_at == datetime(2026, 12, 24, 9, tzinfo=SHANGHAI)
    assert urgent.kind is K.REGISTRATION_URGENT and urgent.send_on == date(2026, 12, 29)


def test_overdue_starts_on_day_31_on_a_working_day() -> None:
    first = date(2026, 9, 1)
    deadline = registration_deadline(first)
    # day 31 is 2026-10-02 (国庆), so the first overdue alert goes out on 10-08 (2027 has no
    # notice yet, so its 元旦 is no longer guessed: the date moved to a year with a calendar)
    overdue = next_overdue_reminder(deadline, deadline, DEFAULT)
    assert overdue.kind is K.REGISTRATION_OVERDUE
    assert overdue.send_on == date(2026, 10, 8)
    first = date(2026, 11, 2)  # deadline 12-02 (Wed), day 31 is Thursday 12-03
    assert next_overdue_reminder(registration_deadline(first), first, DEFAULT).send_on == date(
        2026, 12, 3
    )


def test_overdue_is_daily_on_working_days_only() -> None:
    deadline = date(2026, 11, 25)  # Wednesday
    sent = [next_overdue_reminder(deadline, deadline, DEFAULT).send_on]
    for _ in range(4):
        sent.append(next_overdue_reminder(deadline, sent[-1] + timedelta(days=1), DEFAULT).send_on)
    expected = [date(2026, 11, 26), date(2026, 11, 27), date(2026, 11, 30)]
    assert sent == [*expected, date(2026, 12, 1), date(2026, 12, 2)]


def test_custom_threshold_25_waits_for_monday_when_time_remains() -> None:
    plan = plan_of(date(2026, 12, 1), ReminderSettings(normal_day=25))
    # day 25 is Saturday 12-26; Monday 12-28 still leaves working days before 12-31
    assert plan == {
        K.REGISTRATION_NORMAL: date(2026, 12, 28),
        K.REGISTRATION_URGENT: date(2026, 12, 29),
    }


def test_urgent_moves_before_national_day_when_waiting_would_miss_the_deadline() -> None:
    first = date(2026, 9, 5)  # day 28 = 10-03 (holiday), deadline 10-05 (holiday)
    assert plan_of(first) == {
        K.REGISTRATION_NORMAL: date(2026, 9, 28),
        K.REGISTRATION_URGENT: date(2026, 9, 30),
    }


def test_urgent_moves_to_the_spring_festival_make_up_saturday() -> None:
    first = date(2026, 1, 19)  # day 28 = 02-16 (除夕), deadline 02-18 (春节)
    assert plan_of(first)[K.REGISTRATION_URGENT] == date(2026, 2, 14)  # 调休 Saturday


def test_normal_dropped_when_shift_lands_with_or_after_urgent() -> None:
    # day 27 = 10-03 and day 28 = 10-04 both shift back to 09-30: one message, the urgent one
    plan = plan_of(date(2026, 9, 6), ReminderSettings(normal_day=27, urgent_day=28))
    assert plan == {K.REGISTRATION_URGENT: date(2026, 9, 30)}


@pytest.mark.parametrize(
    ("normal", "urgent"),
    [(0, 28), (28, 28), (29, 28), (23, 30), (23, 1), (-1, 5)],
)
def test_thresholds_out_of_bounds_are_refused(normal: int, urgent: int) -> None:
    with pytest.raises(InvalidReminderSettings):
        ReminderSettings(normal_day=normal, urgent_day=urgent)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"declaration_days_before": 0},
        {"declaration_days_before": 16},
        {"backpay_stall_working_days": 0},
        {"send_hour": 3},
        {"send_hour": 21},
    ],
)
def test_other_settings_out_of_bounds_are_refused(kwargs: dict[str, int]) -> None:
    with pytest.raises(InvalidReminderSettings) as err:
        ReminderSettings(**kwargs)
    assert err.value.field == next(iter(kwargs))


def test_bounds_accept_the_extremes() -> None:
    ReminderSettings(normal_day=1, urgent_day=2)
    ReminderSettings(normal_day=28, urgent_day=29)


def test_declaration_upcoming_and_due() -> None:
    upcoming, due = declaration_reminders(date(2026, 10, 20), DEFAULT)
    assert (upcoming.kind, upcoming.send_on) == (K.DECLARATION_UPCOMING, date(2026, 10, 15))
    assert (due.kind, due.send_on) == (K.DECLARATION_DUE, date(2026, 10, 20))
    # 5 days before 10-15 is the 调休 Saturday 10-10, a working day
    upcoming, _ = declaration_reminders(date(2026, 10, 15), DEFAULT)
    assert upcoming.send_on == date(2026, 10, 10)


def test_declaration_due_on_a_sunday_goes_out_friday() -> None:
    _, due = declaration_reminders(date(2026, 11, 15), DEFAULT)
    assert due.due_date == date(2026, 11, 15) and due.send_on == date(2026, 11, 13)


def test_backpay_stalled_counts_working_days() -> None:
    assert backpay_stalled_reminder(date(2026, 9, 29), DEFAULT).send_on == date(2026, 10, 12)


def test_snooze_goes_to_the_next_working_day_at_nine() -> None:
    now = datetime(2026, 9, 30, 2, tzinfo=UTC)  # 10:00 in Shanghai
    assert snooze_until(now, DEFAULT) == (
        date(2026, 10, 8),
        datetime(2026, 10, 8, 9, tzinfo=SHANGHAI),
    )
    late_utc = datetime(2026, 11, 26, 17, tzinfo=UTC)  # Friday 01:00 in Shanghai
    assert snooze_until(late_utc, DEFAULT)[0] == date(2026, 11, 30)


def test_send_instant_respects_the_company_zone() -> None:
    urumqi = ReminderSettings(timezone="Asia/Urumqi", send_hour=10)
    (normal, _) = registration_reminders(date(2026, 12, 1), date(2026, 12, 31), urumqi)
    assert normal.send_at.astimezone(UTC).hour == 4


def test_supersession_and_escalation() -> None:
    assert superseded_by(K.REGISTRATION_NORMAL, K.REGISTRATION_URGENT)
    assert superseded_by(K.REGISTRATION_URGENT, K.REGISTRATION_OVERDUE)
    assert superseded_by(K.DECLARATION_UPCOMING, K.DECLARATION_DUE)
    assert not superseded_by(K.REGISTRATION_URGENT, K.REGISTRATION_NORMAL)
    assert not superseded_by(K.REGISTRATION_OVERDUE, K.REGISTRATION_OVERDUE)
    assert not superseded_by(K.REGISTRATION_NORMAL, K.DECLARATION_DUE)
    assert is_escalated(K.REGISTRATION_URGENT) and not is_escalated(K.REGISTRATION_NORMAL)


first_days = st.dates(min_value=date(2025, 1, 1), max_value=date(2027, 11, 30))
thresholds = st.tuples(st.integers(1, 28), st.integers(2, 29)).filter(lambda t: t[0] < t[1])


@given(first_days, thresholds)
def test_registration_plan_properties(first_day: date, days: tuple[int, int]) -> None:
    settings = ReminderSettings(normal_day=days[0], urgent_day=days[1])
    deadline = registration_deadline(first_day)
    plan = registration_reminders(first_day, deadline, settings)
    assert plan[-1].kind is K.REGISTRATION_URGENT
    sends = [r.send_on for r in plan]
    assert sends == sorted(set(sends))  # strictly increasing: never two on one day
    for r in plan:
        assert is_working_day(r.send_on)
        assert r.send_on <= last_working_day_on_or_before(deadline)  # never misses the deadline
        assert r.send_at.tzinfo is not None
        assert r.send_at.utcoffset() == timedelta(hours=8)  # Asia/Shanghai has no DST
        assert r.send_at.astimezone(UTC).hour == 1
        if is_working_day(r.due_date):
            assert r.send_on == r.due_date


@given(
    st.dates(min_value=date(2025, 1, 1), max_value=date(2027, 12, 31)),
    st.integers(0, 20),
)
def test_shifted_days_keep_a_working_day_before_the_deadline(nominal: date, gap: int) -> None:
    deadline = nominal + timedelta(days=gap)
    day = send_day_for(nominal, deadline)
    assert is_working_day(day)
    if is_working_day(nominal):
        assert day == nominal
    elif day > nominal:  # waited: HR still have a working day before the deadline
        assert day < last_working_day_on_or_before(deadline)
    else:  # brought forward to the working day before
        assert day < nominal


@given(first_days, st.integers(0, 60))
def test_overdue_alerts_are_after_the_deadline_on_working_days(first_day: date, n: int) -> None:
    deadline = registration_deadline(first_day)
    r = next_overdue_reminder(deadline, first_day + timedelta(days=n), DEFAULT)
    assert r.send_on > deadline and is_working_day(r.send_on)
    assert r.send_on >= first_day + timedelta(days=n)


# A policy change notice (政策更新通知): not due, so only in working hours.


def test_policy_notice_goes_at_once_in_working_hours() -> None:
    now = datetime(2026, 12, 1, 10, 30, tzinfo=SHANGHAI)  # a Tuesday
    notice = notice_send_time(now, DEFAULT)
    assert notice.kind == K.POLICY_UPDATE
    assert notice.send_at == now and notice.send_on == notice.due_date == date(2026, 12, 1)


def test_policy_notice_before_the_send_hour_waits_for_it() -> None:
    notice = notice_send_time(datetime(2026, 12, 1, 6, 0, tzinfo=SHANGHAI), DEFAULT)
    assert notice.send_at == datetime(2026, 12, 1, 9, 0, tzinfo=SHANGHAI)


def test_policy_notice_at_night_goes_next_working_day_at_the_send_hour() -> None:
    settings = ReminderSettings(send_hour=10)
    friday_night = datetime(2026, 12, 4, 21, 0, tzinfo=SHANGHAI)
    notice = notice_send_time(friday_night, settings)
    assert notice.send_at == datetime(2026, 12, 7, 10, 0, tzinfo=SHANGHAI)  # Monday
    national_day = datetime(2026, 10, 1, 11, 0, tzinfo=SHANGHAI)
    assert notice_send_time(national_day, DEFAULT).send_on == date(2026, 10, 8)


def test_policy_notice_is_not_escalated_nor_in_a_chain() -> None:
    assert not is_escalated(K.POLICY_UPDATE)
    assert not any(superseded_by(K.POLICY_UPDATE, k) or superseded_by(k, K.POLICY_UPDATE)
                   for k in K)
