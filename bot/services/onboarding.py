"""Companies (tenants) and invite codes: how HR come to belong to a company."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.services.errors import InviteProblem, InviteRefused
from models import audit
from models.company import Company, InviteCode, Membership, Role, make_current
from models.db import unit_of_work


@dataclass(frozen=True)
class Invite:
    code: str
    company_id: int
    company_name: str
    role: Role
    expires_at: datetime


def create_company(engine: Engine, name: str, city: str, timezone: str) -> Company:
    name = name.strip()
    if not name:
        raise ValueError("company name is empty")
    with unit_of_work(engine) as session:
        company = Company(name=name, city=city.strip(), timezone=timezone)
        session.add(company)
        session.flush()
        assert company.id is not None
        audit.record(session, company.id, None, "company.created", name=company.name)
        return company


def create_invite(
    engine: Engine, company_id: int, *, now: datetime, valid_days: int, role: Role = Role.HR
) -> Invite:
    """A one-time code; 96 random bits, safe in a t.me deep link."""
    with unit_of_work(engine) as session:
        company = session.get(Company, company_id)
        if company is None:
            raise LookupError(f"no company with id {company_id}")
        invite = InviteCode(
            code=secrets.token_urlsafe(12),
            company_id=company_id,
            role=role,
            expires_at=now + timedelta(days=valid_days),
        )
        session.add(invite)
        return Invite(invite.code, company_id, company.name, role, invite.expires_at)


def deep_link(bot_username: str, code: str) -> str:
    return f"https://t.me/{bot_username}?start={code}"


def redeem_invite(
    engine: Engine, code: str, *, user_id: int, chat_id: int, display_name: str, now: datetime
) -> Invite:
    """Bind the user to the invite's company and role; each code works once."""
    with unit_of_work(engine) as session:
        invite = session.get(InviteCode, code.strip())
        if invite is None:
            raise InviteRefused(InviteProblem.UNKNOWN)
        if invite.used_at is not None:
            if invite.used_by == user_id:
                raise InviteRefused(InviteProblem.USED_BY_YOU)
            raise InviteRefused(InviteProblem.USED)
        if invite.expires_at <= now:
            raise InviteRefused(InviteProblem.EXPIRED)
        existing = session.exec(
            select(Membership).where(
                Membership.company_id == invite.company_id,
                Membership.telegram_user_id == user_id,
            )
        ).first()
        membership = existing or Membership(
            company_id=invite.company_id, telegram_user_id=user_id
        )
        membership.role = invite.role
        membership.chat_id = chat_id
        membership.display_name = display_name[:100]
        membership.active = True
        session.add(membership)
        session.flush()
        make_current(session, membership, now)  # joining makes it current; /company goes back
        invite.used_at = now
        invite.used_by = user_id
        session.add(invite)
        company = session.get(Company, invite.company_id)
        assert company is not None
        audit.record(session, invite.company_id, user_id, "member.joined", role=invite.role)
        return Invite(
            invite.code, invite.company_id, company.name, Role(invite.role), invite.expires_at
        )


def get_company(engine: Engine, company_id: int) -> Company | None:
    with Session(engine) as session:
        return session.get(Company, company_id)


def list_companies(engine: Engine) -> list[Company]:
    with Session(engine) as session:
        return list(session.exec(select(Company).order_by(Company.id)))  # type: ignore[arg-type]
