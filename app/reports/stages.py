"""Working days per stage (submit → confirm → accept → decision): median and 90th percentile, in SQL.

Working days come from the one calendar (``chinese_calendar`` completed by the commission's table):
every Beijing day of the range gets its working-day ordinal, sent with the query as a small VALUES
table (at most a few thousand rows, never one per application), so a stage lasts
``ordinal(end day) - ordinal(start day)`` working days — the count of ``working_days_between``.
PostgreSQL takes the percentiles with ``percentile_cont``; SQLite, which has no such aggregate,
gets the same linear interpolation from window functions, still in one statement.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Date, Integer, String, case, column, func, literal, select, union_all, values
from sqlalchemy.orm import aliased

from app.domain.workdays import WorkdayCalendar
from app.extensions import db
from app.reports.period import Period
from app.reports.selection import STAGES, base_query, beijing_day, in_period, is_postgres
from app.security.scope import Scope

PERCENTILES = {"p50": 5, "p90": 9}  # tenths


@dataclass(frozen=True)
class StageTime:
    """How many applications went through a stage, and its median and 90th-percentile working days."""

    stage: str
    n: int
    p50: float | None
    p90: float | None


def ordinals(calendar: WorkdayCalendar, first: dt.date, last: dt.date) -> list[tuple[dt.date, int]]:
    """Return (day, working days in (first, day]) for every day of the range (raises for unknown years)."""
    out, total, day = [], 0, first
    while day <= last:
        if day > first and calendar.is_working_day(day):
            total += 1
        out.append((day, total))
        day += dt.timedelta(days=1)
    return out


def _durations(scope: Scope, period: Period, table):
    branches = []
    for stage, (start, end) in STAGES.items():
        a, b = aliased(table), aliased(table)
        statement = (
            in_period(base_query([literal(stage, String).label("stage"), (b.c.ord - a.c.ord).label("days")], scope),
                      period)
            .join(a, a.c.day == beijing_day(start))
            .join(b, b.c.day == beijing_day(end))
        )
        branches.append(statement)
    return union_all(*branches).subquery("durations")


def _interpolated(rn, n, days, tenths: int):
    """Return the percentile_cont of ``tenths``/10 as an aggregate over ranked rows (integer arithmetic only)."""
    step = (n - 1) * tenths
    low = 1 + step // 10  # integer division on both databases
    fraction = step % 10
    weight = case((rn == low, 10 - fraction), (rn == low + 1, fraction), else_=0)
    return func.sum(days * weight) / 10.0


def stage_times(scope: Scope, period: Period, calendar: WorkdayCalendar, today: dt.date) -> list[StageTime]:
    """Return the working days of each stage for applications submitted in the period (one statement)."""
    last = max(period.last, today)
    rows = ordinals(calendar, period.first, last)
    table = values(column("day", Date), column("ord", Integer), name="workday_ordinal").data(rows).cte("wd")
    durations = _durations(scope, period, table)
    if is_postgres():
        statement = select(
            durations.c.stage, func.count(),
            *(func.percentile_cont(t / 10).within_group(durations.c.days) for t in PERCENTILES.values()),
        ).group_by(durations.c.stage)
    else:
        ranked = select(
            durations.c.stage, durations.c.days,
            func.row_number().over(partition_by=durations.c.stage, order_by=durations.c.days).label("rn"),
            func.count().over(partition_by=durations.c.stage).label("n"),
        ).subquery("ranked")
        statement = select(
            ranked.c.stage, func.max(ranked.c.n),
            *(_interpolated(ranked.c.rn, ranked.c.n, ranked.c.days, t) for t in PERCENTILES.values()),
        ).group_by(ranked.c.stage)
    found = {stage: (n, p50, p90) for stage, n, p50, p90 in db.session.execute(statement)}
    return [
        StageTime(stage, *(lambda n, a, b: (n, float(a), float(b)))(*found[stage])) if stage in found
        else StageTime(stage, 0, None, None)
        for stage in STAGES
    ]
