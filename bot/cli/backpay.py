"""`hrbot backpay --city 北京 --base 5000 --month 2025-12 --pay-date 2026-01-20 [--json]`.

A scriptable back-payment calculation straight from the policy files: no database, no bot.
Bad arguments exit 2 with a message saying what to type instead.
"""

from __future__ import annotations

import argparse
import json
import re
from datetime import date
from decimal import Decimal
from typing import Any

from bot.cli.common import configured_today, print_error
from bot.parsing import PLAIN_AMOUNT, InputError, echo, parse_amount
from bot.render import format_day
from bot.settings import load_settings
from policies.backpay import (
    BackPayment,
    BackPaymentError,
    back_payment,
)
from policies.contributions import unconfirmed_figures
from policies.library import (
    DEFAULT_DIRECTORY,
    NoVersionInForce,
    PolicyFileError,
    UnknownRegion,
    load_library,
)
from policies.schema import INSURANCE_NAMES

_MONTH = re.compile(r"^\s*(\d{4})\s*(?:[-/.年])\s*(\d{1,2})\s*月?\s*$")
CLAMP_WORDS = {"floor": "按下限", "ceiling": "按上限"}


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "backpay", help="补缴测算：按月计算社保、滞纳金和材料清单",
        description="按参保地政策逐月计算补缴金额（每月按当月有效的政策版本）和滞纳金。")
    parser.add_argument("--city", required=True, help="参保城市，例如 北京")
    parser.add_argument("--base", required=True, type=parse_base,
                        help="缴费基数（元/月），例如 5000")
    parser.add_argument("--month", required=True, action="append", type=parse_month,
                        dest="months", help="补缴月份 YYYY-MM，可重复，例如 --month 2025-12")
    parser.add_argument("--pay-date", type=parse_day, default=None,
                        help="计划缴费日期 YYYY-MM-DD（默认今天，北京时间）")
    parser.add_argument("--json", action="store_true", help="输出 JSON")
    parser.add_argument("--local-supplement", action="store_true",
                        help="职工须缴单位地方补充养老（深圳深户职工另加1%%）")
    parser.add_argument("--policies", default=None,
                        help="政策文件目录（默认按配置 policies.directory）")
    parser.set_defaults(handler=cmd_backpay)


def parse_base(text: str) -> Decimal:
    """The chat's money parser: plain digits only, below a plausible wage (exit 2 otherwise)."""
    cleaned = text.replace(",", "").strip()
    if cleaned.startswith("-"):
        raise argparse.ArgumentTypeError(
            f"缴费基数不能为负数（收到 {echo(text)}），请输入例如 5000")
    if not PLAIN_AMOUNT.match(cleaned):
        raise argparse.ArgumentTypeError(
            f"缴费基数“{echo(text)}”不是数字，请输入金额，例如 5000（不支持 1e5 这样的写法）")
    try:
        return parse_amount(cleaned)
    except InputError as error:
        raise argparse.ArgumentTypeError(f"缴费基数：{error.message}") from None


def parse_month(text: str) -> date:
    match = _MONTH.match(text)
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise argparse.ArgumentTypeError(f"月份“{text}”格式不对，请写成 YYYY-MM，例如 2025-12")
    return date(int(match.group(1)), int(match.group(2)), 1)


def parse_day(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"日期“{text}”格式不对，请写成 YYYY-MM-DD，例如 2026-01-20") from None


def _directory(args: argparse.Namespace) -> str:
    if args.policies:
        return args.policies
    try:
        configured = load_settings(getattr(args, "config", None)).policies.directory.strip()
    except Exception:  # settings problems must not stop a pure calculation
        configured = ""
    return configured or str(DEFAULT_DIRECTORY)


def cmd_backpay(args: argparse.Namespace) -> int:
    pay_date = args.pay_date or configured_today(args)
    try:
        library = load_library(_directory(args))
    except PolicyFileError as error:
        print_error(f"政策文件无效：{error}")
        return 1
    try:
        region = library.region(args.city)
        result = back_payment(region, args.base, args.months, pay_date,
                              supplement=args.local_supplement)
    except UnknownRegion as error:
        print_error(f"{error}。请用 --city 指定其中之一。")
        return 2
    except (BackPaymentError, NoVersionInForce) as error:
        print_error(str(error))
        return 2
    if args.json:
        print(json.dumps(as_json(result), ensure_ascii=False, indent=2))
    else:
        print(as_table(result))
    return 0


def money(amount: Decimal) -> str:
    """Two decimals, no grouping: the JSON form of an amount."""
    return f"{amount:.2f}"


def policy_versions(result: BackPayment) -> str:
    return "；".join(v.label for v in result.versions)


