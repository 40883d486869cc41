"""Storage for PTB persistence: conversations and user/chat data survive restarts."""

from __future__ import annotations

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel


class PtbState(SQLModel, table=True):
    __tablename__ = "ptb_state"

    #: "conversation:<name>", "user_data", "chat_data", "bot_data" or "callback_data".
    kind: str = Field(primary_key=True, max_length=80)
    #: JSON-encoded key (conversation key tuple or user/chat id); "" for singletons.
    key: str = Field(primary_key=True, max_length=200)
    data: object = Field(default=None, sa_column=Column(JSON, nullable=True))
