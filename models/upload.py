"""A spreadsheet HR sent and the bot has read, waiting for the header choices and 确认导入.

The file is read once, on arrival; the rows are kept here (not in memory, not in the chat's
user data) so a mapping button, 确认导入 or a restart never downloads and parses it again.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger
from sqlmodel import Field, Session, SQLModel, col, delete, select

from models.sealed import SealedText
from models.types import UTCDateTime, utcnow


class PendingUpload(SQLModel, table=True):
    """One user's read upload in one company; a newer upload replaces it."""

    __tablename__ = "pending_upload"

    id: int | None = Field(default=None, primary_key=True)
    company_id: int = Field(foreign_key="company.id", index=True)
    user_id: int = Field(sa_type=BigInteger, index=True)
    filename: str = Field(max_length=255)
    content_hash: str = Field(max_length=64)
    #: The read table as JSON (headers, rows, row numbers), see bot.importing.table_to_json;
    #: sealed (models/sealed.py): its rows hold 身份证 numbers.
    table_json: str = Field(sa_type=SealedText("pending_upload.table_json"))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


def replace_pending_upload(session: Session, upload: PendingUpload) -> PendingUpload:
    """Store `upload` as the user's only pending one in its company (flushes for the id)."""
    session.exec(
        delete(PendingUpload).where(
            col(PendingUpload.company_id) == upload.company_id,
            col(PendingUpload.user_id) == upload.user_id,
        )
    )
    session.add(upload)
    session.flush()
    return upload


def pending_upload(
    session: Session, company_id: int, user_id: int, upload_id: int, *, since: datetime
) -> PendingUpload | None:
    """The user's upload `upload_id` in the company, if it was read after `since`."""
    statement = select(PendingUpload).where(
        PendingUpload.id == upload_id,
        PendingUpload.company_id == company_id,
        PendingUpload.user_id == user_id,
        col(PendingUpload.created_at) >= since,
    )
    return session.exec(statement).first()


def drop_pending_upload(session: Session, company_id: int, user_id: int) -> None:
    session.exec(
        delete(PendingUpload).where(
            col(PendingUpload.company_id) == company_id,
            col(PendingUpload.user_id) == user_id,
        )
    )
