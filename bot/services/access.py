"""The one place permissions are decided: who is this user, in which company, with which role."""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from sqlalchemy import Connection, Engine, Select, bindparam
from sqlmodel import Session, col, select

from bot.services.errors import AccessDenied, NotHrAdmin, NotInCompany
from models import audit
from models.backpay_case import BackpayCase
from models.company import (
    Company,
    Membership,
    Role,
    active_membership,
    current_first,
    make_current,
)
from models.complaint import Complaint
from models.db import reading, unit_of_work
from models.employee import Employee
from models.ledger import LedgerMonth
from models.reminder import Reminder
from models.task import Task


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
    #: An HR admin (role hr with Membership.admin): may invite HR and change HR roles.
    admin: bool = False
    #: The employee record an employee-role member is bound to.
    employee_id: int | None = None

    @property
    def department_ids(self) -> tuple[int, ...]:
        """The departments a manager is scoped to (none for other roles)."""
        if self.role != Role.MANAGER or not self.scope:
            return ()
        return tuple(int(d) for d in self.scope.get("departments", ()))


def _members_statement(by_company: bool, limited: bool) -> Select[Any]:
    """The memberships query as a Core statement with bound parameters, built once per shape:
    every update runs it, and building (and cache-keying) an ORM select each time cost more
    than the query itself."""
    statement = (
        select(
            Membership.telegram_user_id,
            Company.id,
            Company.name,
            Company.city,
            Company.timezone,
            Membership.role,
            Membership.scope,
            Membership.admin,
            Membership.employee_id,
        )
        .join(Company, col(Company.id) == col(Membership.company_id))
        .where(
            col(Membership.telegram_user_id) == bindparam("user_id"), col(Membership.active)
        )
        .order_by(*current_first())
    )
    if by_company:
        statement = statement.where(col(Membership.company_id) == bindparam("company_id"))
    if limited:
        statement = statement.limit(1)
    return statement


#: (filtered by company, first only) -> the statement; four shapes, built at import.
_MEMBERS = {
    (by_company, limited): _members_statement(by_company, limited)
    for by_company in (False, True)
    for limited in (False, True)
}


def _members_on(
    connection: Connection, user_id: int, company_id: int | None = None, *,
    first_only: bool = False,
) -> list[Member]:
    """The user's active memberships with their companies in one query, the current first
    (only that one with `first_only`)."""
    statement = _MEMBERS[(company_id is not None, first_only)]
    params: dict[str, Any] = {"user_id": user_id}
    if company_id is not None:
        params["company_id"] = company_id
    return [_row_member(*row) for row in connection.execute(statement, params)]


def _row_member(
    user_id: int, company_id: int, company_name: str, city: str, timezone: str, role: str,
    scope: dict | None, admin: bool | None, employee_id: int | None,
) -> Member:
    return Member(
        user_id=user_id,
        company_id=company_id,
        company_name=company_name,
        city=city,
        timezone=timezone,
        role=Role(role),
        scope=scope,
        admin=bool(admin) and role == Role.HR,
        employee_id=employee_id,
    )


def member_in_session(
    session: Session, user_id: int, company_id: int | None = None
) -> Member | None:
    """The user's membership in `company_id`, or in their current company when None; one
    query (every update asks)."""
    session.flush()  # what an ORM query's autoflush would have sent first
    found = _members_on(session.connection(), user_id, company_id, first_only=True)
    return found[0] if found else None


def _as_member(membership: Membership, company: Company) -> Member:
    user_id = membership.telegram_user_id
    assert company.id is not None
    return Member(
        user_id=user_id,
        company_id=company.id,
        company_name=company.name,
        city=company.city,
        timezone=company.timezone,
        role=Role(membership.role),
        scope=membership.scope,
        admin=bool(membership.admin) and membership.role == Role.HR,
        employee_id=membership.employee_id,
    )


