"""Tenants, who belongs to them, and how people join."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, UniqueConstraint
from sqlalchemy import false as sa_false
from sqlmodel import Field, Session, SQLModel, col, select

from models.types import UTCDateTime, utcnow
from policies.timezones import DEFAULT_TIMEZONE


class Role(StrEnum):
    """A membership's role; an HR admin is role hr with Membership.admin set."""

    HR = "hr"
    MANAGER = "manager"
    EMPLOYEE = "employee"


class Company(SQLModel, table=True):
    """A tenant: every other row belongs to exactly one company."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100)
    city: str = Field(max_length=20)
    timezone: str = Field(default=DEFAULT_TIMEZONE, max_length=64)
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
    #: A manager's departments: ``{"departments": [department id, …]}`` (docs/roles.md).
    scope: dict | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    #: An HR admin (HR 管理员): may invite HR, change HR roles and read /audit. Only with
    #: role hr; a company always keeps one active (migration 0013 made every HR one).
    admin: bool = Field(default=False, sa_column_kwargs={"server_default": sa_false()})
    #: The employee record an employee-role user is bound to; unique (index
    #: ix_membership_employee_id), so one Telegram user per employee. Cleared on revocation
    #: so the record can be bound again.
    employee_id: int | None = Field(default=None, index=True, unique=True, nullable=True)
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    #: When the user last made this company their current one (joining, /company); the
    #: newest is the company their commands act on. None for rows from before /company.
    current_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class InviteCode(SQLModel, table=True):
    """A one-time code behind the deep link https://t.me/<bot>?start=<code>."""

    __tablename__ = "invite_code"

    code: str = Field(primary_key=True, max_length=64)
    company_id: int = Field(foreign_key="company.id", index=True)
    role: str = Field(default=Role.HR, max_length=20)
    #: What the membership gets besides its role: an HR admin flag, a manager's departments
    #: (scope), an employee's record (employee_id); see Membership.
    admin: bool = Field(default=False, sa_column_kwargs={"server_default": sa_false()})
    scope: dict | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    employee_id: int | None = None
    #: The HR who made the code (None: the `hrbot company` CLI).
    created_by: int | None = Field(default=None, sa_type=BigInteger)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    used_by: int | None = Field(default=None, sa_type=BigInteger)


def current_first() -> tuple[Any, ...]:
    """ORDER BY for a user's memberships: the one chosen last first, else the newest."""
    return (
        col(Membership.current_at).is_(None),
        col(Membership.current_at).desc(),
        col(Membership.id).desc(),
    )


def active_memberships(session: Session, telegram_user_id: int) -> list[Membership]:
    """All the user's active memberships, the current one first (the one chosen last, else
    the newest): an HR may serve several companies."""
    statement = (
        select(Membership)
        .where(Membership.telegram_user_id == telegram_user_id, col(Membership.active))
        .order_by(*current_first())
    )
    return list(session.exec(statement))


def make_current(session: Session, membership: Membership, now: datetime) -> None:
    """Make `membership` its user's current company: stamped after every other of theirs, so
    two switches within the same instant (or a clock set back) still order as they happened."""
    stamps = [
        m.current_at
        for m in active_memberships(session, membership.telegram_user_id)
        if m.current_at is not None and m.id != membership.id
    ]
    latest = max(stamps, default=None)
    membership.current_at = (
        now if latest is None or now > latest else latest + timedelta(microseconds=1)
    )
    session.add(membership)


def active_membership(
    session: Session, telegram_user_id: int, company_id: int | None = None
) -> Membership | None:
    """The user's active membership in `company_id`, or their current one when None."""
    if company_id is not None:
        return session.exec(
            select(Membership).where(
                Membership.telegram_user_id == telegram_user_id,
                Membership.company_id == company_id,
                col(Membership.active),
            )
        ).first()
    found = active_memberships(session, telegram_user_id)
    return found[0] if found else None


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


def employee_membership(session: Session, company_id: int, employee_id: int) -> Membership | None:
    """The active employee-role membership bound to an employee record (one at most)."""
    return session.exec(
        select(Membership).where(
            Membership.company_id == company_id,
            Membership.employee_id == employee_id,
            Membership.role == Role.EMPLOYEE,
            col(Membership.active),
        )
    ).first()
