"""The dashboard's aggregates: each is one SQL statement with GROUP BY, inside the reviewer's row scope."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import String, case, cast, func, literal, null, select, true, union_all
from sqlalchemy.orm import joinedload

from app.domain.enums import ApplicationStatus as S
from app.extensions import db
from app.models import Application, Institution, PracticeScope, Region
from app.reports.period import Period
from app.reports.selection import (
    base_query,
    category_of,
    in_period,
    overdue_clause,
    region_width,
    scope_codes,
)
from app.security.scope import Scope, scoped

DIMENSIONS = ("status", "type", "category", "region")


@dataclass(frozen=True)
class Count:
    """One row of a count: the stored key, its display name (regions, scopes, institutions) and the number."""

    key: str
    name: str | None
    n: int


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


def overdue_page(scope: Scope, today: dt.date, limit: int) -> tuple[list[Application], int]:
    """Return the applications past their deadline (the longest overdue first) and how many there are."""
    due = case((Application.status == S.PENDING_ACCEPTANCE, Application.accept_due), else_=Application.decide_due)
    statement = (
        scoped(select(Application, func.count().over()), Application, scope)
        .where(overdue_clause(today))
        .options(joinedload(Application.physician), joinedload(Application.institution))
        .order_by(due, Application.id)
        .limit(limit)
    )
    rows = db.session.execute(statement).all()
    return [r[0] for r in rows], (rows[0][1] if rows else 0)
