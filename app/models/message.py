"""The notification outbox: every SMS and e-mail the system sends is a row here first."""

from __future__ import annotations

import datetime as dt

from flask_appbuilder import Model
from sqlalchemy import DateTime, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.domain.enums import Channel, MessageStatus

from ._base import enum_check, enum_column, utcnow


class Message(Model):
    """An outgoing SMS or e-mail, delivered by the dispatcher with retries."""

    __tablename__ = "message"
    __table_args__ = (
        enum_check(Channel, "channel"),
        enum_check(MessageStatus, "status"),
        Index("ix_message_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = enum_column(Channel, nullable=False)
    recipient: Mapped[str] = mapped_column(String(254), nullable=False)
    template: Mapped[str] = mapped_column(String(64), nullable=False)
    subject: Mapped[str | None] = mapped_column(String(128))
    body: Mapped[str] = mapped_column(Text, nullable=False)
    status: Mapped[str] = enum_column(MessageStatus, nullable=False, default=MessageStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, nullable=False)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, nullable=False)
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    # A dispatcher claims a row by setting this lease; an expired lease means the worker died.
    locked_until: Mapped[dt.datetime | None] = mapped_column(DateTime)
