"""The record of every reminder sent: one row per kind, recipient and occasion, never two."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from flask_appbuilder import Model
from sqlalchemy import DateTime, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ._base import enum_check, enum_column, utcnow


class ReminderKind(StrEnum):
    WINDOW_CLOSING = "window_closing"  # 注册窗口即将截止 (to a physician)
    CONFIRMATION_WAITING = "confirmation_waiting"  # 申请待机构确认超时 (to an institution)
    REVIEW_DIGEST = "review_digest"  # 审核员每日到期汇总 (to a reviewer)
    INSTITUTION_REQUEST = "institution_request"  # 机构一键提醒 (to a physician waiting at a stage)


class RecipientType(StrEnum):
    PHYSICIAN = "physician"
    INSTITUTION = "institution"
    USER = "user"


class Reminder(Model):
    """A reminder written to the outbox; the unique key makes a second one impossible.

    ``key`` names the occasion: the window and the threshold (``w12-7``) for a closing window,
    the Beijing date for the daily ones, the date and the stage (``2026-11-30:returned``) for an
    institution's one-click reminder. ``messages`` counts the outbox rows written with it.
    """

    __tablename__ = "reminder"
    __table_args__ = (
        enum_check(ReminderKind, "kind"),
        enum_check(RecipientType, "recipient_type"),
        UniqueConstraint("kind", "recipient_type", "recipient_id", "key", name="uq_reminder_once"),
        Index("ix_reminder_created", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = enum_column(ReminderKind, nullable=False)
    recipient_type: Mapped[str] = enum_column(RecipientType, nullable=False)
    recipient_id: Mapped[int] = mapped_column(Integer, nullable=False)
    key: Mapped[str] = mapped_column(String(32), nullable=False)
    detail: Mapped[str | None] = mapped_column(String(64))
    messages: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, nullable=False)

    def __repr__(self) -> str:
        return f"{self.kind} {self.recipient_type}:{self.recipient_id} {self.key}"
