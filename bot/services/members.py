"""/members: who is bound to the company, and changing an HR's admin flag or revoking anyone.

Revoking sets the membership inactive; every update resolves memberships afresh
(handlers.common.name_the_company), so the revoked user's next update is refused. The last
active HR admin can be neither revoked nor demoted (LastHrAdmin).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from bot.services.access import Member, require_hr_admin
from bot.services.errors import AccessDenied, MemberNotFound
from bot.services.onboarding import ensure_another_admin
from models import audit
from models.company import Membership, Role, company_members
from models.db import unit_of_work
from models.employee import Employee, departments


@dataclass(frozen=True)
class MemberRow:
    """One bound person as /members shows them (no 身份证, no wages)."""

    membership_id: int
    user_id: int
    chat_id: int | None
    display_name: str
    role: Role
    admin: bool
    active: bool
    department_names: tuple[str, ...] = ()
    employee_name: str | None = None
    is_self: bool = False


def _require_hr(actor: Member) -> None:
    if actor.role != Role.HR:
        raise AccessDenied((Role.HR,))


def _row(session: Session, membership: Membership, actor: Member) -> MemberRow:
    assert membership.id is not None
    names: tuple[str, ...] = ()
    if membership.role == Role.MANAGER and membership.scope:
        wanted = set(membership.scope.get("departments", ()))
        every = departments(session, membership.company_id)
        names = tuple(d.name for d in every if d.id in wanted)
    employee_name = None
    if membership.employee_id is not None:
        employee = session.get(Employee, membership.employee_id)
        employee_name = employee.name if employee is not None else None
    return MemberRow(
        membership_id=membership.id,
        user_id=membership.telegram_user_id,
        chat_id=membership.chat_id,
        display_name=membership.display_name,
        role=Role(membership.role),
        admin=bool(membership.admin) and membership.role == Role.HR,
        active=membership.active,
        department_names=names,
        employee_name=employee_name,
        is_self=membership.telegram_user_id == actor.user_id,
    )


def list_members(engine: Engine, actor: Member) -> list[MemberRow]:
    """The company's active members, HR admins first, then HR, managers, employees."""
    _require_hr(actor)
    order = {Role.HR: 1, Role.MANAGER: 2, Role.EMPLOYEE: 3}
    with Session(engine) as session:
        rows = [_row(session, m, actor) for m in company_members(session, actor.company_id)]
    return sorted(rows, key=lambda r: (0 if r.admin else order[r.role], r.membership_id))


def _target(session: Session, actor: Member, membership_id: int) -> Membership:
    """The active membership `membership_id` of the actor's company; MemberNotFound for a
    forged id, another company's row or one revoked meanwhile."""
    membership = session.exec(
        select(Membership).where(
            Membership.id == membership_id,
            Membership.company_id == actor.company_id,
            col(Membership.active),
        )
    ).first()
    if membership is None:
        raise MemberNotFound()
    return membership


def set_admin(
    engine: Engine, actor: Member, membership_id: int, admin: bool, *, now: datetime
) -> MemberRow:
    """Make an HR an HR admin or a plain HR again (HR admins only; never the last admin)."""
    _require_hr(actor)
    require_hr_admin(actor)
    with unit_of_work(engine) as session:
        membership = _target(session, actor, membership_id)
        if membership.role != Role.HR:
            raise MemberNotFound()
        if membership.admin and not admin:
            ensure_another_admin(session, membership)
        membership.admin = admin
        session.add(membership)
        audit.record(
            session, actor.company_id, actor.user_id, "member.admin_changed",
            membership_id=membership_id, admin=admin,
        )
        return _row(session, membership, actor)


def revoke(engine: Engine, actor: Member, membership_id: int, *, now: datetime) -> MemberRow:
    """Revoke a membership at once. Any HR may revoke managers and employees; revoking an HR
    takes an HR admin; the last HR admin stays (LastHrAdmin)."""
    _require_hr(actor)
    with unit_of_work(engine) as session:
        membership = _target(session, actor, membership_id)
        if membership.role == Role.HR:
            require_hr_admin(actor)
            if membership.admin:
                ensure_another_admin(session, membership)
        membership.active = False
        membership.admin = False
        membership.employee_id = None  # the record may be bound again
        session.add(membership)
        audit.record(
            session, actor.company_id, actor.user_id, "member.revoked",
            membership_id=membership_id, role=membership.role,
        )
        return _row(session, membership, actor)
