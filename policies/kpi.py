"""KPIs that tie social-insurance timeliness to performance (绩效考核), as pure rules.

The definitions are data (weights, targets, deductions), so a company can change them; the
metrics are computed from typed event sets the database layer hands over; the scores follow from
both. Nothing here knows about Telegram or the database, so every number a manager sees can be
checked by a unit test with hand-built events.

Rounding, stated once: a rate is a percentage quantized to 0.1 % (ROUND_HALF_UP); a deduction is
the shortfall times its per-unit deduction, on that rounded rate; a score is the weight minus all
deductions, clamped to [0, weight] and quantized to 0.1 point (ROUND_HALF_UP). All arithmetic is
`Decimal`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, fields, replace
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

HUNDRED = Decimal(100)
RATE_STEP = Decimal("0.1")
SCORE_STEP = Decimal("0.1")


class MetricKind(StrEnum):
    """How a metric is measured: a percentage of deadlines met, or a count of cases."""

    RATE = "rate"
    COUNT = "count"


class MetricKey(StrEnum):
    """The metrics of the product brief; the Chinese names live in the templates."""

    #: 社保缴纳及时率: registrations and monthly payments done by their deadline ÷ all due.
    HR_TIMELINESS = "hr_timeliness"
    #: 年度补缴次数: back-payment cases opened.
    HR_BACKPAY_CASES = "hr_backpay_cases"
    #: 员工社保投诉: complaints filed by employees.
    HR_COMPLAINTS = "hr_complaints"
    #: 部门员工社保缴纳率: the department's monthly payments made by their due date ÷ all due.
    DEPARTMENT_PAYMENT_RATE = "department_payment_rate"
    #: 部门社保投诉: complaints filed by the department's employees.
    DEPARTMENT_COMPLAINTS = "department_complaints"


class DeadlineKind(StrEnum):
    """An obligation with a deadline the timeliness metrics count."""

    REGISTRATION = "registration"
    PAYMENT = "payment"


class InvalidKpiSettings(ValueError):
    """A weight, target or deduction outside what a score can mean (field, value)."""

    def __init__(self, name: str, value: Decimal) -> None:
        super().__init__(f"{name}={value}")
        self.name = name
        self.value = value


@dataclass(frozen=True)
class KpiSettings:
    """Weights, targets and deductions (config.toml [kpi] defaults, per-company overrides).

    Rate targets are percentages; `*_per_point` is the deduction per 1 % below the target;
    count targets are cases allowed; `*_per_case` the deduction per case above the target.
    """

    hr_weight: Decimal = Decimal(15)
    hr_timeliness_target: Decimal = Decimal(100)
    hr_timeliness_per_point: Decimal = Decimal(2)
    hr_backpay_target: Decimal = Decimal(0)
    hr_backpay_per_case: Decimal = Decimal(5)
    hr_complaint_target: Decimal = Decimal(0)
    hr_complaint_per_case: Decimal = Decimal(3)
    department_weight: Decimal = Decimal(10)
    department_payment_target: Decimal = Decimal(100)
    department_payment_per_point: Decimal = Decimal(1)
    department_complaint_target: Decimal = Decimal(0)
    department_complaint_per_case: Decimal = Decimal(2)

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if not isinstance(value, Decimal):
                value = Decimal(str(value))
                object.__setattr__(self, f.name, value)
            if not value.is_finite() or value < 0:
                raise InvalidKpiSettings(f.name, value)
            if f.name.endswith("_weight") and value > HUNDRED:
                raise InvalidKpiSettings(f.name, value)
            if f.name.endswith(("timeliness_target", "payment_target")) and value > HUNDRED:
                raise InvalidKpiSettings(f.name, value)

    @classmethod
    def names(cls) -> tuple[str, ...]:
        """The keys config.toml and /kpi_settings use."""
        return tuple(f.name for f in fields(cls))

    def with_overrides(self, overrides: dict[str, object]) -> KpiSettings:
        """These settings with a company's overrides; unknown keys are ignored (old rows)."""
        known = {k: Decimal(str(v)) for k, v in overrides.items() if k in self.names()}
        return replace(self, **known)  # type: ignore[arg-type]


@dataclass(frozen=True)
class MetricRule:
    """One metric of a KPI: its target and what every unit short of it costs."""

    key: MetricKey
    kind: MetricKind
    target: Decimal
    per_unit: Decimal


@dataclass(frozen=True)
class KpiDefinition:
    """A KPI: a weight (points of the performance score) and the metrics that deduct from it."""

    weight: Decimal
    metrics: tuple[MetricRule, ...]


