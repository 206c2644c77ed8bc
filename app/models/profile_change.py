"""信息变更 requests: a physician's new education, school, title, department or photo, until confirmed."""

from __future__ import annotations

import datetime as dt

from flask_appbuilder import Model
from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.domain.enums import ProfileChangeStatus

from ._base import enum_check, enum_column, utcnow
from .institution import Institution
from .physician import Physician

_PENDING = f"status = '{ProfileChangeStatus.PENDING.value}'"


class ProfileChange(Model):
    """One 信息变更 request: the values asked for, the values they replace, and the institution's decision.

    ``institution_id`` is the physician's institution when the request was made (the one that
    confirms it); ``region_code`` copies its county so reviewers filter on one indexed column.
    """

    __tablename__ = "profile_change"
    __table_args__ = (
        enum_check(ProfileChangeStatus, "status"),
        # At most one pending request per physician (the command checks first; this is the last line).
        Index("uq_profile_change_pending", "physician_id", unique=True,
              sqlite_where=text(_PENDING), postgresql_where=text(_PENDING)),
        Index("ix_profile_change_institution", "institution_id", "status", "id"),
        Index("ix_profile_change_physician", "physician_id", "id"),
        Index("ix_profile_change_region", "region_code", "status", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    physician_id: Mapped[int] = mapped_column(ForeignKey("physician.id"), nullable=False)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institution.id"), nullable=False)
    region_code: Mapped[str] = mapped_column(ForeignKey("region.code"), nullable=False)
    requested: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    previous: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    status: Mapped[str] = enum_column(ProfileChangeStatus, nullable=False, default=ProfileChangeStatus.PENDING)
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, nullable=False)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    physician: Mapped[Physician] = relationship()
    institution: Mapped[Institution] = relationship()
    decider = relationship("RegistryUser", foreign_keys=[decided_by])

    __mapper_args__ = {"version_id_col": version}

    @property
    def fields(self) -> list[str]:
        """Return the names of the changed fields, in form order."""
        return [name for name in FIELDS if name in (self.requested or {})]

    def __repr__(self) -> str:
        return f"ProfileChange {self.id}"


# The fields a request may change, in the order forms and tables show them.
FIELDS = ("education", "school", "title", "department_id", "photo")
