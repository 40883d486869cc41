"""Every typed refusal a service raises has one wording at the edge (handlers/refusals.py)."""

from __future__ import annotations

from datetime import date

import pytest

from bot.parsing import ECHO_MAX, parse_month
from bot.services import errors
from bot.services.errors import DomainError, EmploymentSpan, Operation
from handlers.refusals import refusal, refusal_alert
from models.company import Role

SPANS = (EmploymentSpan(date(2025, 3, 4), date(2025, 5, 6)), EmploymentSpan(date(2026, 1, 2)))

#: One sample of each error type, with the reply it must read as (the wording e2e tests see).
SAMPLES: list[tuple[DomainError, str]] = [
    (errors.AccessDenied(), "您还没有加入任何公司。"),
    (errors.AccessDenied((Role.HR, Role.MANAGER)), "❌ 此功能仅限HR、部门经理使用。"),
    (errors.NotInCompany(7), "您还没有加入任何公司。"),
    (errors.InviteRefused(errors.InviteProblem.UNKNOWN), "❌ 邀请码无效。"),
    (errors.InviteRefused(errors.InviteProblem.USED), "❌ 此邀请码已被使用。"),
    (errors.InviteRefused(errors.InviteProblem.USED_BY_YOU), "您已使用此邀请码加入公司"),
    (errors.InviteRefused(errors.InviteProblem.EXPIRED), "❌ 此邀请码已过期。"),
    (errors.InviteRefused(errors.InviteProblem.GONE), "❌ 此邀请码对应的员工已离职"),
    (errors.NotHrAdmin(), "❌ 此功能仅限HR管理员使用。"),
    (errors.LastHrAdmin(), "❌ 不能撤销或降级公司唯一的HR管理员。"),
    (errors.MemberNotFound(), "❌ 该成员不存在或已被撤销。"),
    (errors.DepartmentUnknown("仓库", ("后厨", "前厅")),
     "❌ 没有名为“仓库”的部门。现有部门：后厨、前厅。"),
    (errors.DepartmentUnknown("", ()), "❌ 请写上部门名称。"),
    (errors.EmployeeAmbiguous("张三", 0), "❌ 没有找到在职员工“张三”。"),
    (errors.EmployeeAmbiguous("张三", 2), "❌ 有 2 位在职员工叫“张三”"),
    (errors.EmployeeAlreadyBound("陈明远"), "❌ 员工 陈明远 已绑定了另一个 Telegram 账号"),
    (errors.EmployeeNotFound(Operation.BACKPAY), "该员工不存在或不属于您的公司，请重新选择。"),
    (errors.EmployeeNotFound(Operation.BASE), "❌ 未找到该员工，请发送 /base 重新选择。"),
    (errors.EmployeeNotFound(Operation.LEAVE), "❌ 该员工不在职或不存在，请发送 /leave 重新选择"),
    (errors.TaskNotFound(), "❌ 找不到该待办，可能已被删除。"),
    (errors.TaskAlreadyDone(), "该待办已经办结，无需重复操作。"),
    (errors.ReminderNotFound(), "❌ 找不到该提醒，可能已被删除。发送 /todo 查看最新待办。"),
    (errors.ReminderObligationClosed(), "该待办已经办结，无需再提醒。发送 /todo 查看最新待办。"),
    (errors.GroupBoundElsewhere(), "❌ 该群已绑定其他公司，无法重复绑定。"),
    (errors.LedgerRowNotFound(Operation.LEDGER), "❌ 未找到该台账记录"),
    (errors.LedgerRowNotFound(Operation.TODO), "❌ 找不到该月份记录。"),
    (errors.MonthAlreadyPaid(), "该月份已标记为已缴纳，无需重复操作。"),
    (
        errors.MonthOutsideEmployment(date(2025, 1, 1), "王芳", SPANS, Operation.BACKPAY),
        "❌ 2025-01 不在王芳的任职期间内（2025-03-04 至 2025-05-06、2026-01-02 至 今），"
        "请输入任职期间内的月份，例如 2026-01。",
    ),
    (
        errors.MonthOutsideEmployment(date(2025, 1, 1), "王芳", SPANS[:1], Operation.LEDGER),
        "❌ 2025-01 不在王芳的任职期间内（2025-03-04 至 2025-05-06），"
        "不能标记。请发送 /ledger 查看任职期间内的月份。",
    ),
    (
        errors.DateOutOfRange(date(2026, 1, 1), date(2025, 1, 1), date(2025, 2, 1)),
        "❌ 日期“2026-01-01”不在可登记的范围内：应在 2025-01-01（周三） 至 2025-02-01（周六）",
    ),
    (errors.MonthBeforeFirstDay(date(2025, 3, 4)), "❌ 生效月份不能早于入职月份 2025-03，"),
    (errors.LastDayBeforeFirstDay(date(2025, 3, 4)), "❌ 最后工作日不能早于用工之日 2025-03-04"),
    (errors.LastDayTooFarAhead(60), "❌ 最后工作日不能晚于今天之后60天，请重新输入。"),
    (
        errors.IdNumberRegistered("王芳", "110101********123X", date(2025, 3, 4)),
        "❌ 该身份证号码已登记：王芳（110101********123X，用工之日 2025-03-04）。",
    ),
    (errors.IdNumberRegistered(concurrent=True), "❌ 该身份证号码已在其他会话中登记"),
    (errors.IdNumberRegistered(), "❌ 该身份证号码已登记，本次未重复登记。"),
    (errors.CannotRehire("王芳", "110101********123X"), "❌ 王芳（110101********123X）仍在职"),
    (errors.RehireUnknown(), "❌ 未找到该身份证号码的员工"),
    (errors.BackpayNotPriceable("无法测算"), "无法测算"),
    (errors.BackpayNotPriceable("无版本", no_version=True), "无版本，请输入该日期之后的月份。"),
    (errors.CaseNotFound(), "❌ 找不到该补缴案例，可能不属于您当前的公司。"),
    (
        errors.CaseMoveRefused("draft", "completed", ("submitted",)),
        "❌ 该案例当前为“待提交”，不能改为“已完成”，未做任何更改。当前可以改为：已提交。",
    ),
    (
        errors.CaseMoveRefused("completed", "rejected", ()),
        "❌ 该案例当前为“已完成”，不能改为“已驳回”，未做任何更改。该案例已结束，不能再更改。",
    ),
    (errors.NoGapMonths("王芳"), "王芳目前没有未缴纳且未在补缴中的月份"),
    (
        errors.CaseMonthsTaken("王芳", (date(2026, 12, 1),)),
        "❌ 王芳的 2026-12 已在补缴中或已缴纳，不能重复办理。",
    ),
    (
        errors.PaymentDateOutOfRange(date(2027, 2, 1), date(2026, 12, 1), date(2027, 1, 20)),
        "❌ 实际缴费日期“2027-02-01”应在 2026-12-01（周二） 至 2027-01-20（周三） 之间",
    ),
    (errors.UnknownKpiSetting("bonus", ("hr_weight",)), "❌ 没有“bonus”这一项考核设置。"),
    (
        errors.KpiSettingOutOfRange("hr_weight", "abc"),
        "❌ “abc”不能用作 hr_weight：权重和比率目标可设 0–100，其余须为 0 或以上的数字。",
    ),
    (errors.NotBoundToEmployee(), "❌ 您的账号还没有关联员工档案。"),
    (errors.ComplaintNotFound(), "❌ 找不到该投诉，可能不属于您的公司。"),
    (errors.ComplaintClosed(), "该投诉已关闭，无法再回复。"),
    (errors.EmployeeNotBound("王芳"), "❌ 王芳还没有绑定Telegram账号，无法直接发送。"),
    (errors.ImpactUnavailable("北京"), "❌ 暂时无法估算北京的断缴影响"),
]