def member_of(engine: Engine, user_id: int, company_id: int | None = None) -> Member | None:
    with reading(engine) as connection:
        found = _members_on(connection, user_id, company_id, first_only=True)
    return found[0] if found else None


def memberships_of(engine: Engine, user_id: int) -> list[Member]:
    """Every company the user is an active member of, the current one first (read on every
    update, by handlers/common.name_the_company: a Core query on a pooled connection, no ORM
    session)."""
    with reading(engine) as connection:
        return _members_on(connection, user_id)


def bound_standings(session: Session) -> Generator[tuple[int, int, Standing], None, None]:
    """(user id, private chat id, standing in their current company) of every user with an
    active membership, once each, ordered by user id and streamed: a 100,000-employee
    deployment binds tens of thousands of people, whose start-up menu check (handlers/menu.py)
    should hold one row at a time, not all of them."""
    statement = (
        select(Membership.telegram_user_id, Membership.chat_id, Membership.role,
               Membership.admin)
        .where(col(Membership.active))
        .order_by(col(Membership.telegram_user_id), *current_first())
        .execution_options(yield_per=1000)
    )
    last_user: int | None = None
    rows = session.exec(statement)
    try:  # closed even when the caller stops early (a PostgreSQL server-side cursor)
        for user_id, chat_id, role, admin in rows:
            if user_id == last_user:
                continue  # not their current company
            last_user = user_id
            if role == Role.HR:
                standing = Standing.HR_ADMIN if admin else Standing.HR
            else:
                standing = Standing(role)
            yield user_id, chat_id if chat_id and chat_id > 0 else user_id, standing
    finally:
        rows.close()


def switch_company(engine: Engine, user_id: int, company_id: int, *, now: datetime) -> Member:
    """Make `company_id` the user's current company (persisted: it survives restarts and is
    the same on every device); NotInCompany if they are not an active member of it."""
    with unit_of_work(engine) as session:
        membership = active_membership(session, user_id, company_id)
        if membership is None:
            raise NotInCompany(company_id)
        make_current(session, membership, now)
        company = session.get(Company, company_id)
        assert company is not None
        member = _as_member(membership, company)
        audit.record(session, company_id, user_id, "member.switched_company")
        return member


__all__ = ["AccessDenied", "Member", "NotHrAdmin", "NotInCompany"]


class _OwnedRow(Protocol):
    company_id: int


#: The rows a button can point at, by the name handlers use for them.
OWNED_ROWS: dict[str, type] = {
    "reminder": Reminder,
    "task": Task,
    "ledger": LedgerMonth,
    "case": BackpayCase,
    "employee": Employee,
    "complaint": Complaint,
    "membership": Membership,
}


def company_for_row(engine: Engine, user_id: int, kind: str, row_id: int) -> int | None:
    """The company a button's row belongs to, if the user is an active member there.

    Buttons act on the company they came from, not on the user's current one; a row of a
    company the user does not belong to (or no row) gives None, and the caller then resolves
    the current company, whose services find no such row — nothing about it is revealed.
    """
    with Session(engine) as session:
        row: _OwnedRow | None = session.get(OWNED_ROWS[kind], row_id)
        if row is None:
            return None
        if active_membership(session, user_id, row.company_id) is None:
            return None
        return row.company_id


def require_member(
    engine: Engine, user_id: int, *roles: Role, company_id: int | None = None
) -> Member:
    """Resolve the user (in `company_id`, else their current company) and check the role, or
    raise AccessDenied naming the roles allowed."""
    return choose_member(
        [m for m in [member_of(engine, user_id, company_id)] if m is not None], *roles
    )


def choose_member(
    members: list[Member], *roles: Role, company_id: int | None = None
) -> Member:
    """From a user's memberships (current first, as `memberships_of` lists them) the one in
    `company_id` (else the current one), with its role checked; AccessDenied otherwise."""
    member = next(
        (m for m in members if company_id is None or m.company_id == company_id), None
    )
    if member is None:
        raise AccessDenied()
    if roles and member.role not in roles:
        raise AccessDenied(roles)
    return member


