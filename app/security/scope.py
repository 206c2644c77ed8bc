"""Row-level visibility (SPEC §6): who may see which rows, written once for every screen and API.

``scope_clause(model, scope)`` returns a SQL condition, ``None`` for "everything" (Admin), or a
false condition for anything not explicitly granted: a new model is invisible until it is listed
here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import g, has_request_context
from flask_appbuilder.models.filters import BaseFilter
from sqlalchemy import and_, false, or_, select

from app.domain.enums import FilingStatus
from app.domain.errors import RuleViolation
from app.domain.regions import jurisdiction_bounds, province_of
from app.extensions import db
from app.models import (
    Application,
    Assessment,
    Department,
    Filing,
    Institution,
    Physician,
    PracticeRegistration,
    PracticeScope,
    ProfileChange,
    Qualification,
    RegistrationWindow,
    RegistryUser,
    SecurityEvent,
    WorkdayEntry,
    WorkdayYear,
)
from app.security.roles import ADMIN, COMMISSION_REVIEWER, INSTITUTION_ADMIN, PHYSICIAN


@dataclass(frozen=True)
class Scope:
    """What the current user may see: a role and the one key that bounds it."""

    role: str | None
    institution_id: int | None = None
    jurisdiction: str | None = None  # region code; 000000 means national
    physician_id: int | None = None

    @property
    def bounds(self) -> tuple[str, str] | None:
        """Return the inclusive region-code range of the jurisdiction (None = national)."""
        return jurisdiction_bounds(self.jurisdiction)


def scope_for(user) -> Scope:
    """Work out the scope of a user from its roles (the most powerful role wins)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return Scope(role=None)
    names = {role.name for role in user.roles}
    if ADMIN in names:
        return Scope(role=ADMIN)
    if COMMISSION_REVIEWER in names:
        # Fail closed: a reviewer account without a (valid) jurisdiction sees nothing, rather
        # than everything ("national" must be said explicitly, with 000000).
        code = (user.jurisdiction_code or "").strip()
        try:
            jurisdiction_bounds(code)
        except RuleViolation:
            code = ""
        if not code:
            return Scope(role=None)
        return Scope(role=COMMISSION_REVIEWER, jurisdiction=code)
    if INSTITUTION_ADMIN in names:
        return Scope(role=INSTITUTION_ADMIN, institution_id=user.institution_id)
    if PHYSICIAN in names:
        physician_id = db.session.scalar(select(Physician.id).where(Physician.user_id == user.id))
        return Scope(role=PHYSICIAN, physician_id=physician_id)
    return Scope(role=None)


def current_scope() -> Scope:
    """Return the scope of the user of this request (cached for the request)."""
    if not has_request_context():
        return Scope(role=None)
    if "scope" not in g:
        g.scope = scope_for(getattr(g, "user", None))
    return g.scope


def _in_region(column, scope: Scope):
    bounds = scope.bounds
    return None if bounds is None else column.between(*bounds)


def _institutions_in_region(scope: Scope):
    bounds = scope.bounds
    if bounds is None:
        return None
    return select(Institution.id).where(Institution.region_code.between(*bounds))


def _active_filing_registrations(institution_id: int):
    return select(Filing.registration_id).where(
        Filing.institution_id == institution_id, Filing.status == FilingStatus.ACTIVE
    )


def _reviewer(model, s: Scope):
    if model in (Institution, Physician, PracticeRegistration, Application, Assessment, SecurityEvent, ProfileChange):
        return _in_region(model.region_code, s)
    if model in (Department, Filing, RegistryUser):
        subquery = _institutions_in_region(s)
        return None if subquery is None else model.institution_id.in_(subquery)
    if model is Qualification:
        return _in_region(Qualification.province_code, s)
    if model is PracticeScope:
        if s.bounds is None:
            return None
        return or_(PracticeScope.province_code.is_(None), PracticeScope.province_code.between(*s.bounds))
    if model is RegistrationWindow:
        if s.bounds is None:
            return None
        return RegistrationWindow.province_code == province_of(s.jurisdiction)
    if model in (WorkdayEntry, WorkdayYear):  # the national calendar: kept by national reviewers
        return None if s.bounds is None else false()
    return false()


def _institution_admin(model, s: Scope):
    inst = s.institution_id
    if inst is None:
        return false()
    if model is Institution:
        return Institution.id == inst
    if model in (Department, Application, Assessment, SecurityEvent, ProfileChange):
        return model.institution_id == inst
    if model is PracticeRegistration:
        return or_(
            PracticeRegistration.institution_id == inst,
            PracticeRegistration.id.in_(_active_filing_registrations(inst)),
        )
    if model is Physician:
        filed = select(PracticeRegistration.physician_id).where(
            PracticeRegistration.id.in_(_active_filing_registrations(inst))
        )
        return or_(Physician.institution_id == inst, Physician.id.in_(filed))
    if model is Filing:
        return or_(
            Filing.institution_id == inst,
            Filing.registration_id.in_(
                select(PracticeRegistration.id).where(PracticeRegistration.institution_id == inst)
            ),
        )
    return false()


def _physician(model, s: Scope):
    own = s.physician_id
    if own is None:
        return false()
    if model is Physician:
        return Physician.id == own
    if model in (PracticeRegistration, Application, Assessment, SecurityEvent, ProfileChange):
        return model.physician_id == own
    if model is Filing:
        return Filing.registration_id.in_(
            select(PracticeRegistration.id).where(PracticeRegistration.physician_id == own)
        )
    if model is Qualification:
        person = select(Physician.id_number).where(Physician.id == own).scalar_subquery()
        return Qualification.id_number == person
    return false()


_BY_ROLE: dict[str, Callable] = {
    COMMISSION_REVIEWER: _reviewer,
    INSTITUTION_ADMIN: _institution_admin,
    PHYSICIAN: _physician,
}


def scope_clause(model, scope: Scope):
    """Return the condition limiting ``model`` rows to ``scope`` (None: no limit)."""
    if scope.role == ADMIN:
        return None
    rule = _BY_ROLE.get(scope.role or "")
    return false() if rule is None else rule(model, scope)


def scoped(statement, model, scope: Scope | None = None):
    """Apply the scope condition of ``model`` to a select statement."""
    clause = scope_clause(model, scope or current_scope())
    return statement if clause is None else statement.where(and_(clause))


class ScopeFilter(BaseFilter):
    """FAB base filter applying :func:`scope_clause` to every list, show, edit and delete."""

    name = "scope"

    def apply(self, query, value):
        """Limit the query to the rows the current user may see."""
        clause = scope_clause(self.model, current_scope())
        return query if clause is None else query.filter(clause)


SCOPE_FILTER = [["id", ScopeFilter, lambda: None]]
