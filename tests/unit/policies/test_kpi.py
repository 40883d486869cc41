"""KPI metrics and scores from hand-built event sets (policies/kpi.py)."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from policies.kpi import (
    DeadlineEvent,
    DeadlineKind,
    InvalidKpiSettings,
    KpiCase,
    KpiEvents,
    KpiSettings,
    MetricKey,
    PeriodKind,
    department_score,
    hr_score,
    parse_period,
    rate_percent,
    week_period,
)

DEFAULTS = KpiSettings()
DUE = date(2026, 11, 15)
AS_OF = date(2026, 12, 1)


def deadline(
    ref: int,
    *,
    late_days: int | None = 0,
    kind: DeadlineKind = DeadlineKind.PAYMENT,
    department: int | None = 1,
    due: date = DUE,
) -> DeadlineEvent:
    """A deadline done `late_days` after it (negative: early; None: never done)."""
    done = None if late_days is None else due + timedelta(days=late_days)
    return DeadlineEvent(kind, ref, ref, department, due, done)


def case(ref: int, department: int | None = 1) -> KpiCase:
    return KpiCase(ref, ref, department, date(2026, 11, 3))


def timeliness(on_time: int, late: int) -> tuple[DeadlineEvent, ...]:
    return tuple(deadline(i) for i in range(on_time)) + tuple(
        deadline(100 + i, late_days=3) for i in range(late)
    )


def test_brief_example_before_timeliness_85_and_4_back_payments_scores_zero() -> None:
    events = KpiEvents(timeliness(17, 3), tuple(case(i) for i in range(4)))
    score = hr_score(DEFAULTS, events, AS_OF)
    rate = score.metric(MetricKey.HR_TIMELINESS)
    assert rate.value == Decimal("85.0") and (rate.numerator, rate.denominator) == (17, 20)
    assert rate.deduction == Decimal(30)
    assert [e.ref for e in rate.late] == [100, 101, 102]
    backpay = score.metric(MetricKey.HR_BACKPAY_CASES)
    assert backpay.value == 4 and backpay.deduction == Decimal(20)
    assert score.deductions == Decimal(50)
    assert score.score == Decimal("0.0")  # never below 0


def test_brief_example_after_timeliness_100_and_no_back_payments_scores_the_full_weight() -> None:
    score = hr_score(DEFAULTS, KpiEvents(timeliness(20, 0)), AS_OF)
    assert score.metric(MetricKey.HR_TIMELINESS).value == Decimal("100.0")
    assert score.metric(MetricKey.HR_BACKPAY_CASES).value == 0
    assert score.score == Decimal("15.0")


def test_a_small_shortfall_deducts_per_point() -> None:
    # 19 of 20 = 95 %: 5 points below x 2 = 10; one complaint 3 -> 15 - 13 = 2
    events = KpiEvents(timeliness(19, 1), complaints=(case(1),))
    score = hr_score(DEFAULTS, events, AS_OF)
    assert score.metric(MetricKey.HR_TIMELINESS).deduction == Decimal(10)
    assert score.metric(MetricKey.HR_COMPLAINTS).deduction == Decimal(3)
    assert score.score == Decimal("2.0")


def test_rates_round_half_up_to_a_tenth_of_a_percent() -> None:
    assert rate_percent(2, 3) == Decimal("66.7")
    assert rate_percent(1, 8) == Decimal("12.5")
    assert rate_percent(0, 0) is None
    # 199/200 = 99.5 % -> 0.5 below x 2 = 1 point
    score = hr_score(DEFAULTS, KpiEvents(timeliness(199, 1)), AS_OF)
    assert score.score == Decimal("14.0")


def test_no_events_deduct_nothing_and_say_nothing_was_due() -> None:
    score = hr_score(DEFAULTS, KpiEvents(), AS_OF)
    rate = score.metric(MetricKey.HR_TIMELINESS)
    assert rate.value is None and rate.denominator == 0 and rate.deduction == 0
    assert score.score == Decimal("15.0")
    assert department_score(DEFAULTS, KpiEvents(), AS_OF).score == Decimal("10.0")


def test_all_late_is_zero_percent_and_the_score_stops_at_zero() -> None:
    score = hr_score(DEFAULTS, KpiEvents(timeliness(0, 5)), AS_OF)
    rate = score.metric(MetricKey.HR_TIMELINESS)
    assert rate.value == Decimal("0.0") and rate.deduction == Decimal(200)
    assert score.score == Decimal("0.0")


def test_deductions_beyond_the_weight_clamp_to_zero() -> None:
    events = KpiEvents(complaints=tuple(case(i) for i in range(9)))
    dept = department_score(DEFAULTS, events, AS_OF)
    assert dept.metric(MetricKey.DEPARTMENT_COMPLAINTS).deduction == Decimal(18)
    assert dept.score == Decimal("0.0")


def test_a_missed_deadline_counts_late_once_passed_and_not_before() -> None:
    missed = deadline(1, late_days=None)
    assert (
        hr_score(DEFAULTS, KpiEvents((missed,)), DUE).metric(MetricKey.HR_TIMELINESS).value is None
    )
    after = hr_score(DEFAULTS, KpiEvents((missed,)), DUE + timedelta(days=1))
    assert after.metric(MetricKey.HR_TIMELINESS).value == Decimal("0.0")
    # done on the deadline day itself is on time
    assert deadline(2, late_days=0).is_on_time()


def test_the_department_rate_counts_monthly_payments_only() -> None:
    events = KpiEvents(
        (
            deadline(1),
            deadline(2, late_days=2),
            deadline(3, late_days=9, kind=DeadlineKind.REGISTRATION),
        )
    )
    dept = department_score(DEFAULTS, events, AS_OF)
    rate = dept.metric(MetricKey.DEPARTMENT_PAYMENT_RATE)
    assert (rate.numerator, rate.denominator, rate.value) == (1, 2, Decimal("50.0"))
    assert dept.score == Decimal("0.0")  # 50 points below x 1 > 10
    # HR counts the registration too
    assert hr_score(DEFAULTS, events, AS_OF).metric(MetricKey.HR_TIMELINESS).denominator == 3


def test_events_split_by_department() -> None:
    events = KpiEvents(
        (deadline(1, department=1), deadline(2, late_days=1, department=2)),
        complaints=(case(1, department=2),),
    )
    assert department_score(DEFAULTS, events.for_department(1), AS_OF).score == Decimal("10.0")
    two = department_score(DEFAULTS, events.for_department(2), AS_OF)
    assert two.score == Decimal("0.0")


def test_company_overrides_change_targets_and_deductions() -> None:
    lenient = DEFAULTS.with_overrides(
        {"hr_timeliness_target": "90", "hr_backpay_target": 2, "x": 1}
    )
    events = KpiEvents(timeliness(17, 3), tuple(case(i) for i in range(3)))
    score = hr_score(lenient, events, AS_OF)
    # 5 points below 90 x 2 = 10; one case over 2 allowed x 5 = 5
    assert score.deductions == Decimal(15) and score.score == Decimal("0.0")
    with pytest.raises(InvalidKpiSettings):
        KpiSettings(hr_weight=Decimal(-1))
    with pytest.raises(InvalidKpiSettings):
        KpiSettings(department_payment_target=Decimal(101))


def test_periods_parse_month_quarter_year() -> None:
    month = parse_period("2026-11")
    assert month and (month.start, month.end, month.label) == (
        date(2026, 11, 1),
        date(2026, 11, 30),
        "2026-11",
    )
    quarter = parse_period("2026q4")
    assert quarter and quarter.kind is PeriodKind.QUARTER
    assert (quarter.start, quarter.end, quarter.label) == (
        date(2026, 10, 1),
        date(2026, 12, 31),
        "2026Q4",
    )
    year = parse_period("２０２６")
    assert year and (year.start, year.end) == (date(2026, 1, 1), date(2026, 12, 31))
    assert parse_period("2026-13") is None and parse_period("soon") is None
    week = week_period(date(2026, 11, 30))
    assert (week.start, week.end) == (date(2026, 11, 30), date(2026, 12, 6))


deadlines = st.lists(
    st.builds(
        deadline,
        st.integers(0, 10_000),
        late_days=st.one_of(st.none(), st.integers(-10, 40)),
        kind=st.sampled_from(DeadlineKind),
        department=st.sampled_from([1, 2, None]),
    ),
    max_size=40,
)
cases = st.lists(st.builds(case, st.integers(0, 10_000)), max_size=12)
settings = st.builds(
    KpiSettings,
    hr_weight=st.decimals(0, 100, places=1),
    hr_timeliness_per_point=st.decimals(0, 10, places=2),
    hr_backpay_per_case=st.decimals(0, 20, places=1),
)


@given(settings, deadlines, cases, cases)
def test_scores_stay_between_zero_and_the_weight(
    s: KpiSettings, d: list[DeadlineEvent], b: list[KpiCase], c: list[KpiCase]
) -> None:
    events = KpiEvents(tuple(d), tuple(b), tuple(c))
    for score in (hr_score(s, events, AS_OF), department_score(s, events, AS_OF)):
        assert Decimal(0) <= score.score <= score.definition.weight


@given(deadlines, cases, cases, st.sampled_from(["late", "backpay", "complaint"]))
def test_one_more_bad_event_never_raises_a_score(
    d: list[DeadlineEvent], b: list[KpiCase], c: list[KpiCase], bad: str
) -> None:
    before = KpiEvents(tuple(d), tuple(b), tuple(c))
    extra = {
        "late": KpiEvents((*d, deadline(99_999, late_days=5)), tuple(b), tuple(c)),
        "backpay": KpiEvents(tuple(d), (*b, case(99_999)), tuple(c)),
        "complaint": KpiEvents(tuple(d), tuple(b), (*c, case(99_999))),
    }[bad]
    assert hr_score(DEFAULTS, extra, AS_OF).score <= hr_score(DEFAULTS, before, AS_OF).score
    one = extra.for_department(1)
    assert (
        department_score(DEFAULTS, one, AS_OF).score
        <= department_score(DEFAULTS, before.for_department(1), AS_OF).score
    )


@given(deadlines)
def test_one_more_on_time_deadline_never_lowers_a_score(d: list[DeadlineEvent]) -> None:
    before = KpiEvents(tuple(d))
    after = KpiEvents((*d, deadline(99_999)))
    assert hr_score(DEFAULTS, after, AS_OF).score >= hr_score(DEFAULTS, before, AS_OF).score
