"""Maintained summary counts of the cohort funnel and the dashboard (app/summaries/ keeps them; nothing else writes)."""

from __future__ import annotations

import datetime as dt

from flask_appbuilder import Model
from sqlalchemy import Date, Index, Integer, SmallInteger, String
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


class SummaryApplicationKey(Model):
    """One thing a submitted application is counted by on the dashboard (its last counted state).

    ``dim`` is status, type, category, scope (one row per practice scope asked), institution, or a
    stage (confirm, accept, decide) whose ``key`` is its working days ('?' while a calendar year is
    not entered); ``day`` is the Beijing day of submission, ``region_code`` the application's.
    """

    __tablename__ = "summary_application_key"

    application_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    dim: Mapped[str] = mapped_column(String(16), primary_key=True)
    key: Mapped[str] = mapped_column(String(32), primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date, nullable=False)
    region_code: Mapped[str] = mapped_column(String(6), nullable=False)


class SummarySubmitted(Model):
    """Applications submitted per day or month ('d' / 'm', ``bucket`` its first day), region level and key.

    ``level`` 0 is the whole country (``region_code`` ''), 2 / 4 / 6 a province / city / county
    (code padded to six digits); institutions are counted at level 6 only.
    """

    __tablename__ = "summary_submitted"

    level: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    grain: Mapped[str] = mapped_column(String(1), primary_key=True)
    bucket: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    region_code: Mapped[str] = mapped_column(String(6), primary_key=True)
    dim: Mapped[str] = mapped_column(String(16), primary_key=True)
    key: Mapped[str] = mapped_column(String(32), primary_key=True)
    n: Mapped[int] = mapped_column(Integer, nullable=False)
