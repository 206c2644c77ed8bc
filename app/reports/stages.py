"""Working days per stage (submit → confirm → accept → decision): median and 90th percentile.

Working days come from the one calendar (``chinese_calendar`` completed by the commission's table):
a stage lasts ``ordinal(end day) - ordinal(start day)`` working days — the count of
``working_days_between``. The maintained counts (app/summaries/applications.py) keep, per day or
month of submission and region, how many applications took how many working days in each stage:
one statement sums that histogram, and the percentiles are read from it with ``percentile_cont``'s
linear interpolation (a few dozen buckets, never one row per application). The same numbers
straight from the applications: app/summaries/raw_dashboard.py.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from app.domain.workdays import WorkdayCalendar
from app.extensions import db
from app.reports.dashboard import SUMMARY, summed
from app.reports.period import Period
from app.reports.selection import STAGES
from app.security.scope import Scope

UNKNOWN = "?"  # app.summaries.applications.UNKNOWN: the stage's calendar year was not entered

PERCENTILES = {"p50": 5, "p90": 9}  # tenths


# percentiles are kept to 4 decimals: the database's percentile_cont and the histogram agree there
DIGITS = 4


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


def _percentile(histogram: list[tuple[int, int]], tenths: int) -> float:
    """Return percentile_cont(tenths/10) of the values counted in ``histogram`` ((value, how many), sorted)."""
    n = sum(count for _value, count in histogram)
    step = (n - 1) * tenths
    low, fraction = step // 10, step % 10  # 0-based rank of the lower value, and the weight of the next one

    def at(rank: int) -> int:
        seen = 0
        for value, count in histogram:
            seen += count
            if rank < seen:
                return value
        return histogram[-1][0]

    return (at(low) * (10 - fraction) + at(low + 1) * fraction) / 10.0 if fraction else float(at(low))


def stage_times(scope: Scope, period: Period, calendar: WorkdayCalendar, today: dt.date) -> list[StageTime]:
    """Return the working days of each stage for applications submitted in the period (one statement).

    The maintained counts hold, per stage, how many applications took how many working days; the
    calendar of the whole range must be entered (as when the days were counted), else this refuses.
    """
    ordinals(calendar, period.first, max(period.last, today))  # raises for a year not entered
    statement = (
        summed(scope, period, None, SUMMARY.c.dim, SUMMARY.c.key)
        .where(SUMMARY.c.dim.in_(tuple(STAGES)), SUMMARY.c.key != UNKNOWN)
        .group_by(SUMMARY.c.dim, SUMMARY.c.key)
    )
    histograms: dict[str, list[tuple[int, int]]] = {stage: [] for stage in STAGES}
    for stage, key, n in db.session.execute(statement):
        if n:
            histograms[stage].append((int(key), int(n)))
    out = []
    for stage, histogram in histograms.items():
        histogram.sort()
        if not histogram:
            out.append(StageTime(stage, 0, None, None))
            continue
        out.append(StageTime(stage, sum(c for _v, c in histogram),
                             *(round(_percentile(histogram, t), DIGITS) for t in PERCENTILES.values())))
    return out
