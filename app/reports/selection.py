"""Which applications a dashboard number counts: written once, for the number and the list behind it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, replace

from sqlalchemy import Date, Select, cast, func, literal, select, text
from sqlalchemy.sql.elements import ColumnElement

from app.domain.enums import ApplicationStatus as S
from app.domain.enums import ApplicationType, Category
from app.domain.errors import RuleViolation
from app.domain.regions import jurisdiction_bounds
from app.extensions import db
from app.models import Application, PracticeRegistration
from app.models.application import overdue_clause
from app.reports.period import Period
from app.security.scope import Scope, scoped

STAGES = {  # stage -> (start column, end column)
    "confirm": (Application.submitted_at, Application.confirmed_at),
    "accept": (Application.confirmed_at, Application.accepted_at),
    "decide": (Application.accepted_at, Application.decided_at),
}


def is_postgres() -> bool:
    """Tell whether the database is PostgreSQL (else SQLite)."""
    return db.session.get_bind().dialect.name == "postgresql"


def beijing_day(column) -> ColumnElement:
    """Return the Beijing calendar day of a stored (naive UTC) time, in SQL."""
    if is_postgres():
        return cast(column + text("interval '8 hours'"), Date)
    return func.date(column, "+8 hours")


def category_of() -> ColumnElement:
    """Return the application's practice category: its registration's, else the one it asks for."""
    return func.coalesce(PracticeRegistration.category, Application.data["category"].as_string())


def scope_codes():
    """Return the table of the scope codes an application asks for (one row per code, column ``value``)."""
    if is_postgres():
        return func.json_array_elements_text(Application.data["scope_codes"]).table_valued("value")
    return func.json_each(Application.data, "$.scope_codes").table_valued("value")


def region_width(scope: Scope) -> int:
    """Return how many leading digits of a region code make one row of the region count."""
    bounds = scope.bounds
    if bounds is None:
        return 2
    return 4 if bounds[1].endswith("9999") else 6


def region_bounds(code: str) -> tuple[str, str] | None:
    """Return the inclusive region-code range of a chosen region (None if not a region code)."""
    try:
        return jurisdiction_bounds(code)
    except RuleViolation:
        return None


@dataclass(frozen=True)
class Selection:
    """The applications behind one number: a range of submission days and at most one key per dimension."""

    period: Period
    status: str = ""
    type: str = ""
    category: str = ""
    scope: str = ""
    region: str = ""
    institution: int | None = None
    stage: str = ""
    overdue: bool = False

    def args(self) -> dict[str, str]:
        """Return the selection as request arguments (for links and exports)."""
        out = {} if self.overdue else self.period.args()
        for name in ("status", "type", "category", "scope", "region", "stage"):
            if getattr(self, name):
                out[name] = getattr(self, name)
        if self.institution is not None:
            out["institution"] = str(self.institution)
        if self.overdue:
            out["overdue"] = "1"
        return out

    def with_(self, **changes) -> Selection:
        """Return a copy with other keys."""
        return replace(self, **changes)


def selection_from(args: Mapping[str, str], period: Period) -> Selection:
    """Read the keys of a selection from request arguments; unknown values are ignored."""
    status = args.get("status", "")
    kind = args.get("type", "")
    category = args.get("category", "")
    region = args.get("region", "")
    institution = args.get("institution", "")
    return Selection(
        period=period,
        status=status if status in {s.value for s in S} else "",
        type=kind if kind in {t.value for t in ApplicationType} else "",
        category=category if category in {c.value for c in Category} else "",
        scope=(args.get("scope") or "")[:16],
        region=region if region_bounds(region) else "",
        institution=int(institution) if institution.isdigit() and len(institution) < 10 else None,
        stage=args.get("stage", "") if args.get("stage", "") in STAGES else "",
        overdue=args.get("overdue") == "1",
    )


def base_query(columns, scope: Scope, registration: bool = False) -> Select:
    """Return a select of ``columns`` over the scoped applications (joined to their registrations if asked)."""
    statement = select(*columns).select_from(Application)
    if registration:
        statement = statement.outerjoin(PracticeRegistration, PracticeRegistration.id == Application.registration_id)
    return scoped(statement, Application, scope)


def in_period(statement: Select, period: Period) -> Select:
    """Keep applications submitted in the period."""
    return statement.where(Application.submitted_at >= period.start_utc, Application.submitted_at < period.end_utc)


def apply_selection(statement: Select, chosen: Selection, today: dt.date, overdue=None) -> Select:
    """Apply every key of the selection to a statement made by :func:`base_query`.

    ``overdue`` replaces the overdue rule by one of its parts (:func:`overdue_by_status`, for counts).
    """
    if chosen.overdue:
        statement = statement.where(overdue_clause(today) if overdue is None else overdue)
    else:
        statement = in_period(statement, chosen.period)
    if chosen.status:
        statement = statement.where(Application.status == chosen.status)
    if chosen.type:
        statement = statement.where(Application.type == chosen.type)
    if chosen.category:
        statement = statement.where(category_of() == chosen.category)
    if chosen.scope:
        codes = scope_codes()
        asked = select(literal(1)).select_from(codes).where(codes.c.value == chosen.scope)
        statement = statement.where(asked.exists())
    if chosen.region:
        statement = statement.where(Application.region_code.between(*region_bounds(chosen.region)))
    if chosen.institution is not None:
        statement = statement.where(Application.institution_id == chosen.institution)
    if chosen.stage:
        start, end = STAGES[chosen.stage]
        statement = statement.where(start.is_not(None), end.is_not(None))
    return statement

