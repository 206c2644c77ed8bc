"""The list behind a dashboard number: a page of it, and all of it for the export (Chinese headers)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, union_all
from sqlalchemy.orm import joinedload

from app import counting
from app.counting import RowCount
from app.domain.enums import ApplicationStatus, ApplicationType
from app.domain.masking import mask_id_number
from app.extensions import db
from app.labels import format_time, label_of
from app.models import Application, Region
from app.models.application import overdue_by_status, waiting_due
from app.reports.selection import Selection, apply_selection, base_query
from app.security.scope import Scope

HEADERS = (
    _l("Application number"), _l("Application type"), _l("Status"), _l("Physician"), _l("ID number"),
    _l("Institution"), _l("Region"), _l("Submitted"), _l("Acceptance due"), _l("Decision due"),
)


def _statement(scope: Scope, chosen: Selection, today: dt.date):
    statement = base_query([Application, Region.name], scope, registration=bool(chosen.category))
    return apply_selection(statement, chosen, today).outerjoin(Region, Region.code == Application.region_code)


def count_rows(scope: Scope, chosen: Selection, today: dt.date) -> RowCount:
    """Count the applications of the selection: exact, or 「约 N」 where counting would read millions of rows."""
    base = base_query([Application.id], scope, registration=bool(chosen.category))
    if chosen.overdue:  # per waiting status, each from its own deadline index
        return counting.count_rows(db.session, union_all(*(apply_selection(base, chosen, today, overdue=part)
                                                            for part in overdue_by_status(today))))
    return counting.count_rows(db.session, apply_selection(base, chosen, today))


def list_order(chosen: Selection) -> tuple:
    """Order the list as its index reads it: the longest overdue first (ix_application_waiting), else the
    latest submitted first (ix_application_submitted), so a page never sorts the whole selection."""
    if chosen.overdue:
        return (waiting_due(), Application.submitted_at, Application.id)
    return (Application.submitted_at.desc(), Application.id.desc())


def _ordered(scope: Scope, chosen: Selection, today: dt.date):
    return (
        _statement(scope, chosen, today)
        .options(joinedload(Application.physician), joinedload(Application.institution))
        .order_by(*list_order(chosen))
    )


def page_rows(scope: Scope, chosen: Selection, today: dt.date, page: int, size: int) -> list[tuple]:
    """Return one page of (application, region name) in the list's order."""
    statement = _ordered(scope, chosen, today).limit(size).offset((page - 1) * size)
    return [tuple(r) for r in db.session.execute(statement)]


def _date(value: dt.date | None) -> str:
    return value.isoformat() if value else ""


def cells(application: Application, region: str | None) -> list[str]:
    """Return the export cells of one application (ID number masked, times in Beijing time)."""
    physician, institution = application.physician, application.institution
    return [
        application.number,
        label_of(ApplicationType, application.type),
        label_of(ApplicationStatus, application.status),
        physician.name if physician else "",
        mask_id_number(physician.id_number) if physician else "",
        institution.name if institution else "",
        region or "",
        "" if application.submitted_at is None else format_time(application.submitted_at),
        _date(application.accept_due),
        _date(application.decide_due),
    ]


def export_rows(scope: Scope, chosen: Selection, today: dt.date, chunk: int = 500) -> Iterator[list[str]]:
    """Yield the cells of every application of the selection in list order, reading ``chunk`` rows at a time."""
    statement = _ordered(scope, chosen, today).execution_options(yield_per=chunk)
    for application, region in db.session.execute(statement):
        yield cells(application, region)


def region_names(codes: list[str]) -> dict[str, str]:
    """Return the names of region codes (for a heading)."""
    return dict(db.session.execute(select(Region.code, Region.name).where(Region.code.in_(codes))).all())
