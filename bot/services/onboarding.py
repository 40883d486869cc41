"""Companies (tenants) and invite codes: how HR, managers and employees come to belong to a
company (docs/roles.md)."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from bot.services.access import Member, require_hr_admin
from bot.services.errors import (
    AccessDenied,
    DepartmentUnknown,
    EmployeeAlreadyBound,
    EmployeeAmbiguous,
    InviteProblem,
    InviteRefused,
    LastHrAdmin,
)
from models import audit
from models.company import Company, InviteCode, Membership, Role, make_current
from models.db import unit_of_work
from models.employee import Employee, EmployeeStatus, departments


@dataclass(frozen=True)
class Invite:
    """A one-time code and what redeeming it grants (docs/roles.md)."""

    code: str
    company_id: int
    company_name: str
    role: Role
    expires_at: datetime
    admin: bool = False
    #: A manager's departments, by name (for the reply).
    department_names: tuple[str, ...] = ()
    #: The employee record an employee code binds to, and its name (for the reply).
    employee_id: int | None = None
    employee_name: str | None = None


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
    engine: Engine,
    company_id: int,
    *,
    now: datetime,
    valid_days: int,
    role: Role = Role.HR,
    admin: bool | None = None,
) -> Invite:
    """A one-time code made by the operator (`hrbot company`); 96 random bits, safe in a t.me
    deep link. The operator's HR codes make HR admins (the company's first HR must be one)."""
    with unit_of_work(engine) as session:
        company = session.get(Company, company_id)
        if company is None:
            raise LookupError(f"no company with id {company_id}")
        invite = InviteCode(
            code=secrets.token_urlsafe(12),
            company_id=company_id,
            role=role,
            admin=(role == Role.HR) if admin is None else admin and role == Role.HR,
            expires_at=now + timedelta(days=valid_days),
        )
        session.add(invite)
        return _invite(invite, company)


def invite_member(
    engine: Engine,
    actor: Member,
    role: Role,
    *,
    departments: Sequence[str] = (),
    employee_name: str | None = None,
    now: datetime,
    valid_days: int,
) -> Invite:
    """/invite: a one-time code for a new HR (HR admins only), a manager of `departments`
    or the employee named `employee_name` (any HR). Raises the typed refusals of each."""
    if actor.role != Role.HR:
        raise AccessDenied((Role.HR,))
    if role == Role.HR:
        require_hr_admin(actor)
    with unit_of_work(engine) as session:
        company = session.get(Company, actor.company_id)
        assert company is not None
        invite = InviteCode(
            code=secrets.token_urlsafe(12),
            company_id=actor.company_id,
            role=role,
            created_by=actor.user_id,
            expires_at=now + timedelta(days=valid_days),
        )
        if role == Role.MANAGER:
            invite.scope = {"departments": _department_ids(session, actor.company_id, departments)}
        elif role == Role.EMPLOYEE:
            employee = _employee_named(session, actor.company_id, employee_name or "")
            assert employee.id is not None
            if _binding_of(session, employee.id) is not None:
                raise EmployeeAlreadyBound(employee.name)
            invite.employee_id = employee.id
        session.add(invite)
        audit.record(
            session, actor.company_id, actor.user_id, "member.invited", role=role,
            departments=(invite.scope or {}).get("departments"), employee_id=invite.employee_id,
        )
        return _invite(invite, company, session)


def _department_ids(session: Session, company_id: int, names: Sequence[str]) -> list[int]:
    known = {d.name: d.id for d in departments(session, company_id)}
    wanted = [n.strip() for n in names if n.strip()]
    missing = [n for n in wanted if n not in known]
    if not wanted or missing:
        raise DepartmentUnknown(missing[0] if missing else "", tuple(known))
    return sorted({known[n] for n in wanted if known[n] is not None})  # type: ignore[misc]


def _employee_named(session: Session, company_id: int, name: str) -> Employee:
    name = name.strip()
    found = list(
        session.exec(
            select(Employee).where(
                Employee.company_id == company_id,
                Employee.name == name,
                Employee.status == EmployeeStatus.ACTIVE,
            )
        )
    )
    if len(found) != 1:
        raise EmployeeAmbiguous(name[:30], len(found))
    return found[0]


def _binding_of(session: Session, employee_id: int) -> Membership | None:
    """The active membership bound to the employee record, if any."""
    return session.exec(
        select(Membership).where(Membership.employee_id == employee_id, col(Membership.active))
    ).first()


def _invite(invite: InviteCode, company: Company, session: Session | None = None) -> Invite:
    assert company.id is not None
    names: tuple[str, ...] = ()
    employee_name = None
    if session is not None and invite.scope:
        wanted = set(invite.scope.get("departments", ()))
        names = tuple(d.name for d in departments(session, company.id) if d.id in wanted)
    if session is not None and invite.employee_id is not None:
        employee = session.get(Employee, invite.employee_id)
        employee_name = employee.name if employee is not None else None
    return Invite(
        invite.code, company.id, company.name, Role(invite.role), invite.expires_at,
        admin=bool(invite.admin), department_names=names, employee_id=invite.employee_id,
        employee_name=employee_name,
    )


def deep_link(bot_username: str, code: str) -> str:
    return f"https://t.me/{bot_username}?start={code}"


def redeem_invite(
    engine: Engine, code: str, *, user_id: int, chat_id: int, display_name: str, now: datetime
) -> Invite:
    """Bind the user to the invite's company, role and scope; each code works once. An
    employee code binds the user to that employee record, which no one else may hold."""
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
        if invite.employee_id is not None:
            employee = session.get(Employee, invite.employee_id)
            if employee is None or employee.status != EmployeeStatus.ACTIVE:
                raise InviteRefused(InviteProblem.GONE)
            holder = _binding_of(session, invite.employee_id)
            if holder is not None and holder.telegram_user_id != user_id:
                raise EmployeeAlreadyBound(employee.name)
        admin = bool(invite.admin) and invite.role == Role.HR
        if existing is not None and existing.active and existing.admin and not admin:
            ensure_another_admin(session, existing)
        membership = existing or Membership(
            company_id=invite.company_id, telegram_user_id=user_id
        )
        membership.role = invite.role
        membership.admin = admin
        membership.scope = invite.scope if invite.role == Role.MANAGER else None
        membership.employee_id = invite.employee_id if invite.role == Role.EMPLOYEE else None
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
        audit.record(
            session, invite.company_id, user_id, "member.joined", role=invite.role,
            admin=admin, employee_id=membership.employee_id,
        )
        return _invite(invite, company, session)


def ensure_another_admin(session: Session, membership: Membership) -> None:
    """LastHrAdmin unless the company keeps an active HR admin besides `membership`."""
    others = session.exec(
        select(Membership).where(
            Membership.company_id == membership.company_id,
            Membership.role == Role.HR,
            col(Membership.admin),
            col(Membership.active),
            Membership.id != membership.id,
        )
    ).first()
    if others is None:
        raise LastHrAdmin()


def get_company(engine: Engine, company_id: int) -> Company | None:
    with Session(engine) as session:
        return session.get(Company, company_id)


def list_companies(engine: Engine) -> list[Company]:
    with Session(engine) as session:
        return list(session.exec(select(Company).order_by(Company.id)))  # type: ignore[arg-type]
