"""The cohort funnel in SQL: each stage and waiting bucket written once, counted with GROUP BY.

A physician belongs to cohort Y when they hold a qualification of exam year Y. Their furthest stage
is a ladder (1 account … 6 approved), so the counts "reached stage k" are nested by construction,
and the list filters (app/views/window_filters.py) use the same expressions: a number on the window
page always equals the rows of the list it links to.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, exists, func, literal, or_, select
from sqlalchemy.orm import Session

from app.domain.enums import AccountStatus, ApplicationStatus, ApplicationType
from app.models import Application, Institution, Physician, Qualification
from app.security.scope import Scope, scoped

# stage number -> (key, label); "qualifications imported" (0) is counted on the qualification table
STAGES = {
    1: ("accounts", _l("Accounts created")),
    2: ("verified", _l("Verified")),
    3: ("activated", _l("Activated")),
    4: ("submitted", _l("First registration submitted")),
    5: ("confirmed", _l("Confirmed by institution")),
    6: ("approved", _l("Approved")),
}
QUALIFIED_LABEL = _l("Qualifications imported")
FUNNEL_KEYS = ("qualified",) + tuple(key for key, _label in STAGES.values())
FUNNEL_LABELS = {"qualified": QUALIFIED_LABEL, **{key: label for key, label in STAGES.values()}}

# the physicians an institution waits for, and the stage each bucket is about
WAITING = {
    "not_activated": _l("Not activated"),
    "no_application": _l("No first registration submitted"),
    "returned": _l("Returned or asked to correct"),
}


def in_cohort(year: int):
    """Return the condition: the physician holds a qualification of exam year ``year``."""
    return exists().where(
        Qualification.id_number == Physician.id_number,
        Qualification.id_type == Physician.id_type,
        Qualification.exam_year == year,
    )


def _first_applications():
    return select(Application.id).where(
        Application.physician_id == Physician.id, Application.type == ApplicationType.FIRST
    )


def application_stage():
    """Return the furthest stage the physician's first registrations reached (NULL: none submitted)."""
    step = case(
        (Application.status == ApplicationStatus.APPROVED, 6),
        (Application.confirmed_at.is_not(None), 5),
        (Application.submitted_at.is_not(None), 4),
        else_=None,
    )
    return (
        select(func.max(step))
        .where(Application.physician_id == Physician.id, Application.type == ApplicationType.FIRST,
               Application.status.not_in([ApplicationStatus.DRAFT, ApplicationStatus.WITHDRAWN]))
        .scalar_subquery()
    )


def stage_reached(stage: int):
    """Return the condition: the physician reached ``stage`` (1–6) of the ladder."""
    if stage <= 1:
        return literal(True)
    if stage >= 4:
        return application_stage() >= stage
    reached = [application_stage().is_not(None), Physician.activated_at.is_not(None)]
    if stage == 2:
        reached.append(Physician.verified_at.is_not(None))
    return or_(*reached)


def waiting(bucket: str):
    """Return the condition of a waiting bucket (not activated, no application, returned)."""
    if bucket == "not_activated":
        return Physician.status.in_([AccountStatus.CREATED, AccountStatus.VERIFIED])
    if bucket == "no_application":
        return and_(Physician.status == AccountStatus.ACTIVE, application_stage().is_(None))
    if bucket == "returned":
        return exists(_first_applications().where(
            Application.status.in_([ApplicationStatus.RETURNED, ApplicationStatus.CORRECTION])))
    return literal(False)


@dataclass
class Funnel:
    """The counts of one row (a province or an institution), by key of FUNNEL_KEYS."""

    code: str
    name: str
    counts: dict[str, int]

    def rate(self, key: str, base: str = "qualified") -> float | None:
        """Return counts[key] / counts[base] (None when the base is 0)."""
        total = self.counts.get(base) or 0
        return None if not total else self.counts.get(key, 0) / total


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


def waiting_physicians(year: int, institution_id: int, bucket: str):
    """Return a select of the institution's cohort physicians in a waiting bucket."""
    return select(Physician).where(Physician.institution_id == institution_id, in_cohort(year), waiting(bucket))

