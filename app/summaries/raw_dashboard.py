"""The dashboard counted directly from the applications: the oracle of the summaries (tests, check).

The page reads app/reports/dashboard.py and app/reports/stages.py, which sum the maintained counts
(app/summaries/applications.py); these are the same numbers from the raw rows, kept to prove it.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Date,
    Integer,
    String,
    case,
    cast,
    column,
    func,
    literal,
    null,
    select,
    true,
    union_all,
    values,
)
from sqlalchemy.orm import aliased

from app.domain.workdays import WorkdayCalendar
from app.extensions import db
from app.models import Application, Institution, PracticeScope, Region
from app.reports.dashboard import DIMENSIONS, Count
from app.reports.period import Period
from app.reports.selection import (
    STAGES,
    base_query,
    beijing_day,
    category_of,
    in_period,
    is_postgres,
    region_width,
    scope_codes,
)
from app.reports.stages import DIGITS, PERCENTILES, StageTime, ordinals
from app.security.scope import Scope


def counts_by_dimension(scope: Scope, period: Period) -> dict[str, list[Count]]:
    """Count the applications submitted in the period by status, type, category and region (one statement)."""
    width = region_width(scope)
    region_key = func.substr(Application.region_code, 1, width)
    padded = region_key + literal("0" * (6 - width)) if width < 6 else region_key

    def branch(name: str, key, label=None, registration: bool = False, join=None):
        columns = [literal(name).label("dim"), cast(key, String).label("key"),
                   (label if label is not None else cast(null(), String)).label("name"), func.count().label("n")]
        statement = in_period(base_query(columns, scope, registration=registration), period)
        if join is not None:
            statement = statement.outerjoin(*join)
        return statement.group_by(*([key] if label is None else [key, label]))

    statement = union_all(
        branch("status", Application.status),
        branch("type", Application.type),
        branch("category", category_of(), registration=True),
        branch("region", region_key, Region.name, join=(Region, Region.code == padded)),
    )
    result: dict[str, list[Count]] = {name: [] for name in DIMENSIONS}
    for dim, key, name, n in db.session.execute(statement):
        result[dim].append(Count(key or "", name, n))
    for rows in result.values():
        rows.sort(key=lambda c: (-c.n, c.key))
    return result


def counts_by_scope(scope: Scope, period: Period) -> list[Count]:
    """Count the applications asking for each practice scope (an application counts once per scope asked)."""
    codes = scope_codes()
    statement = (
        in_period(base_query([codes.c.value, PracticeScope.name, func.count().label("n")], scope), period)
        .join(codes, true())
        .outerjoin(PracticeScope, PracticeScope.code == codes.c.value)
        .group_by(codes.c.value, PracticeScope.name)
        .order_by(func.count().desc(), codes.c.value)
    )
    return [Count(str(code), name, n) for code, name, n in db.session.execute(statement)]


def counts_by_institution(scope: Scope, period: Period, page: int, size: int) -> tuple[list[Count], int]:
    """Return one page of institutions by number of applications (most first) and how many there are."""
    statement = (
        in_period(base_query([Application.institution_id, Institution.name, func.count().label("n"),
                              func.count().over().label("groups")], scope), period)
        .join(Institution, Institution.id == Application.institution_id)
        .group_by(Application.institution_id, Institution.name)
        .order_by(func.count().desc(), Application.institution_id)
        .limit(size).offset((page - 1) * size)
    )
    rows = db.session.execute(statement).all()
    return [Count(str(r[0]), r[1], r[2]) for r in rows], (rows[0][3] if rows else 0)



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
        StageTime(stage, *(lambda n, a, b: (n, round(float(a), DIGITS), round(float(b), DIGITS)))(*found[stage])) if stage in found
        else StageTime(stage, 0, None, None)
        for stage in STAGES
    ]
