"""Write guards: a row added or edited must stay inside the writer's scope.

FAB's base filters protect reads by id but not what a form writes, so every screen that
writes a scope column calls one of these from ``pre_add`` / ``pre_update``.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.domain.enums import RegionLevel
from app.domain.regions import in_jurisdiction, province_of, region_level
from app.extensions import db
from app.models import Institution, Physician, Region
from app.security.roles import ADMIN, COMMISSION_REVIEWER, INSTITUTION_ADMIN
from app.security.scope import current_scope, scope_clause


class ScopeViolation(Exception):
    """A write that would put a row outside the writer's scope; the message is shown to the user."""


def _in_scope(model, pk) -> bool:
    if pk is None:
        return False
    clause = scope_clause(model, current_scope())
    statement = select(model.id).where(model.id == pk)
    if clause is not None:
        statement = statement.where(clause)
    # The row being checked is not saved yet: do not flush it before it has passed the guard.
    with db.session.no_autoflush:
        return db.session.scalar(statement) is not None


def _region_in_scope(region_code: str | None) -> bool:
    scope = current_scope()
    if scope.role == ADMIN:
        return True
    return scope.role == COMMISSION_REVIEWER and bool(region_code) and in_jurisdiction(
        scope.jurisdiction, region_code
    )


def county_choices_in_scope() -> list[tuple[str, str]]:
    """Return (code, "code name") of the active counties the user may place things in."""
    scope = current_scope()
    statement = select(Region.code, Region.name).where(
        Region.level == RegionLevel.COUNTY, Region.active.is_(True)
    )
    if scope.role != ADMIN:
        bounds = scope.bounds if scope.role == COMMISSION_REVIEWER else ("", "")
        if bounds is not None:
            statement = statement.where(Region.code.between(*bounds))
    return [(code, f"{code} {name}") for code, name in db.session.execute(statement.order_by(Region.code))]


def guard_institution(item: Institution) -> None:
    """Refuse an institution whose county lies outside the reviewer's jurisdiction."""
    if not _region_in_scope(item.region_code):
        raise ScopeViolation(_l("The institution's region is outside your jurisdiction."))


def guard_department(item) -> None:
    """Refuse a department of an institution the user may not manage; fix it for admins."""
    scope = current_scope()
    if scope.role == INSTITUTION_ADMIN:
        item.institution_id = scope.institution_id
        item.institution = db.session.get(Institution, scope.institution_id)
        return
    institution_id = item.institution.id if item.institution else item.institution_id
    if not _in_scope(Institution, institution_id):
        raise ScopeViolation(_l("You may only manage departments of institutions in your jurisdiction."))


def guard_assessment(item) -> None:
    """Refuse an assessment of a physician or institution out of scope; copy the region."""
    scope = current_scope()
    if scope.role == INSTITUTION_ADMIN:
        item.institution = db.session.get(Institution, scope.institution_id)
    physician_id = item.physician.id if item.physician else item.physician_id
    if not _in_scope(Physician, physician_id):
        raise ScopeViolation(_l("You may only record assessments of physicians in your scope."))
    institution = item.institution
    if institution is None or not _in_scope(Institution, institution.id):
        raise ScopeViolation(_l("The assessing institution is outside your scope."))
    if item.cycle_start and item.cycle_end and item.cycle_start > item.cycle_end:
        raise ScopeViolation(_l("The cycle must start before it ends."))
    # a failed periodic assessment without a date is suspended for the default period (app.workflow.measures)
    if item.result == "failed" and item.kind != "periodic" and not item.suspended_until:
        raise ScopeViolation(_l("A failed assessment needs the date the suspension ends."))
    item.region_code = institution.region_code


def _provincial(scope) -> bool:
    """Tell whether a reviewer's jurisdiction is a whole province (prefectures and counties are not)."""
    return bool(scope.jurisdiction) and region_level(scope.jurisdiction) == RegionLevel.PROVINCE


def guard_window(item) -> None:
    """Refuse a window for a province outside the jurisdiction, or one that closes before it opens."""
    from app.window.commands import may_set_window

    code = item.province.code if item.province else item.province_code
    if not may_set_window(current_scope(), code):
        raise ScopeViolation(_l("Only the provincial or national health commission sets the windows of a province."))
    if item.opens_on and item.closes_on and item.opens_on > item.closes_on:
        raise ScopeViolation(_l("The window must open before it closes."))


def guard_scope_entry(item) -> None:
    """Let national reviewers edit national scopes; tie others' entries to their province."""
    scope = current_scope()
    if scope.role == ADMIN or (scope.role == COMMISSION_REVIEWER and scope.bounds is None):
        return
    if scope.role != COMMISSION_REVIEWER or not _provincial(scope):
        raise ScopeViolation(_l("Only the provincial or national health commission changes the scope dictionary."))
    province = province_of(scope.jurisdiction)
    if item.province_code not in (None, province) or (item.id and item.province_code is None):
        raise ScopeViolation(_l("You may only change the extra scopes of your own province."))
    item.province_code = province


def guard_institution_admin(user) -> None:
    """Refuse an admin account for an institution out of scope; make it an institution admin only."""
    from flask import current_app

    institution = user.institution
    if institution is None or not _in_scope(Institution, institution.id):
        raise ScopeViolation(_l("Choose an institution in your jurisdiction."))
    sm = current_app.appbuilder.sm
    user.roles = [sm.find_role(INSTITUTION_ADMIN)]


def attach_physician_by_id_number(item, id_number: str | None) -> None:
    """Set ``item.physician`` to the in-scope physician with this ID number, or refuse."""
    statement = select(Physician).where(Physician.id_number == (id_number or ""))
    clause = scope_clause(Physician, current_scope())
    if clause is not None:
        statement = statement.where(clause)
    physician = db.session.scalars(statement).first()
    if physician is None:
        raise ScopeViolation(_l("No physician with this ID number in your jurisdiction."))
    item.physician = physician


def guard_national_calendar() -> None:
    """Refuse calendar entries from anyone but admins and national reviewers."""
    scope = current_scope()
    if scope.role == ADMIN or (scope.role == COMMISSION_REVIEWER and scope.bounds is None):
        return
    raise ScopeViolation(_l("Only the national health commission keeps the working-day calendar."))
