"""Pydantic models of the per-region policy files in ``policies/data``.

Every figure in a policy file carries where it came from, that source's own date and how sure we
are (O official text, N news report of an official announcement, S secondary source,
U unconfirmed), because HR act on these numbers and must be able to tell a rule from a guess.
A version's mark is its weakest figure's (the loader refuses anything else).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

T = TypeVar("T")

Rate = Annotated[Decimal, Field(ge=0, le=1)]
"""A contribution or fee rate as a fraction (0.16 = 16 %)."""
Yuan = Annotated[Decimal, Field(ge=0)]
Months = Annotated[int, Field(ge=0)]


class Confidence(StrEnum):
    """How far a figure can be trusted (see shared/reference/si-policy-facts.md)."""

    OFFICIAL = "O"
    NEWS = "N"
    SECONDARY = "S"
    UNCONFIRMED = "U"


class Strict(BaseModel):
    """Base for policy models: unknown keys are typos, and typos must not pass silently."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(Strict):
    """A document (name and number preferred) or page a figure was taken from.

    ``dated`` is the source's own date as far as it is known ("2025-09-18", "2021", "约2013年",
    "未注明"): HR judge an old page by its age, so answers show it. ``checked`` is set only on
    the day someone really compared the figure with the issuing bureau's page.
    """

    name: str = Field(min_length=1)
    url: str | None = None
    dated: str = Field(min_length=1)
    checked: date | None = None

    @property
    def date_text(self) -> str:
        """How answers show the date: the source's date, plus the check date when there is one."""
        if self.checked is None:
            return f"来源日期 {self.dated}"
        return f"来源日期 {self.dated}，核对于 {self.checked.isoformat()}"


class Sourced(Strict):
    """Anything stated by a source: the source, its confidence and an optional remark."""

    source: Source
    conf: Confidence
    note: str | None = None
    assumption: bool = False
    """True when the value is our working assumption, not a rule found in a source."""
    display: str | None = None
    """Shown in answers instead of the value (a calculation stand-in such as "no floor")."""

    @property
    def unconfirmed(self) -> bool:
        return self.conf is Confidence.UNCONFIRMED or self.assumption


CONFIDENCE_ORDER: dict[Confidence, int] = {
    Confidence.OFFICIAL: 0, Confidence.NEWS: 1, Confidence.SECONDARY: 2,
    Confidence.UNCONFIRMED: 3,
}
"""Strongest first: a version (or an answer) is only as sure as its weakest figure."""


def weakest(marks: list[Confidence]) -> Confidence:
    """The weakest of ``marks`` (O when there are none)."""
    return max(marks, key=CONFIDENCE_ORDER.__getitem__, default=Confidence.OFFICIAL)


class Figure(Sourced, Generic[T]):
    """One value from the policy data with its provenance."""

    value: T


class InsuranceRates(Strict):
    """Employer and employee rates of one insurance, with optional base limits of its own.

    Some cities use a different base for one insurance (Shenzhen medical uses 60–300 % of the
    city's own average wage, Shenzhen unemployment the minimum wage); those override the
    version's general floor and ceiling for that insurance only.
    """

    employer: Figure[Rate]
    employee: Figure[Rate]
    employee_fixed: Figure[Yuan] | None = None
    """A fixed monthly amount the employee pays on top (Beijing 大额医疗互助 3 yuan)."""
    employer_supplement: Figure[Rate] | None = None
    """An employer rate owed only for some employees (深圳 地方补充养老 1 % for 深户 staff):
    computed only when the caller says the employee qualifies, and mentioned otherwise."""
    base_floor: Figure[Yuan] | None = None
    base_ceiling: Figure[Yuan] | None = None
    includes: str | None = None


class Rates(Strict):
    pension: InsuranceRates
    medical: InsuranceRates
    unemployment: InsuranceRates
    work_injury: InsuranceRates


INSURANCE_NAMES: dict[str, str] = {
    "pension": "养老保险",
    "medical": "医疗保险（含生育）",
    "unemployment": "失业保险",
    "work_injury": "工伤保险",
}


class BaseLimits(Strict):
    """缴费基数 floor (下限) and ceiling (上限) in yuan per month."""

    floor: Figure[Yuan]
    ceiling: Figure[Yuan]


class DeadlineRule(Sourced):
    """When a month's contribution must be declared and paid.

    ``day_of_month``: by ``day`` of the contribution month (moved earlier when the month is
    shorter). ``second_last_working_day``: Shanghai's rule (second-to-last working day).
    """

    kind: Literal["day_of_month", "second_last_working_day"]
    day: Annotated[int, Field(ge=1, le=31)] | None = None
    on_holiday: Figure[Literal["next_working_day", "not_moved"]]
    """What happens to a day-of-month deadline on a weekend or public holiday: it moves to the
    next working day, or it stays (北京's 25th is "not extended for holidays")."""


