"""The rows of summary_member computed from the raw tables, and the grouping that makes the counts."""

from __future__ import annotations

from sqlalchemy import Select, and_, case, func, select
from sqlalchemy.sql.elements import ColumnElement

from app.domain.enums import AccountStatus
from app.models import Physician, Qualification, SummaryFunnel, SummaryMember
from app.window.funnel import application_stage, waiting

MEMBER_COLUMNS = ("physician_id", "cohort_year", "region_code", "institution_id", "stage",
                  "not_activated", "no_application", "returned")
KEYS = ("cohort_year", "region_code", "institution_id", "stage")
SUMS = ("physicians", "not_activated", "no_application", "returned")


def member_rows(where: ColumnElement | None = None) -> Select:
    """Return a select of summary_member rows (MEMBER_COLUMNS) for the physicians matching ``where``."""
    inner = (
        select(
            Physician.id.label("physician_id"), Qualification.exam_year.label("cohort_year"),
            func.coalesce(Physician.region_code, "").label("region_code"),
            func.coalesce(Physician.institution_id, 0).label("institution_id"),
            application_stage().label("app_stage"), Physician.activated_at, Physician.verified_at,
            Physician.status, case((waiting("returned"), 1), else_=0).label("returned"),
        )
        .join(Qualification, and_(Qualification.id_number == Physician.id_number,
                                  Qualification.id_type == Physician.id_type))
        .distinct()
    )
    if where is not None:
        inner = inner.where(where)
    inner = inner.subquery("raw")
    stage = case(
        (inner.c.app_stage.is_not(None), inner.c.app_stage),
        (inner.c.activated_at.is_not(None), 3),
        (inner.c.verified_at.is_not(None), 2),
        else_=1,
    )
    return select(
        inner.c.physician_id, inner.c.cohort_year, inner.c.region_code, inner.c.institution_id, stage.label("stage"),
        case((inner.c.status.in_([AccountStatus.CREATED, AccountStatus.VERIFIED]), 1), else_=0).label("not_activated"),
        case((and_(inner.c.status == AccountStatus.ACTIVE, inner.c.app_stage.is_(None)), 1),
             else_=0).label("no_application"),
        inner.c.returned,
    )


def grouped(members) -> Select:
    """Return the funnel counts (KEYS, SUMS) of a selectable with the columns of summary_member."""
    keys = [members.c[k] for k in KEYS]
    return select(
        *keys, func.count().label("physicians"), func.sum(members.c.not_activated).label("not_activated"),
        func.sum(members.c.no_application).label("no_application"), func.sum(members.c.returned).label("returned"),
    ).group_by(*keys)


def stored_members(where: ColumnElement | None = None) -> Select:
    """Return the funnel counts of the stored members matching ``where``."""
    table = SummaryMember.__table__
    members = select(table).where(where).subquery() if where is not None else table
    return grouped(members)


def funnel_table():
    """Return the summary_funnel table."""
    return SummaryFunnel.__table__
