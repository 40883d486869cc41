"""The one place permissions are decided: who is this user, in which company, with which role."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from models.company import Company, Membership, Role


@dataclass(frozen=True)
class Member:
    """A resolved membership; services receive this instead of a raw Telegram user id."""

    user_id: int
    company_id: int
    company_name: str
    city: str
    timezone: str
    role: Role
    scope: dict | None = None


class AccessDenied(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


NOT_A_MEMBER = (
    "您还没有加入任何公司。请向公司管理员索取邀请链接，"
    "或让管理员运行 <code>hrbot company create 公司名 --city 城市</code> 生成邀请码后发送 "
    "<code>/start 邀请码</code>。"
)

ROLE_LABELS = {Role.HR: "HR", Role.MANAGER: "部门经理", Role.EMPLOYEE: "员工"}


def member_in_session(session: Session, user_id: int) -> Member | None:
    """The user's active membership and its company, read in one query (every update asks)."""
    statement = (
        select(Membership, Company)
        .join(Company, col(Company.id) == col(Membership.company_id))
        .where(Membership.telegram_user_id == user_id, col(Membership.active))
        .order_by(col(Membership.id).desc())
        .limit(1)
    )
    found = session.exec(statement).first()
    if found is None:
        return None
    membership, company = found
    assert company.id is not None
    return Member(
        user_id=user_id,
        company_id=company.id,
        company_name=company.name,
        city=company.city,
        timezone=company.timezone,
        role=Role(membership.role),
        scope=membership.scope,
    )


def member_of(engine: Engine, user_id: int) -> Member | None:
    with Session(engine) as session:
        return member_in_session(session, user_id)


def require_member(engine: Engine, user_id: int, *roles: Role) -> Member:
    """Resolve the user and check the role, or raise AccessDenied with what to do instead."""
    member = member_of(engine, user_id)
    if member is None:
        raise AccessDenied(NOT_A_MEMBER)
    if roles and member.role not in roles:
        allowed = "、".join(ROLE_LABELS[r] for r in roles)
        raise AccessDenied(f"❌ 此功能仅限{allowed}使用。")
    return member
