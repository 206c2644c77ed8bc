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
# Built once (Core, no ORM synchronisation of a counter row): bump a prefix's counter by ``count``
# (1 for one number, N for a bulk approval: one row lock per prefix), return the new last serial.
_INCREMENT = (
    update(_SERIALS).where(_SERIALS.c.prefix == bindparam("counter"))
    .values(last=_SERIALS.c.last + bindparam("count", type_=Integer)).returning(_SERIALS.c.last)
)


def next_serial(session: Session, prefix: str, start_after=None, count: int = 1) -> int:
    """Reserve ``count`` serials of ``prefix`` and return the last (safe under concurrency: one UPDATE … RETURNING).

    The serials reserved are ``last - count + 1 … last``: the counter row stays locked until the
    transaction ends, so no other transaction can hand out any of them. The counter row is created
    on first use, starting after ``start_after`` (a scalar select of the highest serial already
    issued, or 0, or a callable returning one); a concurrent creator makes the insert do nothing.
    """
    bump = {"counter": prefix, "count": count}
    serial = session.execute(_INCREMENT, bump).scalar_one_or_none()
    if serial is not None:  # the usual case: one statement
        return serial
    start = start_after() if callable(start_after) else start_after
    first = select(literal(prefix), start if start is not None else literal(0))
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    session.execute(
        dialect.insert(CertificateSerial).from_select(["prefix", "last"], first).on_conflict_do_nothing()
    )
    return session.execute(_INCREMENT, bump).scalar_one()


def _issued(prefix: str):
    """Return a scalar select of the highest serial issued under ``prefix`` (0 when none)."""
    return (
        select(func.coalesce(func.max(cast(func.substr(PracticeRegistration.certificate_no, 10), Integer)), 0))
        .where(PracticeRegistration.certificate_no.like(prefix + "%"))
        .scalar_subquery()
    )


def next_practice_no(session: Session, level: str, category: str, location_code: str) -> str:
    """Allocate the next 15-digit practice certificate number, continuing after those issued."""
    prefix = practice_no_prefix(level, category, location_code)
    return compose_practice_no(prefix, next_serial(session, prefix, lambda: _issued(prefix)))


def next_practice_nos(session: Session, keys: list[tuple[str, str, str]]) -> list[str]:
    """Allocate one certificate number per (level, category, location): one UPDATE per prefix.

    Numbers of one prefix are handed out in the order of ``keys``, as N calls of
    ``next_practice_no`` would.
    """
    prefixes = [practice_no_prefix(*key) for key in keys]
    counts: dict[str, int] = {}
    for prefix in prefixes:
        counts[prefix] = counts.get(prefix, 0) + 1
    nexts = {}
    for prefix in sorted(counts):  # a fixed order: two bulk approvals cannot deadlock on counters
        last = next_serial(session, prefix, lambda p=prefix: _issued(p), counts[prefix])
        nexts[prefix] = last - counts[prefix] + 1
    numbers = []
    for prefix in prefixes:
        numbers.append(compose_practice_no(prefix, nexts[prefix]))
        nexts[prefix] += 1
    return numbers


def next_application_no(session: Session, today: dt.date) -> str:
    """Allocate the next application number: A + the date + a 7-digit serial of that day."""
    prefix = f"A{today:%Y%m%d}"
    return f"{prefix}{next_serial(session, prefix):07d}"
