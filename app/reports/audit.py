"""One audit log: every security event and every application event, as one list built in SQL.

The two tables are joined by UNION ALL, each side inside its own row scope and narrowed by every
filter; counting and paging happen in SQL. A page takes from each side only the rows up to its end
(ordered on the side's time index) before merging; the count is the planner's estimate on a
national range of millions of events (app/counting.py). Application actions get the prefix ``app:``
so that their codes never collide with the security events' names.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import Integer, String, cast, false, func, literal, null, or_, select, union_all
from sqlalchemy.orm import aliased

from app.counting import RowCount, count_rows
from app.extensions import db
from app.models import Application, ApplicationEvent, Physician, RegistryUser, SecurityEvent
from app.reports.period import Period
from app.security.scope import Scope, scope_clause

APP_PREFIX = "app:"
MAX_TERM = 32
# built once: aliasing a mapped class copies its whole column collection, a few ms on every request
PERSON = aliased(Physician, name="person")
ACTOR = aliased(RegistryUser, name="actor")


@dataclass(frozen=True)
class AuditFilter:
    """What the log is searched for: a person (name prefix or ID number), a type, an actor, a range."""

    period: Period | None = None
    person: str = ""
    event: str = ""
    actor: str = ""
    ascending: bool = False


def _scoped(statement, model, scope: Scope):
    clause = scope_clause(model, scope)
    return statement if clause is None else statement.where(clause)


def _sides(scope: Scope, chosen: AuditFilter):
    """Return both logs in scope as two SELECTs, each narrowed by time, type, person and actor."""
    security = select(
        literal("security", String).label("source"), SecurityEvent.id.label("id"),
        SecurityEvent.created_at.label("created_at"), SecurityEvent.event.label("event"),
        SecurityEvent.physician_id.label("physician_id"), SecurityEvent.actor_id.label("actor_id"),
        SecurityEvent.user_id.label("user_id"), cast(null(), String).label("number"),
        SecurityEvent.detail.label("detail"), SecurityEvent.ip.label("ip"),
    )
    security = _scoped(security, SecurityEvent, scope)
    application = select(
        literal("application", String).label("source"), ApplicationEvent.id.label("id"),
        ApplicationEvent.created_at.label("created_at"),
        (literal(APP_PREFIX, String) + ApplicationEvent.action).label("event"),
        Application.physician_id.label("physician_id"), ApplicationEvent.actor_id.label("actor_id"),
        cast(null(), Integer).label("user_id"), Application.number.label("number"),
        ApplicationEvent.comment.label("detail"), cast(null(), String).label("ip"),
    ).join(Application, Application.id == ApplicationEvent.application_id)
    application = _scoped(application, Application, scope)
    if chosen.period is not None:
        security = security.where(SecurityEvent.created_at >= chosen.period.start_utc,
                                  SecurityEvent.created_at < chosen.period.end_utc)
        application = application.where(ApplicationEvent.created_at >= chosen.period.start_utc,
                                        ApplicationEvent.created_at < chosen.period.end_utc)
    if chosen.event.startswith(APP_PREFIX):
        security = security.where(false())
        application = application.where(ApplicationEvent.action == chosen.event.removeprefix(APP_PREFIX))
    elif chosen.event:
        security = security.where(SecurityEvent.event == chosen.event)
        application = application.where(false())
    term = chosen.person.strip()[:MAX_TERM]
    if term:  # the person of the event: a name prefix or the exact ID number
        people = select(Physician.id).where(or_(Physician.name.startswith(term, autoescape=True),
                                                Physician.id_number == term.upper()))
        security = security.where(SecurityEvent.physician_id.in_(people))
        application = application.where(Application.physician_id.in_(people))
    who = chosen.actor.strip()[:MAX_TERM]
    if who:  # who did it: the recorded actor, else the account itself (a login, a password change)
        users = select(RegistryUser.id).where(or_(RegistryUser.username.startswith(who, autoescape=True),
                                                  RegistryUser.first_name.startswith(who, autoescape=True)))
        security = security.where(func.coalesce(SecurityEvent.actor_id, SecurityEvent.user_id).in_(users))
        application = application.where(ApplicationEvent.actor_id.in_(users))
    return security, application


def count_events(scope: Scope, chosen: AuditFilter) -> RowCount:
    """Count the events matching the filter inside the scope (the planner's estimate above the threshold)."""
    return count_rows(db.session, union_all(*_sides(scope, chosen)))


def page_events(scope: Scope, chosen: AuditFilter, page: int, size: int) -> list:
    """Return one page of events: (source, id, time, event, name, id number, actor, number, detail, ip)."""
    return db.session.execute(_events(scope, chosen, page, size)).all()


def stream_events(scope: Scope, chosen: AuditFilter, chunk: int = 500) -> Iterator:
    """Yield every matching event in list order, reading ``chunk`` rows at a time (for exports)."""
    yield from db.session.execute(_events(scope, chosen, 1, 0).execution_options(yield_per=chunk))


def _events(scope: Scope, chosen: AuditFilter, page: int, size: int):
    """Return the SELECT of one page of events (every event when ``size`` is 0).

    With a page size, each log is ordered and cut to the rows up to this page's end before the two
    are merged, so each side reads its time index for a few rows instead of sorting the whole log.
    """
    security, application = _sides(scope, chosen)
    if size:
        security = _first(security, SecurityEvent, chosen.ascending, page * size)
        application = _first(application, ApplicationEvent, chosen.ascending, page * size)
    audit = union_all(security, application).subquery("audit")
    chosen_rows = select(audit).order_by(*_order(audit, chosen.ascending))
    if size:
        chosen_rows = chosen_rows.limit(size).offset((page - 1) * size)
    rows = chosen_rows.subquery("page")
    # the names of the page's people only: joined after the page is cut (many-to-one, no row added)
    person, actor = PERSON, ACTOR
    statement = (
        select(rows.c.source, rows.c.id, rows.c.created_at, rows.c.event, person.name, person.id_number,
               actor.username, rows.c.number, rows.c.detail, rows.c.ip).select_from(rows)
        .outerjoin(person, person.id == rows.c.physician_id)
        .outerjoin(actor, actor.id == func.coalesce(rows.c.actor_id, rows.c.user_id))
        .order_by(*_order(rows, chosen.ascending))
    )
    return statement


def _order(rows, ascending: bool) -> tuple:
    """Return the log's order on a merged SELECT: time, then id, then the log it comes from."""
    if ascending:
        return rows.c.created_at.asc(), rows.c.id.asc(), rows.c.source
    return rows.c.created_at.desc(), rows.c.id.desc(), rows.c.source


def _first(side, model, ascending: bool, rows: int):
    """Return the first ``rows`` events of one log in the page order (a SELECT usable in a UNION)."""
    order = (model.created_at.asc(), model.id.asc()) if ascending else (model.created_at.desc(), model.id.desc())
    cut = side.order_by(*order).limit(rows).subquery()
    return select(*cut.c)