def hr_definition(settings: KpiSettings) -> KpiDefinition:
    """The HR department's KPI (weight 15 by default)."""
    s = settings
    return KpiDefinition(
        s.hr_weight,
        (
            MetricRule(
                MetricKey.HR_TIMELINESS,
                MetricKind.RATE,
                s.hr_timeliness_target,
                s.hr_timeliness_per_point,
            ),
            MetricRule(
                MetricKey.HR_BACKPAY_CASES,
                MetricKind.COUNT,
                s.hr_backpay_target,
                s.hr_backpay_per_case,
            ),
            MetricRule(
                MetricKey.HR_COMPLAINTS,
                MetricKind.COUNT,
                s.hr_complaint_target,
                s.hr_complaint_per_case,
            ),
        ),
    )


def department_definition(settings: KpiSettings) -> KpiDefinition:
    """Every department's KPI (weight 10 by default)."""
    s = settings
    return KpiDefinition(
        s.department_weight,
        (
            MetricRule(
                MetricKey.DEPARTMENT_PAYMENT_RATE,
                MetricKind.RATE,
                s.department_payment_target,
                s.department_payment_per_point,
            ),
            MetricRule(
                MetricKey.DEPARTMENT_COMPLAINTS,
                MetricKind.COUNT,
                s.department_complaint_target,
                s.department_complaint_per_case,
            ),
        ),
    )


# --- events ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeadlineEvent:
    """A registration or a monthly payment that had a deadline (`ref` is the task or ledger id)."""

    kind: DeadlineKind
    ref: int
    employee_id: int
    department_id: int | None
    due: date
    done_on: date | None

    def is_due_by(self, as_of: date) -> bool:
        """Counted once done or once its deadline has passed; an open one not yet due is not."""
        return self.done_on is not None or self.due < as_of

    def is_on_time(self) -> bool:
        """Done on or before its deadline (the deadline day itself is on time)."""
        return self.done_on is not None and self.done_on <= self.due


@dataclass(frozen=True)
class KpiCase:
    """A back-payment case opened (补缴) or a complaint filed, on a day."""

    ref: int
    employee_id: int | None
    department_id: int | None
    on: date


@dataclass(frozen=True)
class KpiEvents:
    """Everything the KPIs of one period need, already limited to the period."""

    deadlines: tuple[DeadlineEvent, ...] = ()
    backpay_cases: tuple[KpiCase, ...] = ()
    complaints: tuple[KpiCase, ...] = ()

    def within(self, period: Period) -> KpiEvents:
        """The events of a shorter period: deadlines by due date, cases by their day."""
        return KpiEvents(
            tuple(e for e in self.deadlines if period.contains(e.due)),
            tuple(c for c in self.backpay_cases if period.contains(c.on)),
            tuple(c for c in self.complaints if period.contains(c.on)),
        )

    def for_department(self, department_id: int | None) -> KpiEvents:
        """The events of one department's employees."""
        return KpiEvents(
            tuple(e for e in self.deadlines if e.department_id == department_id),
            tuple(e for e in self.backpay_cases if e.department_id == department_id),
            tuple(e for e in self.complaints if e.department_id == department_id),
        )


# --- metrics and scores ---------------------------------------------------------------------


@dataclass(frozen=True)
class MetricResult:
    """A metric's value against its target, the deduction, and the events behind it.

    `value` is None for a rate with nothing due (no deduction then: nothing was late).
    `numerator`/`denominator` are the counts behind a rate; `late` are the late or missed
    deadlines; `cases` the counted cases.
    """

    rule: MetricRule
    value: Decimal | None
    shortfall: Decimal
    deduction: Decimal
    numerator: int = 0
    denominator: int = 0
    late: tuple[DeadlineEvent, ...] = ()
    cases: tuple[KpiCase, ...] = ()


@dataclass(frozen=True)
class KpiScore:
    """A KPI's score: weight minus deductions, clamped to [0, weight]."""

    definition: KpiDefinition
    metrics: tuple[MetricResult, ...]
    score: Decimal
    deductions: Decimal = field(default=Decimal(0))

    def metric(self, key: MetricKey) -> MetricResult:
        """The result of one metric by key."""
        return next(m for m in self.metrics if m.rule.key == key)


def rate_percent(on_time: int, due: int) -> Decimal | None:
    """`on_time ÷ due` as a percentage to 0.1 % (None when nothing was due)."""
    if due == 0:
        return None
    return (Decimal(on_time) * HUNDRED / Decimal(due)).quantize(RATE_STEP, ROUND_HALF_UP)


def rate_metric(rule: MetricRule, deadlines: Iterable[DeadlineEvent], as_of: date) -> MetricResult:
    """A timeliness rate: deadlines met ÷ deadlines that fell due (by `as_of`)."""
    counted = [e for e in deadlines if e.is_due_by(as_of)]
    on_time = sum(1 for e in counted if e.is_on_time())
    value = rate_percent(on_time, len(counted))
    shortfall = max(Decimal(0), rule.target - value) if value is not None else Decimal(0)
    late = tuple(sorted((e for e in counted if not e.is_on_time()), key=lambda e: (e.due, e.ref)))
    return MetricResult(
        rule, value, shortfall, shortfall * rule.per_unit, on_time, len(counted), late=late
    )


