"""`hrbot company create NAME --city CITY` and friends."""

from __future__ import annotations

import argparse
from zoneinfo import ZoneInfo

from bot.cli.common import load, print_error
from bot.clock import SystemClock
from bot.policy_store import policy_directory
from bot.services import onboarding
from models.company import Role
from policies.formatting import format_day
from policies.library import PolicyFileError, load_library
from policies.timezones import DEFAULT_TIMEZONE

DEFAULT_BOT_USERNAME = "your_hrbot"


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    company = subparsers.add_parser("company", help="管理公司（租户）")
    actions = company.add_subparsers(dest="action", required=True)

    create = actions.add_parser("create", help="创建公司并生成HR邀请码")
    create.add_argument("name")
    create.add_argument("--city", required=True, help="公司所在城市（默认参保地），例如 北京")
    create.add_argument("--timezone", default=None)
    create.add_argument("--bot-username", default=None, help="机器人用户名，用于生成邀请链接")
    create.set_defaults(handler=cmd_create)

    invite = actions.add_parser("invite", help="为已有公司生成新的邀请码")
    invite.add_argument("company_id", type=int)
    invite.add_argument("--role", choices=[r.value for r in Role], default=Role.HR.value)
    invite.add_argument("--bot-username", default=None)
    invite.set_defaults(handler=cmd_invite)

    listing = actions.add_parser("list", help="列出公司")
    listing.set_defaults(handler=cmd_list)


def _bot_username(args: argparse.Namespace) -> str:
    return (args.bot_username or DEFAULT_BOT_USERNAME).lstrip("@")


def zone_label(timezone: str) -> str:
    """How a person names the zone: 北京时间 for China's standard time, else the IANA name."""
    return "北京时间" if timezone == DEFAULT_TIMEZONE else timezone


def _print_invite(invite: onboarding.Invite, username: str, timezone: str) -> None:
    """The expiry in the company's own time zone: HR read it as a local deadline."""
    local = invite.expires_at.astimezone(ZoneInfo(timezone))
    expiry = f"{format_day(local.date())} {local:%H:%M}（{zone_label(timezone)}）"
    print(f"邀请码（一次性，{expiry}前有效）: {invite.code}")
    print(f"邀请链接: {onboarding.deep_link(username, invite.code)}")
    print(f"或在与机器人的私聊中发送: /start {invite.code}")


def cmd_create(args: argparse.Namespace) -> int:
    settings, engine = load(args)
    city = args.city.strip().removesuffix("市")
    try:  # 沪, 上海市 → 上海: the policy library's one canonicaliser
        city = load_library(policy_directory(settings)).canonical_city(args.city) or city
    except PolicyFileError:
        pass
    if not city:
        print_error("请用 --city 指定城市，例如 --city 北京")
        return 2
    company = onboarding.create_company(
        engine, args.name, city, args.timezone or settings.company.timezone
    )
    assert company.id is not None
    invite = onboarding.create_invite(
        engine,
        company.id,
        now=SystemClock().now(),
        valid_days=settings.company.invite_valid_days,
    )
    print(f"已创建公司 #{company.id} {company.name}（{company.city}）")
    _print_invite(invite, _bot_username(args), company.timezone)
    return 0


def cmd_invite(args: argparse.Namespace) -> int:
    settings, engine = load(args)
    try:
        invite = onboarding.create_invite(
            engine,
            args.company_id,
            now=SystemClock().now(),
            valid_days=settings.company.invite_valid_days,
            role=Role(args.role),
        )
    except LookupError:
        print_error(f"没有编号为 {args.company_id} 的公司。运行 hrbot company list 查看。")
        return 2
    company = onboarding.get_company(engine, args.company_id)
    assert company is not None
    _print_invite(invite, _bot_username(args), company.timezone)
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    _, engine = load(args)
    for company in onboarding.list_companies(engine):
        print(f"#{company.id}\t{company.name}\t{company.city}\t{company.timezone}")
    return 0
