"""The window funnel counted directly from the raw rows: the oracle of the summaries (check command, tests).

The pages never run these (they scan the cohort's physicians); app/window/funnel.py reads the
maintained counts, and `flask summaries check` / tests/summaries/ compare both.
"""

from __future__ import annotations

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from app.models import Institution, Physician, Qualification
from app.security.scope import Scope, scoped
from app.window.funnel import FUNNEL_KEYS, STAGES, WAITING, Funnel, application_stage, in_cohort, waiting


def _staged(year: int, scope: Scope, *group):
    """Return a subquery of the cohort's physicians in scope with their stage and grouping columns."""
    inner = scoped(
        select(*group, application_stage().label("app_stage"), Physician.activated_at, Physician.verified_at)
        .where(in_cohort(year)),
        Physician, scope,
    ).subquery()
    stage = case(
        (inner.c.app_stage.is_not(None), inner.c.app_stage),
        (inner.c.activated_at.is_not(None), 3),
        (inner.c.verified_at.is_not(None), 2),
        else_=1,
    )
    return inner, stage


def _stage_columns(stage) -> list:
    return [func.sum(case((stage >= number, 1), else_=0)).label(key) for number, (key, _l_) in STAGES.items()]


def by_province(session: Session, year: int, scope: Scope) -> dict[str, dict[str, int]]:
    """Return {province code: counts} of the cohort in scope (two GROUP BY statements)."""
    out: dict[str, dict[str, int]] = {}
    qualified = scoped(
        select(Qualification.province_code, func.count()).where(Qualification.exam_year == year)
        .group_by(Qualification.province_code), Qualification, scope)
    for code, count in session.execute(qualified):
        out.setdefault(code, dict.fromkeys(FUNNEL_KEYS, 0))["qualified"] = count
    province = func.substr(Physician.region_code, 1, 2).label("province")
    inner, stage = _staged(year, scope, province)
    statement = select(inner.c.province, *_stage_columns(stage)).group_by(inner.c.province)
    for row in session.execute(statement):
        if row.province is None:
            continue
        counts = out.setdefault(f"{row.province}0000", dict.fromkeys(FUNNEL_KEYS, 0))
        counts.update({key: int(getattr(row, key) or 0) for key, _l_ in STAGES.values()})
    return out


def by_institution(session: Session, year: int, scope: Scope, province: str, page: int, size: int
                   ) -> tuple[int, list[Funnel]]:
    """Return (institutions in total, one page of institution funnels) of a province, largest first."""
    inner, stage = _staged(year, scope, Physician.institution_id)
    grouped = (
        select(inner.c.institution_id, *_stage_columns(stage))
        .where(inner.c.institution_id.is_not(None))
        .group_by(inner.c.institution_id)
        .subquery()
    )
    in_province = Institution.region_code.between(province, province[:2] + "9999")
    total = session.scalar(
        select(func.count()).select_from(grouped).join(Institution, Institution.id == grouped.c.institution_id)
        .where(in_province))
    rows = session.execute(
        select(grouped, Institution.name).join(Institution, Institution.id == grouped.c.institution_id)
        .where(in_province)
        .order_by(grouped.c.accounts.desc(), grouped.c.institution_id)
        .limit(size).offset((page - 1) * size)
    )
    return total or 0, [
        Funnel(str(row.institution_id), row.name, {key: int(getattr(row, key) or 0) for key, _l_ in STAGES.values()})
        for row in rows
    ]


def waiting_counts(session: Session, year: int, institution_id: int) -> dict[str, int]:
    """Return {bucket: physicians of the institution's cohort waiting there} in one statement."""
    columns = [func.sum(case((waiting(bucket), 1), else_=0)).label(bucket) for bucket in WAITING]
    row = session.execute(
        select(*columns).where(Physician.institution_id == institution_id, in_cohort(year))
    ).one()
    return {bucket: int(getattr(row, bucket) or 0) for bucket in WAITING}