def as_json(result: BackPayment) -> dict[str, Any]:
    """The documented JSON shape (issue 3); amounts are strings with two decimals."""
    return {
        "months": [
            {
                "month": f"{m.month:%Y-%m}",
                "base": money(m.contribution.base),
                "clamped": m.contribution.clamped,
                "items": [
                    {"insurance": i.insurance, "employer": money(i.employer),
                     "employee": money(i.employee)}
                    for i in m.contribution.items
                ],
                "employer": money(m.employer),
                "employee": money(m.employee),
                "late_fee": money(m.late_fee),
                **({"true_up": {
                    "provisional_base": money(m.true_up.provisional.base),
                    "provisional_total": money(m.true_up.provisional.total),
                    "difference": money(m.true_up.difference),
                    "fee_free_until": m.true_up.due.isoformat() if m.true_up.due else None,
                }} if m.true_up else {}),
            }
            for m in result.months
        ],
        "employer": money(result.employer),
        "employee": money(result.employee),
        "late_fee": money(result.late_fee),
        "total": money(result.total),
        "cross_year": result.cross_year,
        "materials": list(result.materials),
        "policy": {"region": result.region.city, "version": policy_versions(result)},
    }


def yuan(amount: Decimal) -> str:
    return f"¥{amount:,.2f}"


def late_fee_rule(result: BackPayment) -> str:
    if not result.late_fee_applies:
        return "本地不收"
    rate = result.rules_version.late_fee.daily_rate.value * 100
    return f"按日{rate.normalize():f}%，自每月缴费截止日次日起算"


def as_table(result: BackPayment) -> str:
    """A readable plain-text breakdown for a terminal."""
    lines = [
        f"{result.region.city} 补缴测算：申报基数 {yuan(result.base)}，"
        f"计划缴费日 {result.pay_date.isoformat()}",
        "",
    ]
    header = f"{'':<8}{'险种':<12}{'基数':>14}{'单位':>12}{'个人':>12}"
    for month in result.months:
        contribution = month.contribution
        clamp = CLAMP_WORDS.get(contribution.clamped or "", "")
        lines.append(f"{month.month:%Y-%m}  {month.version.label}"
                     f"（截止 {format_day(month.due)}，"
                     f"{f'逾期 {month.overdue_days} 天' if month.overdue_days else '未逾期'}）")
        lines.append(header)
        for item in contribution.items:
            note = CLAMP_WORDS.get(item.clamped or "", "")
            lines.append(f"{'':<8}{INSURANCE_NAMES[item.insurance]:<12}"
                         f"{yuan(item.base) + note:>14}{yuan(item.employer):>12}"
                         f"{yuan(item.employee):>12}")
        lines.append(f"{'':<8}{'小计':<12}{clamp:>14}{yuan(month.employer):>12}"
                     f"{yuan(month.employee):>12}   滞纳金 {yuan(month.late_fee)}")
        if month.true_up is not None:
            true_up = month.true_up
            window = (f"{format_day(true_up.due)}前缴纳补差不收滞纳金" if true_up.due
                      else "补差期限未确认")
            lines.append(f"{'':<8}新年度基数公布前到期：先按上年度基数 "
                         f"{yuan(true_up.provisional.base)} 缴 {yuan(true_up.provisional.total)}，"
                         f"补差 {yuan(true_up.difference)}（{window}）")
        lines.append("")
    lines += [
        f"单位合计 {yuan(result.employer)}  个人合计 {yuan(result.employee)}  "
        f"滞纳金 {yuan(result.late_fee)}",
        f"总计 {yuan(result.total)}",
        f"跨年补缴：{f'是（{result.cross_year_basis_note}）' if result.cross_year else '否'}"
        + ("（另一种年度口径结论相反，请先向经办机构确认）"
           if result.cross_year_other_reading else ""),
        f"超出自助补缴期限（{result.self_service_months}个月）："
        f"{'是' if result.beyond_self_service_window else '否'}",
        f"滞纳金：{late_fee_rule(result)}",
        "材料清单：",
        *(f"  {n}. {line}" for n, line in enumerate(result.materials, start=1)),
        f"政策版本：{policy_versions(result)}",
    ]
    lines.extend(f"截止日按工作日推算：{caveat}" for caveat in result.calendar_caveats)
    lines.extend(f"未计入：{note}（深户职工加 --local-supplement 计算）"
                 for note in result.supplements_left_out)
    unconfirmed = sorted({label for v in result.versions for label in unconfirmed_figures(v)})
    if unconfirmed:
        lines.append("未确认的数值：" + "、".join(unconfirmed) + "（请向当地经办机构核实）")
    return "\n".join(lines)