def _error_types(base: type[DomainError] = DomainError) -> set[type[DomainError]]:
    found: set[type[DomainError]] = set()
    for sub in base.__subclasses__():
        found |= _error_types(sub) | ({sub} if sub.__module__ == errors.__name__ else set())
    return found


def test_every_error_type_has_a_sample_here() -> None:
    assert {type(e) for e, _ in SAMPLES} == _error_types()


@pytest.mark.parametrize(("error", "expected"), SAMPLES, ids=lambda v: type(v).__name__)
def test_each_error_renders_its_wording(error: DomainError, expected: str) -> None:
    text = refusal(error)
    assert text.startswith(expected), text
    assert "\n" not in text and text == text.strip()


def test_an_alert_is_plain_text_and_short() -> None:
    alert = refusal_alert(errors.MonthOutsideEmployment(
        date(2025, 1, 1), "A&B", SPANS * 20, Operation.LEDGER))
    assert "A&B" in alert and "&amp;" not in alert and len(alert) == 200


def test_a_name_in_a_refusal_is_html_escaped() -> None:
    text = refusal(errors.CannotRehire("<b>王芳</b>", "110101********123X"))
    assert "&lt;b&gt;王芳&lt;/b&gt;" in text and "<b>" not in text


def test_quoted_user_input_is_escaped_and_shortened() -> None:
    typed = "<b>" + "x" * 500
    with pytest.raises(Exception) as raised:
        parse_month(typed)
    text = refusal(raised.value)  # type: ignore[arg-type]
    assert "&lt;b&gt;" in text and "<b>" not in text
    assert "x" * (ECHO_MAX + 1) not in text and "（共503字）" in text


def test_a_type_without_a_macro_fails_loudly() -> None:
    class Unworded(DomainError):
        pass

    with pytest.raises(LookupError):
        refusal(Unworded())


def test_every_service_error_has_a_macro() -> None:
    """Errors defined beside their service (bot/services/robots.py …) are worded here too."""
    import importlib
    import pkgutil

    import bot.services
    from handlers.refusals import _macros

    for module in pkgutil.iter_modules(bot.services.__path__):
        importlib.import_module(f"bot.services.{module.name}")
    everywhere: set[type[DomainError]] = set()
    pending = list(DomainError.__subclasses__())
    while pending:
        cls = pending.pop()
        pending += cls.__subclasses__()
        if cls.__module__.startswith("bot.services."):
            everywhere.add(cls)
    unworded = sorted(c.__name__ for c in everywhere if not hasattr(_macros(), c.__name__))
    assert unworded == []
