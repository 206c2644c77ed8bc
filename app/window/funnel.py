"""The cohort funnel in SQL: each stage and waiting bucket written once, counted with GROUP BY.

A physician belongs to cohort Y when they hold a qualification of exam year Y. Their furthest stage
is a ladder (1 account … 6 approved), so the counts "reached stage k" are nested by construction,
and the list filters (app/views/window_filters.py) use the same expressions: a number on the window
page always equals the rows of the list it links to. The page reads the counts from the maintained
summaries (app/summaries/, kept equal to these expressions on every write); app/summaries/raw.py
counts the same from the raw rows, for `flask summaries check` and the tests.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, exists, false, func, literal, or_, select
from sqlalchemy.orm import Session

from app.domain.enums import AccountStatus, ApplicationStatus, ApplicationType
from app.models import Application, Institution, Physician, Qualification, SummaryFunnel, SummaryQualified
from app.security.roles import ADMIN, COMMISSION_REVIEWER
from app.security.scope import Scope

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


def _weighted_stage_columns(table) -> list:
    """Return, per stage of the ladder, the physicians who reached it (sum of the furthest stages at or above)."""
    return [func.sum(case((table.c.stage >= number, table.c.physicians), else_=0)).label(key)
            for number, (key, _l_) in STAGES.items()]


def _in_scope(statement, column, scope: Scope):
    """Keep the rows of the reviewer's jurisdiction (as app.security.scope does for physicians); others see none."""
    if scope.role == ADMIN:
        return statement
    if scope.role != COMMISSION_REVIEWER:
        return statement.where(false())
    bounds = scope.bounds
    return statement if bounds is None else statement.where(column.between(*bounds))


def by_province(session: Session, year: int, scope: Scope) -> dict[str, dict[str, int]]:
    """Return {province code: counts} of the cohort in scope, read from the summaries (two statements)."""
    out: dict[str, dict[str, int]] = {}
    kept = SummaryQualified.__table__
    qualified = _in_scope(select(kept.c.province_code, kept.c.qualifications)
                          .where(kept.c.exam_year == year, kept.c.qualifications != 0), kept.c.province_code, scope)
    for code, count in session.execute(qualified):
        out.setdefault(code, dict.fromkeys(FUNNEL_KEYS, 0))["qualified"] = count
    table = SummaryFunnel.__table__
    province = func.substr(table.c.region_code, 1, 2).label("province")
    statement = _in_scope(select(province, *_weighted_stage_columns(table))
                          .where(table.c.cohort_year == year, table.c.region_code != ""), table.c.region_code, scope)
    for row in session.execute(statement.group_by(province)):
        counts = out.setdefault(f"{row.province}0000", dict.fromkeys(FUNNEL_KEYS, 0))
        counts.update({key: int(getattr(row, key) or 0) for key, _l_ in STAGES.values()})
    return out


def by_institution(session: Session, year: int, scope: Scope, province: str, page: int, size: int
                   ) -> tuple[int, list[Funnel]]:
    """Return (institutions in total, one page of institution funnels) of a province, largest first."""
    table = SummaryFunnel.__table__
    grouped = (
        _in_scope(select(table.c.institution_id, *_weighted_stage_columns(table))
                  .where(table.c.cohort_year == year, table.c.institution_id != 0), table.c.region_code, scope)
        .group_by(table.c.institution_id)
        .having(func.sum(table.c.physicians) > 0)
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
    """Return {bucket: physicians of the institution's cohort waiting there}, read from the summaries."""
    table = SummaryFunnel.__table__
    row = session.execute(
        select(*(func.sum(table.c[bucket]).label(bucket) for bucket in WAITING))
        .where(table.c.institution_id == institution_id, table.c.cohort_year == year)
    ).one()
    return {bucket: int(getattr(row, bucket) or 0) for bucket in WAITING}


def waiting_physicians(year: int, institution_id: int, bucket: str):
    """Return a select of the institution's cohort physicians in a waiting bucket."""
    return select(Physician).where(Physician.institution_id == institution_id, in_cohort(year), waiting(bucket))

