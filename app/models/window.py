"""Yearly registration windows (年度注册窗口) per province and exam cohort."""

from __future__ import annotations

import datetime as dt

from flask_appbuilder import Model
from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .reference import Region


class RegistrationWindow(Model):
    """When a province accepts first registrations of one exam cohort."""

    __tablename__ = "registration_window"
    __table_args__ = (
        UniqueConstraint("province_code", "cohort_year", name="uq_window_province_cohort"),
        CheckConstraint("opens_on <= closes_on", name="window_period_valid"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    year: Mapped[int] = mapped_column(Integer, nullable=False, index=True)
    province_code: Mapped[str] = mapped_column(ForeignKey("region.code"), nullable=False)
    cohort_year: Mapped[int] = mapped_column(Integer, nullable=False)
    opens_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    closes_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    note: Mapped[str | None] = mapped_column(String(256))

    province: Mapped[Region] = relationship()

    def __repr__(self) -> str:
        return f"{self.province_code} {self.cohort_year}"
