"""When each scheduler process last ran its periodic jobs: what `hrbot status` reports."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from models.types import UTCDateTime


class SchedulerHeartbeat(SQLModel, table=True):
    __tablename__ = "scheduler_heartbeat"

    #: host and process id, e.g. "web-1:4711"; one row per scheduler process.
    worker: str = Field(primary_key=True, max_length=120)
    #: "run" (updates and scheduler in one process) or "worker" (`hrbot worker`).
    mode: str = Field(max_length=12)
    started_at: datetime = Field(sa_type=UTCDateTime)
    ticked_at: datetime = Field(sa_type=UTCDateTime)
