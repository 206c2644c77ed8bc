"""Maintained summary counts of the cohort funnel (app/summaries/ keeps them; never written elsewhere)."""

from __future__ import annotations

from flask_appbuilder import Model
from sqlalchemy import Index, Integer, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column


class SummaryMember(Model):
    """What one physician contributes to the funnel of one cohort (the last counted state).

    One row per physician and cohort they hold a qualification of; ``region_code`` is '' and
    ``institution_id`` 0 when the physician has none (keys of the count table are never NULL).
    """

    __tablename__ = "summary_member"
    __table_args__ = (Index("ix_summary_member_group", "cohort_year", "institution_id"),)

    physician_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    cohort_year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    region_code: Mapped[str] = mapped_column(String(6), nullable=False)
    institution_id: Mapped[int] = mapped_column(Integer, nullable=False)
    stage: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    not_activated: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    no_application: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    returned: Mapped[int] = mapped_column(SmallInteger, nullable=False)


class SummaryFunnel(Model):
    """How many physicians of a cohort, county and institution stand at each furthest stage (1–6)."""

    __tablename__ = "summary_funnel"

    cohort_year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    region_code: Mapped[str] = mapped_column(String(6), primary_key=True)
    institution_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    stage: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    physicians: Mapped[int] = mapped_column(Integer, nullable=False)
    not_activated: Mapped[int] = mapped_column(Integer, nullable=False)
    no_application: Mapped[int] = mapped_column(Integer, nullable=False)
    returned: Mapped[int] = mapped_column(Integer, nullable=False)


class SummaryQualified(Model):
    """How many qualifications of an exam year a province imported."""

    __tablename__ = "summary_qualified"

    exam_year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    province_code: Mapped[str] = mapped_column(String(6), primary_key=True)
    qualifications: Mapped[int] = mapped_column(Integer, nullable=False)
