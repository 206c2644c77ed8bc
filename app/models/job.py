"""The job table: background work (imports, large exports, reminders) claimed by workers with the outbox's lease."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask_appbuilder import Model
from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.domain.enums import JobStatus

from ._base import enum_check, enum_column, utcnow


class Job(Model):
    """One unit of background work: a registered ``kind`` run with JSON ``params`` until done or failed."""

    __tablename__ = "job"
    __table_args__ = (
        enum_check(JobStatus, "status"),
        Index("ix_job_due", "status", "next_attempt_at"),
        Index("ix_job_region", "region_code", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), nullable=False)
    # At most one job per key (e.g. "import:<upload>"): enqueuing the same work twice finds the first job.
    key: Mapped[str | None] = mapped_column(String(120), unique=True)
    params: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)
    status: Mapped[str] = enum_column(JobStatus, nullable=False, default=JobStatus.PENDING)
    progress_done: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    progress_total: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    # The handler's checkpoint, written in the same transaction as the work it describes.
    state: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=5)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    locked_until: Mapped[dt.datetime | None] = mapped_column(DateTime)
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    error: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    # The jurisdiction the job's files belong to (000000 national); None: an operator's job.
    region_code: Mapped[str | None] = mapped_column(String(6))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    def __repr__(self) -> str:
        return f"{self.kind}#{self.id}"
