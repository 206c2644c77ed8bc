"""Read the commission's working-day calendar and allocate certificate numbers (no commits here)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Integer, bindparam, cast, func, literal, select, update
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


_SERIALS = CertificateSerial.__table__
# Built once (Core, no ORM synchronisation of a counter row): bump a prefix's counter, return it.
_INCREMENT = (
    update(_SERIALS).where(_SERIALS.c.prefix == bindparam("counter"))
    .values(last=_SERIALS.c.last + 1).returning(_SERIALS.c.last)
)


def next_serial(session: Session, prefix: str, start_after=None) -> int:
    """Return the next serial of ``prefix`` (safe under concurrency: one UPDATE … RETURNING).

    The counter row is created on first use, starting after ``start_after`` (a scalar select of the
    highest serial already issued, or 0, or a callable returning one); a concurrent creator makes
    the insert do nothing.
    """
    serial = session.execute(_INCREMENT, {"counter": prefix}).scalar_one_or_none()
    if serial is not None:  # the usual case: one statement
        return serial
    start = start_after() if callable(start_after) else start_after
    first = select(literal(prefix), start if start is not None else literal(0))
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    session.execute(
        dialect.insert(CertificateSerial).from_select(["prefix", "last"], first).on_conflict_do_nothing()
    )
    return session.execute(_INCREMENT, {"counter": prefix}).scalar_one()


def next_practice_no(session: Session, level: str, category: str, location_code: str) -> str:
    """Allocate the next 15-digit practice certificate number, continuing after those issued."""
    prefix = practice_no_prefix(level, category, location_code)

    def issued():  # built only when the prefix has no counter yet
        return (
            select(func.coalesce(func.max(cast(func.substr(PracticeRegistration.certificate_no, 10), Integer)), 0))
            .where(PracticeRegistration.certificate_no.like(prefix + "%"))
            .scalar_subquery()
        )

    return compose_practice_no(prefix, next_serial(session, prefix, issued))


def next_application_no(session: Session, today: dt.date) -> str:
    """Allocate the next application number: A + the date + a 7-digit serial of that day."""
    prefix = f"A{today:%Y%m%d}"
    return f"{prefix}{next_serial(session, prefix):07d}"
