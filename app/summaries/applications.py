"""The dashboard's summaries: what each submitted application is counted by, and the counts per day and month.

An application's keys (summary_application_key) are computed from the raw rows with the same
expressions as the raw dashboard (app/reports/selection.py); the counts (summary_submitted) are those
keys grouped per Beijing day and per month, at the levels of the country, province, city and county.
Stage times are counted by their working days, taken from the one calendar when the keys are made:
a change of the calendar recounts the applications whose stages touch the changed years.
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
    insert,
    literal,
    select,
    text,
    union_all,
    values,
)
from sqlalchemy.orm import aliased

from app.domain.errors import RuleViolation
from app.models import Application, PracticeRegistration, SummaryApplicationKey, SummarySubmitted
from app.reports.selection import STAGES, category_of
from app.workflow.calendar import load_calendar

KEY_COLUMNS = ("application_id", "dim", "key", "day", "region_code")
COUNT_COLUMNS = ("level", "grain", "bucket", "region_code", "dim", "key", "n")
LEVELS = (0, 2, 4, 6)
UNKNOWN = "?"  # the working days of a stage whose calendar year is not entered


def _dialect(executor) -> str:
    bind = executor.get_bind() if hasattr(executor, "get_bind") else executor
    return bind.dialect.name


def ordinal_rows(executor, first: dt.date, last: dt.date) -> list[tuple[dt.date, int, int]]:
    """Return (day, working days since ``first``, unknown years so far) for every day of the range.

    A stage lasts ``ordinal(end) - ordinal(start)`` working days when both days have the same count of
    unknown years before them and lie in known years (else its days are unknown).
    """
    calendar = load_calendar(executor, first, last)
    out, total, unknown, day = [], 0, set(), first
    while day <= last:
        try:
            working = calendar.is_working_day(day)
        except RuleViolation:
            unknown.add(day.year)
            out.append((day, None, len(unknown)))
        else:
            total += 1 if working and day > first else 0
            out.append((day, total, len(unknown)))
        day += dt.timedelta(days=1)
    return out


def _beijing_day(postgres: bool, value):
    """Return the Beijing calendar day of a stored (naive UTC) time (as app.reports.selection.beijing_day)."""
    if postgres:
        return cast(value + text("interval '8 hours'"), Date)
    return func.date(value, "+8 hours")


def _scope_codes(postgres: bool):
    """Return the table of the scope codes an application asks for (as app.reports.selection.scope_codes)."""
    if postgres:
        return func.json_array_elements_text(Application.data["scope_codes"]).table_valued("value")
    return func.json_each(Application.data, "$.scope_codes").table_valued("value")


def _labelled(*columns) -> list:
    return [value.label(name) for value, name in zip(columns, KEY_COLUMNS, strict=True)]


def key_rows(executor, where, first: dt.date, last: dt.date):
    """Return a select of the keys (KEY_COLUMNS) of the submitted applications matching ``where``."""
    postgres = _dialect(executor) == "postgresql"
    day = _beijing_day(postgres, Application.submitted_at)
    region = func.coalesce(Application.region_code, "")
    common = (Application.id, day, region)

    def branch(dim: str, key, *joins, condition=None):
        statement = select(*_labelled(Application.id, literal(dim, String), cast(key, String), day, region)
                           ).select_from(Application)
        for join in joins:
            statement = statement.join(*join) if len(join) == 2 else statement.outerjoin(join[0], join[1])
        statement = statement.where(Application.submitted_at.is_not(None), where)
        return statement.where(condition) if condition is not None else statement

    branches = [
        branch("status", Application.status),
        branch("type", Application.type),
        branch("category", func.coalesce(category_of(), ""),
               (PracticeRegistration, PracticeRegistration.id == Application.registration_id, "outer")),
        branch("institution", Application.institution_id, condition=Application.institution_id.is_not(None)),
    ]
    codes = _scope_codes(postgres)
    branches.append(select(*_labelled(Application.id, literal("scope", String), cast(codes.c.value, String), day,
                                      region))
                    .select_from(Application).join(codes, literal(True))
                    .where(Application.submitted_at.is_not(None), where).distinct())
    table = values(column("day", Date), column("ord", Integer), column("gap", Integer),
                   name="workday_ordinal").data(ordinal_rows(executor, first, last)).cte("wd")
    for stage, (start, end) in STAGES.items():
        a, b = aliased(table), aliased(table)
        days = case((a.c.ord.is_(None) | b.c.ord.is_(None) | (a.c.gap != b.c.gap), literal(UNKNOWN)),
                    else_=cast(b.c.ord - a.c.ord, String))
        branches.append(
            select(*_labelled(common[0], literal(stage, String), days, *common[1:])).select_from(Application)
            .outerjoin(a, a.c.day == _beijing_day(postgres, start)).outerjoin(b, b.c.day == _beijing_day(postgres, end))
            .where(Application.submitted_at.is_not(None), start.is_not(None), end.is_not(None), where))
    return union_all(*branches)


def _month(executor, day):
    if _dialect(executor) == "postgresql":
        return cast(func.date_trunc("month", day), Date)
    return func.date(day, "start of month")


def _at_level(region, level: int):
    if level == 0:
        return literal("", String)
    if level == 6:
        return region
    return case((region == "", ""), else_=func.substr(region, 1, level) + literal("0" * (6 - level)))


def counts_of(executor, keys, sign: int = 1):
    """Return a select of summary_submitted rows (COUNT_COLUMNS) counting the key rows ``keys`` (times ``sign``)."""
    branches = []
    for grain in ("d", "m"):
        bucket = keys.c.day if grain == "d" else _month(executor, keys.c.day)
        for level in LEVELS:
            region = _at_level(keys.c.region_code, level)
            statement = select(*(value.label(name) for value, name in zip(
                (literal(level, Integer), literal(grain, String), bucket, region, keys.c.dim, keys.c.key,
                 func.count() * sign), COUNT_COLUMNS, strict=True)))
            if level != 6:
                statement = statement.where(keys.c.dim != "institution")
            else:
                statement = statement.where(keys.c.dim.is_not(None))
            grouping = (bucket, keys.c.dim, keys.c.key) + (() if level == 0 else (region,))  # PostgreSQL: no constant
            branches.append(statement.group_by(*grouping))
    return union_all(*branches)


def stage_span(executor, where) -> tuple[dt.date, dt.date] | None:
    """Return the Beijing days from the first submission to the last stage end of the applications (None: none)."""
    row = executor.execute(select(
        func.min(Application.submitted_at), func.max(Application.submitted_at), func.max(Application.confirmed_at),
        func.max(Application.accepted_at), func.max(Application.decided_at),
    ).where(Application.submitted_at.is_not(None), where)).one()
    if row[0] is None:
        return None
    shift = dt.timedelta(hours=8)
    last = max(value for value in row[1:] if value is not None)
    return (row[0] + shift).date(), (last + shift).date()


def write_keys(executor, where) -> None:
    """Insert the key rows of the applications matching ``where`` (computed from the raw rows)."""
    span = stage_span(executor, where)
    if span is None:
        return
    executor.execute(insert(SummaryApplicationKey.__table__).from_select(KEY_COLUMNS, key_rows(executor, where, *span)))


def counts_table():
    """Return the summary_submitted table."""
    return SummarySubmitted.__table__
