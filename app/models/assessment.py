"""Periodic assessments (定期考核) and training assessments for the 2-year rule."""

from __future__ import annotations

import datetime as dt

from flask_appbuilder import Model
from sqlalchemy import CheckConstraint, Date, DateTime, ForeignKey, Index, Integer, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.domain.enums import AssessmentKind, AssessmentResult

from ._base import enum_check, enum_column, utcnow
from .institution import Institution
from .physician import Physician


class Assessment(Model):
    """One assessment result of one physician for one cycle."""

    __tablename__ = "assessment"
    __table_args__ = (
        enum_check(AssessmentKind, "kind"),
        enum_check(AssessmentResult, "result"),
        CheckConstraint("cycle_start <= cycle_end", name="assessment_cycle_valid"),
        CheckConstraint(
            "result <> 'failed' OR suspended_until IS NOT NULL", name="failed_has_suspension"
        ),
        Index("ix_assessment_physician", "physician_id", "cycle_end"),
        Index("ix_assessment_institution", "institution_id", "id"),
        Index("ix_assessment_region", "region_code", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    physician_id: Mapped[int] = mapped_column(ForeignKey("physician.id"), nullable=False)
    kind: Mapped[str] = enum_column(AssessmentKind, nullable=False, default=AssessmentKind.PERIODIC)
    cycle_start: Mapped[dt.date] = mapped_column(Date, nullable=False)
    cycle_end: Mapped[dt.date] = mapped_column(Date, nullable=False)
    result: Mapped[str] = enum_column(AssessmentResult, nullable=False)
    assessed_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institution.id"), nullable=False)
    region_code: Mapped[str] = mapped_column(ForeignKey("region.code"), nullable=False)
    suspended_until: Mapped[dt.date | None] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, nullable=False)

    physician: Mapped[Physician] = relationship()
    institution: Mapped[Institution] = relationship()

    def __repr__(self) -> str:
        return f"{self.physician_id} {self.cycle_start}–{self.cycle_end}: {self.result}"
