"""The dashboard's aggregates: each is one SQL statement over the maintained counts, inside the reviewer's scope.

The counts per day and month (app/summaries/applications.py, kept on every write) are summed for
the whole months of the range and its days around them; app/summaries/raw_dashboard.py counts the
same from the applications, for the check command and the tests.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Integer, String, and_, cast, false, func, literal, null, or_, select, union_all
from sqlalchemy.orm import joinedload

from app.counting import RowCount, count_rows
from app.extensions import db
from app.models import Application, Institution, PracticeScope, Region, SummarySubmitted
from app.models.application import overdue_by_status, overdue_clause, waiting_due
from app.reports.period import Period
from app.reports.selection import region_width
from app.security.roles import ADMIN, COMMISSION_REVIEWER
from app.security.scope import Scope, scoped

DIMENSIONS = ("status", "type", "category", "region")
SUMMARY = SummarySubmitted.__table__


@dataclass(frozen=True)
class Count:
    """One row of a count: the stored key, its display name (regions, scopes, institutions) and the number."""

    key: str
    name: str | None
    n: int


def _own_level(scope: Scope) -> int | None:
    """Return the region level of the reviewer's jurisdiction in summary_submitted (None: sees nothing)."""
    if scope.role == ADMIN:
        return 0
    if scope.role != COMMISSION_REVIEWER:
        return None
    bounds = scope.bounds
    if bounds is None:
        return 0
    return 2 if bounds[1].endswith("9999") else 4 if bounds[1].endswith("99") and bounds[0] != bounds[1] else 6


def _month_after(day: dt.date) -> dt.date:
    return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def in_buckets(period: Period):
    """Return the condition on summary_submitted rows covering the period: whole months, and the days around them."""
    first_month = period.first if period.first.day == 1 else _month_after(period.first)
    after_last = period.last + dt.timedelta(days=1)
    end_month = after_last if after_last.day == 1 else period.last.replace(day=1)  # first day after the whole months
    if first_month >= end_month:
        return and_(SUMMARY.c.grain == "d", SUMMARY.c.bucket.between(period.first, period.last))
    return or_(
        and_(SUMMARY.c.grain == "m", SUMMARY.c.bucket >= first_month, SUMMARY.c.bucket < end_month),
        and_(SUMMARY.c.grain == "d", or_(SUMMARY.c.bucket.between(period.first, first_month - dt.timedelta(days=1)),
                                         SUMMARY.c.bucket.between(end_month, period.last))),
    )


def summed(scope: Scope, period: Period, level: int | None = None, *columns):
    """Return a select of ``columns`` and the summed count over the scope's rows of the period at a region level."""
    own = _own_level(scope)
    statement = select(*columns, func.sum(SUMMARY.c.n).label("n")).where(in_buckets(period))
    if own is None:
        return statement.where(false())
    statement = statement.where(SUMMARY.c.level == (own if level is None else level))
    bounds = None if scope.role == ADMIN else scope.bounds
    return statement if bounds is None else statement.where(SUMMARY.c.region_code.between(*bounds))


def counts_by_dimension(scope: Scope, period: Period) -> dict[str, list[Count]]:
    """Count the applications submitted in the period by status, type, category and region (one statement)."""
    width = region_width(scope)
    region_key = func.substr(SUMMARY.c.region_code, 1, width)
    own = (summed(scope, period, None, SUMMARY.c.dim, SUMMARY.c.key, cast(null(), String).label("name"))
           .where(SUMMARY.c.dim.in_(("status", "type", "category")))
           .group_by(SUMMARY.c.dim, SUMMARY.c.key))
    regions = (summed(scope, period, width, literal("region").label("dim"), region_key.label("key"), Region.name)
               .outerjoin(Region, Region.code == SUMMARY.c.region_code)
               .where(SUMMARY.c.dim == "type")  # one row per application: its type
               .group_by(region_key, Region.name))
    result: dict[str, list[Count]] = {name: [] for name in DIMENSIONS}
    for dim, key, name, n in db.session.execute(union_all(own, regions)):
        if n:
            result[dim].append(Count(key or "", name, int(n)))
    for rows in result.values():
        rows.sort(key=lambda c: (-c.n, c.key))
    return result


def counts_by_scope(scope: Scope, period: Period) -> list[Count]:
    """Count the applications asking for each practice scope (an application counts once per scope asked)."""
    total = func.sum(SUMMARY.c.n)
    statement = (
        summed(scope, period, None, SUMMARY.c.key, PracticeScope.name)
        .outerjoin(PracticeScope, PracticeScope.code == SUMMARY.c.key)
        .where(SUMMARY.c.dim == "scope")
        .group_by(SUMMARY.c.key, PracticeScope.name)
        .having(total > 0)
        .order_by(total.desc(), SUMMARY.c.key)
    )
    return [Count(str(code), name, int(n)) for code, name, n in db.session.execute(statement)]


def counts_by_institution(scope: Scope, period: Period, page: int, size: int) -> tuple[list[Count], int]:
    """Return one page of institutions by number of applications (most first) and how many there are."""
    total = func.sum(SUMMARY.c.n)
    institution_id = cast(SUMMARY.c.key, Integer)
    statement = (
        summed(scope, period, 6, institution_id, Institution.name, func.count().over().label("groups"))
        .join(Institution, Institution.id == institution_id)
        .where(SUMMARY.c.dim == "institution")
        .group_by(institution_id, Institution.name)
        .having(total > 0)
        .order_by(total.desc(), institution_id)
        .limit(size).offset((page - 1) * size)
    )
    rows = db.session.execute(statement).all()
    return [Count(str(r[0]), r[1], int(r[3])) for r in rows], (rows[0][2] if rows else 0)


def overdue_page(scope: Scope, today: dt.date, limit: int) -> tuple[list[Application], RowCount]:
    """Return the applications past their deadline (the longest overdue first) and how many there are.

    The rows are the first ``limit`` of ix_application_waiting, never the whole overdue set sorted;
    the count is exact, or 「约 N」 where counting would read too much (app/counting.py).
    """
    parts = [scoped(select(Application.id), Application, scope).where(part) for part in overdue_by_status(today)]
    total = count_rows(db.session, union_all(*parts))  # index-only, per status
    if not total:
        return [], total
    statement = (
        scoped(select(Application), Application, scope).where(overdue_clause(today))
        .options(joinedload(Application.physician), joinedload(Application.institution))
        .order_by(waiting_due(), Application.submitted_at, Application.id).limit(limit)
    )
    return list(db.session.scalars(statement)), total
