"""Every user-facing text comes from a Jinja2 template in bot/templates (HTML parse mode)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from bot.parsing import echo
from models.company import Role
from policies.backpay_case import CaseState
from policies.formatting import format_day
from policies.idnumber import mask_id_number
from policies.ledger_rules import format_month as format_year_month


def format_money(value: Decimal) -> str:
    """`¥1,200.00`."""
    return f"¥{value:,.2f}"


def format_month(value: date) -> str:
    return f"{value.year}年{value.month}月"


ROLE_LABELS = {Role.HR: "HR", Role.MANAGER: "部门经理", Role.EMPLOYEE: "员工"}


def role_label(role: str, admin: bool = False) -> str:
    """部门经理, 员工, HR — or HR管理员 for an HR admin."""
    return "HR管理员" if admin and Role(role) == Role.HR else ROLE_LABELS[Role(role)]


def case_state_label(state: str) -> str:
    """待提交, 已提交 … for a stored CaseState value."""
    return CaseState(state).label


def format_number(value: Decimal | int) -> str:
    """A KPI figure without trailing zeros or exponent: 100, 2.5, 85.3."""
    text = format(Decimal(value).normalize(), "f")
    return text


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("bot", "templates"),
        autoescape=select_autoescape(enabled_extensions=("j2",), default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
        # The templates ship with the code and change only with a deploy (a restart): no
        # stat() of the template file on every render to see whether it changed on disk.
        auto_reload=False,
    )
    env.filters["day"] = format_day
    env.filters["money"] = format_money
    env.filters["month"] = format_month
    env.filters["ym"] = format_year_month
    env.filters["mask_id"] = mask_id_number
    env.filters["echo"] = echo
    env.filters["role"] = role_label
    env.filters["case_state"] = case_state_label
    env.filters["num"] = format_number
    return env


def macro(template: str, name: str, *args: Any) -> str:
    """Call macro `name` of `bot/templates/<template>.j2`: wording shared by several messages
    and by button labels (refusals.j2, labels.j2)."""
    module = environment().get_template(f"{template}.j2").module
    return str(getattr(module, name)(*args)).strip()


def render(template: str, **context: Any) -> str:
    """Render `bot/templates/<template>.j2`; trailing blank lines are dropped."""
    return environment().get_template(f"{template}.j2").render(**context).strip()