# ---------------------------------------------------------------- who may use which command


class Standing(StrEnum):
    """What a person is to the company they act in: the four roles of docs/roles.md."""

    HR_ADMIN = "hr_admin"
    HR = "hr"
    MANAGER = "manager"
    EMPLOYEE = "employee"


EVERYONE: frozenset[Standing | None] = frozenset({None, *Standing})
MEMBERS: frozenset[Standing | None] = frozenset(Standing)
ANY_HR: frozenset[Standing | None] = frozenset({Standing.HR_ADMIN, Standing.HR})
HR_ADMINS: frozenset[Standing | None] = frozenset({Standing.HR_ADMIN})

#: Who may use each command, None standing for a stranger (no membership). /help, the
#: per-chat command menus and tests/e2e/test_access_walk.py read this one table; a command
#: registered without a row here fails that test. Handlers enforce it with Role checks
#: (`current_member(update, context, Role.HR)`) and, for HR-admin-only acts, `is_hr_admin`.
COMMAND_ACCESS: dict[str, frozenset[Standing | None]] = {
    "start": EVERYONE,
    "help": EVERYONE,
    "hire": ANY_HR,
    "todo": ANY_HR,
    "employees": ANY_HR,
    "employee": ANY_HR,
    "ledger": ANY_HR,
    "leave": ANY_HR,
    "base": ANY_HR,
    "base_all": ANY_HR,
    "export": ANY_HR,
    "backpay": ANY_HR,
    "cases": ANY_HR,
    "team": frozenset({Standing.HR_ADMIN, Standing.HR, Standing.MANAGER}),
    "invite": ANY_HR,
    "members": ANY_HR,
    "policy": EVERYONE,
    "policy_version": EVERYONE,
    "settings": ANY_HR,
    "bindgroup": ANY_HR,
    "robot": ANY_HR,
    "complaints": ANY_HR,
    "me": frozenset({Standing.EMPLOYEE}),
    "impact": frozenset({Standing.EMPLOYEE}),
    "complaint": frozenset({Standing.EMPLOYEE}),
    "audit": HR_ADMINS,
    "trend": HR_ADMINS,
    "kpi": HR_ADMINS,
    "kpi_settings": HR_ADMINS,
    "summary": frozenset({Standing.HR_ADMIN, Standing.HR, Standing.MANAGER}),
    "company": MEMBERS,
    "cancel": MEMBERS,
}


def standing_of(member: Member | None) -> Standing | None:
    """The member's standing; None for a stranger."""
    if member is None:
        return None
    if member.role == Role.HR:
        return Standing.HR_ADMIN if member.admin else Standing.HR
    return Standing(member.role)


def may_use(member: Member | None, command: str) -> bool:
    """Whether `member` (None: a stranger) may use `/command`; unknown commands: no one."""
    return may_use_standing(standing_of(member), command)


def may_use_standing(standing: Standing | None, command: str) -> bool:
    """Whether someone of `standing` (None: a stranger) may use `/command`."""
    return standing in COMMAND_ACCESS.get(command, frozenset())


def commands_for(member: Member | None) -> list[str]:
    """The commands `member` may use, in the table's order (their /help and menu)."""
    return [command for command in COMMAND_ACCESS if may_use(member, command)]


def is_hr_admin(member: Member | None) -> bool:
    """An HR admin of the member's company: may invite HR, change HR roles, read /audit."""
    return member is not None and member.role == Role.HR and member.admin


def require_hr_admin(member: Member) -> Member:
    """`member` if they are an HR admin, else NotHrAdmin (their company's admins can help)."""
    if not is_hr_admin(member):
        raise NotHrAdmin()
    return member


def may_see_department(member: Member, department_id: int | None) -> bool:
    """HR see every department; a manager only their own (an employee none)."""
    if member.role == Role.HR:
        return True
    return member.role == Role.MANAGER and department_id in member.department_ids
