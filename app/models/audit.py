"""The security audit log: sign-ups, verifications, activations, codes, logins, password changes."""

from __future__ import annotations

import datetime as dt

from flask_appbuilder import Model
from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ._base import utcnow


class SecurityEvent(Model):
    """One security-relevant event; append-only."""

    __tablename__ = "security_event"
    __table_args__ = (
        Index("ix_security_event_time", "created_at"),
        Index("ix_security_event_physician", "physician_id", "created_at"),
        Index("ix_security_event_user", "user_id", "created_at"),
        Index("ix_security_event_kind", "event", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event: Mapped[str] = mapped_column(String(40), nullable=False)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    physician_id: Mapped[int | None] = mapped_column(ForeignKey("physician.id"))
    institution_id: Mapped[int | None] = mapped_column(ForeignKey("institution.id"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    region_code: Mapped[str | None] = mapped_column(String(6))
    ip: Mapped[str | None] = mapped_column(String(45))
    detail: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, nullable=False)

    physician = relationship("Physician", foreign_keys=[physician_id])
    user = relationship("RegistryUser", foreign_keys=[user_id])
    actor = relationship("RegistryUser", foreign_keys=[actor_id])

    def __repr__(self) -> str:
        return f"{self.event} {self.created_at:%Y-%m-%d %H:%M}"
