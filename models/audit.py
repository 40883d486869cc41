"""Who did what and when: kept for KPIs and disputes. Never holds 身份证 or wages.

Writes record what changed; views of personal data (the employee card, the /employees list,
/export, a case's documents with the full 身份证) record `PERSONAL_VIEWED` with `what` and the
`employee_ids` shown (bot/services/audit.py), so HR can answer "who looked at 陈明远's data".
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import JSON, BigInteger, Column
from sqlmodel import Field, Session, SQLModel, col, func, select

from models.types import UTCDateTime, utcnow

#: The action of a view of personal data; its detail: `what` and `employee_ids`.
PERSONAL_VIEWED = "personal.viewed"


class AuditLog(SQLModel, table=True):
    __tablename__ = "audit_log"

    id: int | None = Field(default=None, primary_key=True)
    company_id: int = Field(foreign_key="company.id", index=True)
    actor_user_id: int | None = Field(default=None, sa_type=BigInteger)
    action: str = Field(max_length=50, index=True)
    detail: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)


def record(
    session: Session, company_id: int, actor_user_id: int | None, action: str, **detail: object
) -> AuditLog:
    entry = AuditLog(
        company_id=company_id, actor_user_id=actor_user_id, action=action, detail=dict(detail)
    )
    session.add(entry)
    return entry


def entry_with_key(
    session: Session,
    company_id: int,
    *,
    actions: Sequence[str],
    actor_user_id: int,
    key_name: str,
    key: str,
) -> AuditLog | None:
    """The entry of `actions` by that user whose detail carries `key_name` = `key` (an
    idempotency key: a random value naming one attempt, so at most one entry matches)."""
    return session.exec(
        select(AuditLog).where(
            AuditLog.company_id == company_id,
            AuditLog.actor_user_id == actor_user_id,
            col(AuditLog.action).in_(actions),
            col(AuditLog.detail)[key_name].as_string() == key,
        )
    ).first()


def company_entries(
    session: Session,
    company_id: int,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> list[AuditLog]:
    """The company's entries in [since, until), newest first."""
    statement = select(AuditLog).where(AuditLog.company_id == company_id)
    if since is not None:
        statement = statement.where(col(AuditLog.at) >= since)
    if until is not None:
        statement = statement.where(col(AuditLog.at) < until)
    statement = statement.order_by(col(AuditLog.at).desc(), col(AuditLog.id).desc())
    if limit is not None:
        statement = statement.limit(limit)
    return list(session.exec(statement.offset(offset)))


def count_company_entries(
    session: Session, company_id: int, *, since: datetime | None = None,
    until: datetime | None = None,
) -> int:
    statement = select(func.count()).select_from(AuditLog).where(
        AuditLog.company_id == company_id)
    if since is not None:
        statement = statement.where(col(AuditLog.at) >= since)
    if until is not None:
        statement = statement.where(col(AuditLog.at) < until)
    return session.exec(statement).one()
