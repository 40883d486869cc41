"""Tenants, who belongs to them, and how people join."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, BigInteger, Column, UniqueConstraint
from sqlmodel import Field, Session, SQLModel, col, select

from models.types import UTCDateTime, utcnow


class Role(StrEnum):
    HR = "hr"
    MANAGER = "manager"
    EMPLOYEE = "employee"


class Company(SQLModel, table=True):
    """A tenant: every other row belongs to exactly one company."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100)
    city: str = Field(max_length=20)
    timezone: str = Field(default="Asia/Shanghai", max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Membership(SQLModel, table=True):
    """(user, company, role, scope): the one place permissions are read from."""

    __table_args__ = (UniqueConstraint("company_id", "telegram_user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    company_id: int = Field(foreign_key="company.id", index=True)
    telegram_user_id: int = Field(sa_type=BigInteger, index=True)
    chat_id: int | None = Field(default=None, sa_type=BigInteger)
    display_name: str = Field(default="", max_length=100)
    role: str = Field(default=Role.HR, max_length=20)
    #: Future: departments a manager sees, or the employee record an employee is bound to.
    scope: dict | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class InviteCode(SQLModel, table=True):
    """A one-time code behind the deep link https://t.me/<bot>?start=<code>."""

    __tablename__ = "invite_code"

    code: str = Field(primary_key=True, max_length=64)
    company_id: int = Field(foreign_key="company.id", index=True)
    role: str = Field(default=Role.HR, max_length=20)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    used_by: int | None = Field(default=None, sa_type=BigInteger)


def active_membership(session: Session, telegram_user_id: int) -> Membership | None:
    """The user's active membership (the most recent one if several)."""
    statement = (
        select(Membership)
        .where(Membership.telegram_user_id == telegram_user_id, col(Membership.active))
        .order_by(col(Membership.id).desc())
    )
    return session.exec(statement).first()


def company_members(
    session: Session, company_id: int, role: Role | None = None, *, active_only: bool = True
) -> list[Membership]:
    statement = select(Membership).where(Membership.company_id == company_id)
    if role is not None:
        statement = statement.where(Membership.role == role)
    if active_only:
        statement = statement.where(col(Membership.active))
    return list(session.exec(statement.order_by(col(Membership.id))))


def companies_in_city(session: Session, city: str) -> list[Company]:
    return list(session.exec(select(Company).where(Company.city == city)))