class FirstMonthsRule(Sourced):
    """How a new hire's months before the 社保登记 (增员) are collected (首月规则).

    社会保险法 第58条 gives 30 days from the first day of work to register, and 人社部令第20号
    第8条 asks for registration *and* declaration/payment within those 30 days; how each city
    bills a month whose ordinary deadline falls inside that window is rarely written down.

    ``paid_with_registration_until``: such a month may be paid together with the registration
    without a late fee until the registration deadline (``registration_deadline``) or until the
    first monthly deadline on or after it (``next_deadline``); it counts as overdue from the day
    after. ``late_fee_from``: once overdue, the 滞纳金 runs from the month's own deadline
    (``month_deadline``, the literal reading of 第86条 and the higher estimate) or from the end of
    the grace (``grace_end``).
    """

    paid_with_registration_until: Literal["registration_deadline", "next_deadline"]
    late_fee_from: Literal["month_deadline", "grace_end"]


class NewHireCutoff(Sourced):
    """增员截止日: a new hire added (增员) by ``day`` of the month is collected with that month;
    one added later is collected the next month (the employer still owes the month: 上海's
    official note on hires after the 20th, si-policy-facts addendum §5).

    Per city, because the day is local practice (上海 15, 杭州 15, 北京 10 or 15 …); a city
    without its own entry falls back to the national file's. ``day`` None: no day was found.
    ``other_days``: days other sources give; a conflict, so such an entry must be marked U.
    """

    day: Annotated[int, Field(ge=1, le=31)] | None = None
    other_days: list[Annotated[int, Field(ge=1, le=31)]] = Field(default_factory=list)


class LateFeeRule(Strict):
    """滞纳金 (late fee): daily rate and the amount it is charged on."""

    daily_rate: Figure[Rate]
    charged_on: Figure[Literal["total", "employer"]]
    """``total``: employer and employee parts overdue; ``employer``: the employer part only."""


class BackPaymentRule(Strict):
    """补缴 (back-payment) practice of the region."""

    late_fee_applies: Figure[bool]
    self_service_months: Figure[Months]
    """How many months back an employer may still back-pay online by itself."""
    self_service_channel: Figure[str]
    materials: Figure[list[str]]
    cross_year_materials: Figure[list[str]]
    """Extra materials for a 跨年补缴 (back-payment of a previous contribution year)."""
    cross_year_rule: Figure[str]
    cross_year_basis: Figure[Literal["calendar", "july_june"]]
    """Which "year" the city's 跨年补缴 procedure counts: the calendar year or the July–June
    contribution year (si-policy-facts §1: no national definition; agencies differ)."""


class MedicalGapRule(Strict):
    """职工医保断缴 (medical-insurance gap) consequences."""

    grace_months: Figure[Months]
    """A gap no longer than this can be back-paid with benefits covered retroactively."""
    waiting_months_employer: Figure[Months]
    waiting_months_individual: Figure[Months]
    effect: Figure[str]
    retroactive_cover: Figure[bool] | None = None
    """Whether medical costs incurred during a gap no longer than ``grace_months`` are reimbursed
    once the months are back-paid. None: the city's rule is not in the library, and nothing may
    tell an employee their reimbursement is unaffected."""


class PensionRule(Strict):
    """Figures of the basic-pension formula (国发〔2005〕38号 method) the gap estimate uses.

    The formula's constants are national (national.toml); a city may add its province's
    计发基数 (``payout_base``). A city's field overrides the national one; a missing
    ``payout_base`` is estimated (and labelled so) by ``policies.impact``.
    """

    accrual_per_year: Figure[Rate] | None = None
    """基础养老金: this share of (C + C × I) / 2 per contribution year (1 %)."""
    personal_account_rate: Figure[Rate] | None = None
    """Share of the employee's base credited to the personal account each month (8 %)."""
    payout_age: Figure[int] | None = None
    """The retirement age the estimate assumes."""
    payout_months: Figure[Months] | None = None
    """计发月数 at ``payout_age`` (139 at 60): the personal account is paid out over this."""
    payout_base: Figure[Yuan] | None = None
    """计发基数 C: the (provincial) average wage pensions are computed on."""
    minimum_years: Figure[int] | None = None
    """Contribution years needed for a monthly pension (15, rising from 2030)."""


class HousingFundRule(Strict):
    """住房公积金 rates, base range and loan continuity requirement."""

    rate_min: Figure[Rate]
    rate_max: Figure[Rate]
    base_floor: Figure[Yuan]
    base_ceiling: Figure[Yuan]
    loan_continuous_months: Figure[Months]


class BaseTrueUp(Strict):
    """When a year's bases were published after the year began (基数补差).

    Months due before ``published`` were charged at the previous year's limits; the difference
    (补差) is collected later, without late fee when paid by ``fee_free_until``.
    """

    published: Figure[date]
    fee_free_until: Figure[date] | None = None