def count_metric(rule: MetricRule, cases: Iterable[KpiCase]) -> MetricResult:
    """A count of cases: every case above the target deducts."""
    listed = tuple(sorted(cases, key=lambda c: (c.on, c.ref)))
    value = Decimal(len(listed))
    shortfall = max(Decimal(0), value - rule.target)
    return MetricResult(rule, value, shortfall, shortfall * rule.per_unit, cases=listed)


def clamp_score(weight: Decimal, deductions: Decimal) -> Decimal:
    """Weight minus deductions, never below 0 nor above the weight, to 0.1 point."""
    return min(weight, max(Decimal(0), weight - deductions)).quantize(SCORE_STEP, ROUND_HALF_UP)


def _score(definition: KpiDefinition, metrics: tuple[MetricResult, ...]) -> KpiScore:
    total = sum((m.deduction for m in metrics), Decimal(0))
    return KpiScore(definition, metrics, clamp_score(definition.weight, total), total)


def hr_score(settings: KpiSettings, events: KpiEvents, as_of: date) -> KpiScore:
    """The HR KPI of a period: timeliness of every registration and payment, cases, complaints."""
    definition = hr_definition(settings)
    timeliness, backpay, complaints = definition.metrics
    return _score(
        definition,
        (
            rate_metric(timeliness, events.deadlines, as_of),
            count_metric(backpay, events.backpay_cases),
            count_metric(complaints, events.complaints),
        ),
    )


def department_score(settings: KpiSettings, events: KpiEvents, as_of: date) -> KpiScore:
    """A department's KPI of a period: its employees' monthly payments and complaints.

    `events` must already be the department's (KpiEvents.for_department).
    """
    definition = department_definition(settings)
    payment_rate, complaints = definition.metrics
    payments = (e for e in events.deadlines if e.kind is DeadlineKind.PAYMENT)
    return _score(
        definition,
        (rate_metric(payment_rate, payments, as_of), count_metric(complaints, events.complaints)),
    )


# --- periods --------------------------------------------------------------------------------


class PeriodKind(StrEnum):
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"
    WEEK = "week"


@dataclass(frozen=True)
class Period:
    """A closed range of days a KPI is computed over, both ends included."""

    kind: PeriodKind
    start: date
    end: date

    @property
    def label(self) -> str:
        """`2026-11`, `2026Q4`, `2026` or `2026-11-23~2026-11-29`, as typed and shown."""
        if self.kind is PeriodKind.MONTH:
            return f"{self.start.year:04d}-{self.start.month:02d}"
        if self.kind is PeriodKind.QUARTER:
            return f"{self.start.year:04d}Q{(self.start.month - 1) // 3 + 1}"
        if self.kind is PeriodKind.YEAR:
            return f"{self.start.year:04d}"
        return f"{self.start.isoformat()}~{self.end.isoformat()}"

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end

    def as_of(self, today: date) -> date:
        """The day a period's open deadlines are judged on: its end, or today if earlier."""
        return min(today, self.end + timedelta(days=1))


def month_period(year: int, month: int) -> Period:
    start = date(year, month, 1)
    following = date(year + month // 12, month % 12 + 1, 1)
    return Period(PeriodKind.MONTH, start, following - timedelta(days=1))


def quarter_period(year: int, quarter: int) -> Period:
    first = date(year, 3 * quarter - 2, 1)
    last = month_period(year, 3 * quarter)
    return Period(PeriodKind.QUARTER, first, last.end)


def year_period(year: int) -> Period:
    return Period(PeriodKind.YEAR, date(year, 1, 1), date(year, 12, 31))


def week_period(any_day: date) -> Period:
    """The Monday-to-Sunday week holding `any_day`."""
    monday = any_day - timedelta(days=any_day.weekday())
    return Period(PeriodKind.WEEK, monday, monday + timedelta(days=6))


_PERIOD_RE = re.compile(r"^\s*(\d{4})(?:\s*(?:[-/.年]\s*(\d{1,2})\s*月?|\s*[Qq]([1-4])))?\s*$")


def parse_period(text: str) -> Period | None:
    """Read `2026-11`, `2026Q4` or `2026` (None when it is none of them)."""
    found = _PERIOD_RE.match(
        text.translate(str.maketrans("０１２３４５６７８９Ｑｑ", "0123456789Qq"))
    )
    if not found:
        return None
    year = int(found.group(1))
    if year < 1900:
        return None
    if found.group(2):
        month = int(found.group(2))
        return month_period(year, month) if 1 <= month <= 12 else None
    if found.group(3):
        return quarter_period(year, int(found.group(3)))
    return year_period(year)


def current_month(today: date) -> Period:
    """The default period of /kpi: this month so far."""
    return month_period(today.year, today.month)
