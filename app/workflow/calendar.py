"""Read the commission's working-day calendar and allocate certificate numbers (no commits here)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Integer, cast, func, literal, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from app.domain.certificates import compose_practice_no, practice_no_prefix
from app.domain.workdays import WorkdayCalendar
from app.models import CertificateSerial, PracticeRegistration, WorkdayEntry, WorkdayYear


def load_calendar(session: Session, first: dt.date, last: dt.date) -> WorkdayCalendar:
    """Return the working-day calendar with the commission's entries between ``first`` and ``last``."""
    days = dict(
        session.execute(
            select(WorkdayEntry.day, WorkdayEntry.is_working).where(WorkdayEntry.day.between(first, last))
        ).all()
    )
    years = session.scalars(select(WorkdayYear.year).where(WorkdayYear.year.between(first.year, last.year)))
    return WorkdayCalendar.of(days, years)


def next_practice_no(session: Session, level: str, category: str, location_code: str) -> str:
    """Allocate the next 15-digit practice certificate number for a location (safe under concurrency).

    The counter row is created on first use, starting after the highest number already issued with
    the prefix; incrementing it with one UPDATE ... RETURNING serialises concurrent approvals.
    """
    prefix = practice_no_prefix(level, category, location_code)
    issued = (
        select(
            literal(prefix),
            func.coalesce(func.max(cast(func.substr(PracticeRegistration.certificate_no, 10), Integer)), 0),
        )
        .where(PracticeRegistration.certificate_no.like(prefix + "%"))
    )
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    session.execute(
        dialect.insert(CertificateSerial).from_select(["prefix", "last"], issued).on_conflict_do_nothing()
    )
    serial = session.execute(
        update(CertificateSerial)
        .where(CertificateSerial.prefix == prefix)
        .values(last=CertificateSerial.last + 1)
        .returning(CertificateSerial.last)
    ).scalar_one()
    return compose_practice_no(prefix, serial)

