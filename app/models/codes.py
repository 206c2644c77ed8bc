"""One-time codes: activation codes issued by institutions and verification codes."""

from __future__ import annotations

import datetime as dt

from flask_appbuilder import Model
from sqlalchemy import DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.domain.enums import Channel, CodePurpose

from ._base import enum_check, enum_column, utcnow
from .institution import Institution
from .physician import Physician


class ActivationCode(Model):
    """激活码 issued by an institution to a physician's verified phone or e-mail (hash only)."""

    __tablename__ = "activation_code"
    __table_args__ = (
        enum_check(Channel, "channel"),
        Index("ix_activation_physician", "physician_id", "used_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    physician_id: Mapped[int] = mapped_column(ForeignKey("physician.id"), nullable=False)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institution.id"), nullable=False)
    channel: Mapped[str] = enum_column(Channel, nullable=False)
    target: Mapped[str] = mapped_column(String(254), nullable=False)
    code_hash: Mapped[str] = mapped_column(String(128), nullable=False)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    issued_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, nullable=False)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False)
    attempts: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    used_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    physician: Mapped[Physician] = relationship()
    institution: Mapped[Institution] = relationship()


class VerificationCode(Model):
    """A 6-digit code sent to a phone or e-mail to prove the person holds it (hash only)."""

    __tablename__ = "verification_code"
    __table_args__ = (
        enum_check(Channel, "channel"),
        enum_check(CodePurpose, "purpose"),
        Index("ix_verification_target", "target", "purpose", "issued_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = enum_column(Channel, nullable=False)
    target: Mapped[str] = mapped_column(String(254), nullable=False)
    purpose: Mapped[str] = enum_column(CodePurpose, nullable=False)
    code_hash: Mapped[str] = mapped_column(String(128), nullable=False)
    physician_id: Mapped[int | None] = mapped_column(ForeignKey("physician.id"))
    issued_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, nullable=False)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False)
    attempts: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    used_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
