"""Recount every summary from the raw rows (set-based), and compare the stored counts with the raw ones."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, func, insert, select, true

from app.models import Qualification, SummaryApplicationKey, SummaryMember, SummaryQualified
from app.summaries import applications as dashboard
from app.summaries.members import (
    KEYS,
    MEMBER_COLUMNS,
    SUMS,
    funnel_table,
    grouped,
    member_rows,
    stored_members,
)


def rebuild(executor) -> dict[str, int]:
    """Empty and refill the summary tables in the caller's transaction (a Session or a Connection)."""
    member, funnel, qualified = SummaryMember.__table__, funnel_table(), SummaryQualified.__table__
    for table in (member, funnel, qualified):
        executor.execute(delete(table))
    executor.execute(insert(member).from_select(MEMBER_COLUMNS, member_rows()))
    executor.execute(insert(funnel).from_select(KEYS + SUMS, stored_members()))
    executor.execute(insert(qualified).from_select(
        ["exam_year", "province_code", "qualifications"],
        select(Qualification.exam_year, Qualification.province_code, func.count())
        .group_by(Qualification.exam_year, Qualification.province_code)))
    keys, counts = SummaryApplicationKey.__table__, dashboard.counts_table()
    for table in (keys, counts):
        executor.execute(delete(table))
    dashboard.write_keys(executor, true())
    executor.execute(insert(counts).from_select(dashboard.COUNT_COLUMNS, dashboard.counts_of(executor, keys)))
    return {table.name: executor.execute(select(func.count()).select_from(table)).scalar_one()
            for table in (member, funnel, qualified, keys, counts)}


def _as_dict(rows, width: int) -> dict[tuple, tuple]:
    """Return {keys: numbers} of the rows with a number (days as ISO text: SQLite gives text or dates)."""
    def key(row) -> tuple:
        return tuple(v.isoformat() if isinstance(v, dt.date) else v for v in row[:width])

    return {key(row): tuple(int(v or 0) for v in row[width:]) for row in rows if any(int(v or 0) for v in row[width:])}


def differences(executor, limit: int = 20) -> list[str]:
    """Return how the stored counts differ from the raw rows (empty when equal)."""
    funnel = funnel_table()
    raw = _as_dict(executor.execute(grouped(member_rows().subquery())), len(KEYS))
    kept = _as_dict(executor.execute(select(*(funnel.c[k] for k in KEYS + SUMS))), len(KEYS))
    table = SummaryQualified.__table__
    raw_q = _as_dict(executor.execute(select(Qualification.exam_year, Qualification.province_code, func.count())
                                      .group_by(Qualification.exam_year, Qualification.province_code)), 2)
    kept_q = _as_dict(executor.execute(select(table.c.exam_year, table.c.province_code, table.c.qualifications)), 2)
    counts = dashboard.counts_table()
    span = dashboard.stage_span(executor, true())
    raw_s = {} if span is None else _as_dict(executor.execute(dashboard.counts_of(
        executor, dashboard.key_rows(executor, true(), *span).cte("keys"))), 6)
    kept_s = _as_dict(executor.execute(select(counts)), 6)
    out = []
    for name, want, have in (("funnel", raw, kept), ("qualified", raw_q, kept_q), ("submitted", raw_s, kept_s)):
        for key in sorted(set(want) | set(have), key=str):
            if want.get(key) != have.get(key):
                out.append(f"{name} {key}: raw {want.get(key)}, stored {have.get(key)}")
    return out[:limit] if limit else out