class PolicyVersion(Strict):
    """All rules of one region for a period; months are priced with the version in force."""

    id: str = Field(min_length=1)
    label: str = Field(min_length=1)
    effective_from: date
    effective_to: date | None = None
    """Last day in force; None only for the newest version (open-ended)."""
    confidence: Confidence
    note: str | None = None
    base: BaseLimits
    rates: Rates
    deadline: DeadlineRule
    late_fee: LateFeeRule
    backpay: BackPaymentRule
    medical_gap: MedicalGapRule
    housing_fund: HousingFundRule
    true_up: BaseTrueUp | None = None
    """Only on the version whose bases were published late; never inherited."""
    first_months: FirstMonthsRule | None = None
    """None: the conservative default of ``policies.obligations`` applies (未确认)."""
    pension: PensionRule | None = None
    """Pension-formula figures for the gap estimate (national constants; a city's 计发基数)."""
    new_hire_cutoff: NewHireCutoff | None = None
    """None in a city file: the national file's entry applies (required there); see
    ``PolicyLibrary.new_hire_cutoff``."""

    def covers(self, day: date) -> bool:
        ends = self.effective_to
        return self.effective_from <= day and (ends is None or day <= ends)

    @property
    def unconfirmed(self) -> bool:
        return self.confidence is Confidence.UNCONFIRMED


class QuestionEntry(Strict):
    """A question (with its phrasings) answered from a template over version fields.

    ``answer`` uses ``{field.path}`` placeholders resolved against the version in force for the
    asker's region, so a national entry answers for every city with that city's figures.
    """

    id: str = Field(min_length=1)
    topic: str = Field(min_length=1)
    variants: list[str] = Field(min_length=1)
    answer: str = Field(min_length=1)
    sources: list[Source] = Field(default_factory=list)
    """Sources of fixed statements in the template (``src = [keys]`` in the file)."""
    conf: Confidence | None = None
    """The mark of the fixed statements (like a figure's); U entries answer with 未确认."""
    note: str | None = None
    """Why a U entry is unconfirmed (shown as the 未确认 line)."""
    command: str | None = None
    """The bot command that does what the question asks (answers point to it)."""


TOPICS: dict[str, str] = {
    "rates": "缴费比例",
    "base": "缴费基数",
    "deadline": "每月缴费截止日",
    "late_fee": "滞纳金",
    "backpay": "补缴办理",
    "cross_year": "跨年补缴材料",
    "medical_gap": "医保断缴影响",
    "housing_fund": "住房公积金",
    "registration": "参保登记时限",
}
"""Topic keys and their Chinese labels (used for topic buttons)."""

MORE_TOPICS: dict[str, str] = {
    "obligation": "参保义务", "probation": "试用期参保", "part_time": "非全日制与兼职",
    "intern": "实习生", "retiree": "退休返聘", "leaving_month": "离职当月社保",
    "leave_howto": "办理减员", "hire_howto": "登记新员工", "cash_instead": "现金代替社保",
    "waiver": "自愿放弃社保", "gap_effects": "断缴影响", "new_hire_cutoff": "增员截止日",
    "medical_resume": "补缴后医保恢复", "maternity": "生育保险", "pension_backpay": "补缴与养老金",
    "hf_mandatory": "公积金是否必须缴", "illegal": "不缴社保的后果",
}
"""Further answer topics (labels only; the buttons stay with ``TOPICS``)."""

_FIELD_WORDS: dict[str, str] = {
    **INSURANCE_NAMES,
    "base": "缴费基数", "rates": "", "deadline": "缴费截止日", "late_fee": "滞纳金",
    "backpay": "补缴", "medical_gap": "医保断缴", "housing_fund": "公积金",
    "floor": "下限", "ceiling": "上限", "employer": "单位费率", "employee": "个人费率",
    "employee_fixed": "个人固定金额", "base_floor": "基数下限", "base_ceiling": "基数上限",
    "daily_rate": "日费率", "charged_on": "计收基数", "late_fee_applies": "是否收滞纳金",
    "self_service_months": "自助补缴期限（月）", "self_service_channel": "办理渠道",
    "materials": "材料", "cross_year_materials": "跨年补缴材料", "cross_year_rule": "跨年补缴规定",
    "grace_months": "可追溯补缴（月）", "waiting_months_employer": "单位参保等待期（月）",
    "waiting_months_individual": "个人参保等待期（月）", "effect": "影响",
    "rate_min": "最低比例", "rate_max": "最高比例", "loan_continuous_months": "贷款连续缴存（月）",
    "includes": "说明", "label": "名称", "effective_from": "起始日", "effective_to": "截止日",
    "confidence": "可信度", "note": "备注", "version": "版本",
    "first_months": "新员工首月缴费",
    "true_up": "基数补差", "published": "公布日期", "fee_free_until": "免滞纳金截止日",
    "new_hire_cutoff": "增员截止日",
}


def field_label(path: str) -> str:
    """Chinese name of a version field path (``rates.pension.employer`` → 养老保险单位费率)."""
    return "".join(_FIELD_WORDS.get(part, part) for part in path.split("."))
