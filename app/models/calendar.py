"""The commission's working-day calendar and the serial counters of certificate numbers."""

from __future__ import annotations

import datetime as dt

from flask_appbuilder import Model
from sqlalchemy import Boolean, Date, DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ._base import utcnow


class WorkdayEntry(Model):
    """One day that differs from a plain week: a statutory holiday or a make-up working day."""

    __tablename__ = "workday_entry"

    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    is_working: Mapped[bool] = mapped_column(Boolean, nullable=False)
    note: Mapped[str | None] = mapped_column(String(64))

    def __repr__(self) -> str:
        return f"{self.day:%Y-%m-%d}"


class WorkdayYear(Model):
    """A year whose holidays the commission has entered completely (from the State Council notice)."""

    __tablename__ = "workday_year"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    declared_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, nullable=False)
    source: Mapped[str | None] = mapped_column(String(128))

    def __repr__(self) -> str:
        return str(self.year)


class CertificateSerial(Model):
    """The last serial issued for one 9-digit practice certificate number prefix."""

    __tablename__ = "certificate_serial"

    prefix: Mapped[str] = mapped_column(String(9), primary_key=True)
    last: Mapped[int] = mapped_column(Integer, nullable=False, default=0)

    def __repr__(self) -> str:
        return f"{self.prefix}:{self.last}"
