"""What the window page shows for a year: each province's window, state, working days left and funnel."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.domain.enums import RegionLevel
from app.domain.errors import RuleViolation
from app.domain.regions import province_of
from app.domain.windows import WindowState, state_of, working_days_left
from app.models import Region, RegistrationWindow
from app.security.roles import ADMIN
from app.security.scope import Scope, scoped
from app.window.funnel import FUNNEL_KEYS, Funnel, by_province
from app.workflow.calendar import load_calendar


@dataclass
class ProvinceRow:
    """One province on the window page."""

    code: str
    name: str
    window: RegistrationWindow | None
    state: WindowState | None
    days_left: int | None
    unknown_year: int | None  # the calendar year that is not entered (days_left cannot be computed)
    funnel: Funnel = field(default_factory=lambda: Funnel("", "", {}))


def default_year(session: Session, scope: Scope | None, today: dt.date, province: str | None = None) -> int:
    """Return the current cohort year: the newest cohort whose window has opened, else this year.

    With ``province`` the province's own windows decide (public facts), else those in ``scope``.
    """
    statement = select(func.max(RegistrationWindow.cohort_year)).where(RegistrationWindow.opens_on <= today)
    if province is not None:
        statement = statement.where(RegistrationWindow.province_code == province)
    else:
        statement = scoped(statement, RegistrationWindow, scope)
    newest = session.scalar(statement)
    return newest or today.year


def provinces_in_scope(session: Session, scope: Scope) -> list[tuple[str, str]]:
    """Return (code, name) of the provinces whose windows the user sees."""
    statement = select(Region.code, Region.name).where(Region.level == RegionLevel.PROVINCE)
    if scope.role != ADMIN and scope.bounds is not None:
        statement = statement.where(Region.code == province_of(scope.jurisdiction))
    return list(session.execute(statement.order_by(Region.code)))


def _days_left(calendar, window: RegistrationWindow, today: dt.date) -> tuple[int | None, int | None]:
    try:
        return working_days_left(calendar, window.opens_on, window.closes_on, today), None
    except RuleViolation as violation:
        return None, violation.params.get("year")


def province_rows(session: Session, scope: Scope, year: int, today: dt.date,
                  only: str | None = None) -> list[ProvinceRow]:
    """Return the rows of the window page (a constant number of statements, whatever the data)."""
    provinces = [(c, n) for c, n in provinces_in_scope(session, scope) if only is None or c == only]
    windows = {w.province_code: w for w in session.scalars(scoped(
        select(RegistrationWindow).where(RegistrationWindow.cohort_year == year), RegistrationWindow, scope))}
    counts = by_province(session, year, scope)
    first = min([today] + [w.opens_on for w in windows.values()])
    last = max([today] + [w.closes_on for w in windows.values()])
    calendar = load_calendar(session, first, last)
    rows = []
    for code, name in provinces:
        window = windows.get(code)
        days, unknown = _days_left(calendar, window, today) if window else (None, None)
        rows.append(ProvinceRow(
            code, name, window, state_of(window.opens_on, window.closes_on, today) if window else None,
            days, unknown, Funnel(code, name, counts.get(code, dict.fromkeys(FUNNEL_KEYS, 0))),
        ))
    return rows


def total(rows: list[ProvinceRow], name: str) -> Funnel:
    """Return the sum of the rows' funnels."""
    return Funnel("", name, {key: sum(r.funnel.counts.get(key, 0) for r in rows) for key in FUNNEL_KEYS})


def window_row(session: Session, province: str, year: int, today: dt.date) -> ProvinceRow:
    """Return one province's window of a cohort (public facts: no funnel, no row scope)."""
    found = session.execute(
        select(Region.name, RegistrationWindow).outerjoin(
            RegistrationWindow,
            (RegistrationWindow.province_code == Region.code) & (RegistrationWindow.cohort_year == year))
        .where(Region.code == province)
    ).first()
    name, window = (found[0], found[1]) if found else (province, None)
    if window is None:
        return ProvinceRow(province, name, None, None, None, None)
    calendar = load_calendar(session, min(today, window.opens_on), max(today, window.closes_on))
    days, unknown = _days_left(calendar, window, today)
    return ProvinceRow(province, name, window, state_of(window.opens_on, window.closes_on, today), days, unknown)
