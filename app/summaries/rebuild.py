"""Recount every summary from the raw rows (set-based), and compare the stored counts with the raw ones."""

from __future__ import annotations

from sqlalchemy import delete, func, insert, select

from app.models import Qualification, SummaryMember, SummaryQualified
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
    return {table.name: executor.execute(select(func.count()).select_from(table)).scalar_one()
            for table in (member, funnel, qualified)}


def _as_dict(rows, width: int) -> dict[tuple, tuple]:
    return {tuple(row[:width]): tuple(int(v or 0) for v in row[width:]) for row in rows
            if any(int(v or 0) for v in row[width:])}


def differences(executor, limit: int = 20) -> list[str]:
    """Return how the stored counts differ from the raw rows (empty when equal)."""
    funnel = funnel_table()
    raw = _as_dict(executor.execute(grouped(member_rows().subquery())), len(KEYS))
    kept = _as_dict(executor.execute(select(*(funnel.c[k] for k in KEYS + SUMS))), len(KEYS))
    table = SummaryQualified.__table__
    raw_q = _as_dict(executor.execute(select(Qualification.exam_year, Qualification.province_code, func.count())
                                      .group_by(Qualification.exam_year, Qualification.province_code)), 2)
    kept_q = _as_dict(executor.execute(select(table.c.exam_year, table.c.province_code, table.c.qualifications)), 2)
    out = []
    for name, want, have in (("funnel", raw, kept), ("qualified", raw_q, kept_q)):
        for key in sorted(set(want) | set(have), key=str):
            if want.get(key) != have.get(key):
                out.append(f"{name} {key}: raw {want.get(key)}, stored {have.get(key)}")
    return out[:limit] if limit else out
