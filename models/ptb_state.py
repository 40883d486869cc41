"""Storage for PTB persistence: conversations and user/chat data survive restarts."""

from __future__ import annotations

from sqlalchemy import Column
from sqlmodel import Field, SQLModel

from models.sealed import SealedJSON


class PtbState(SQLModel, table=True):
    __tablename__ = "ptb_state"

    #: "conversation:<name>", "user_data", "chat_data", "bot_data" or "callback_data".
    kind: str = Field(primary_key=True, max_length=80)
    #: JSON-encoded key (conversation key tuple or user/chat id); "" for singletons.
    key: str = Field(primary_key=True, max_length=200)
    #: Sealed (models/sealed.py): a /hire draft holds the typed 身份证 until 确认.
    data: object = Field(
        default=None, sa_column=Column(SealedJSON("ptb_state.data"), nullable=True)
    )
