"""One audit log: every security event and every application event, as one list built in SQL.

The two tables are joined by UNION ALL, each side inside its own row scope; filtering, sorting,
counting and paging all happen on the union in SQL. Application actions get the prefix ``app:``
so that their codes never collide with the security events' names.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import Integer, String, cast, false, func, literal, null, or_, select, union_all
from sqlalchemy.orm import aliased

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


def _union(scope: Scope, chosen: AuditFilter):
    """Return the union of both logs in scope, each side already narrowed by time and type."""
    security = select(
        literal("security", String).label("source"), SecurityEvent.id.label("id"),
        SecurityEvent.created_at.label("created_at"), SecurityEvent.event.label("event"),
        SecurityEvent.physician_id.label("physician_id"), SecurityEvent.actor_id.label("actor_id"),
        SecurityEvent.user_id.label("user_id"), cast(null(), String).label("number"),
        SecurityEvent.detail.label("detail"), SecurityEvent.ip.label("ip"),
    )
    security = _scoped(security, SecurityEvent, scope)
    application = select(
        literal("application", String).label("source"), ApplicationEvent.id,
        ApplicationEvent.created_at, (literal(APP_PREFIX, String) + ApplicationEvent.action),
        Application.physician_id, ApplicationEvent.actor_id, cast(null(), Integer), Application.number,
        ApplicationEvent.comment, cast(null(), String),
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
    return union_all(security, application).subquery("audit")


def _filtered(scope: Scope, chosen: AuditFilter, columns):
    audit = _union(scope, chosen)
    person, actor = PERSON, ACTOR
    # who did it: the recorded actor, else the account itself (a login, a password change)
    statement = (
        select(*columns(audit, person, actor)).select_from(audit)
        .outerjoin(person, person.id == audit.c.physician_id)
        .outerjoin(actor, actor.id == func.coalesce(audit.c.actor_id, audit.c.user_id))
    )
    term = chosen.person.strip()[:MAX_TERM]
    if term:
        statement = statement.where(or_(person.name.startswith(term, autoescape=True),
                                        person.id_number == term.upper()))
    who = chosen.actor.strip()[:MAX_TERM]
    if who:
        statement = statement.where(or_(actor.username.startswith(who, autoescape=True),
                                        actor.first_name.startswith(who, autoescape=True)))
    return statement, audit


def count_events(scope: Scope, chosen: AuditFilter) -> int:
    """Count the events matching the filter inside the scope (one statement)."""
    statement, _audit = _filtered(scope, chosen, lambda a, p, u: [func.count()])
    return db.session.scalar(statement)


def _ordered(scope: Scope, chosen: AuditFilter):
    def columns(audit, person, actor):
        return [audit.c.source, audit.c.id, audit.c.created_at, audit.c.event, person.name, person.id_number,
                actor.username, audit.c.number, audit.c.detail, audit.c.ip]

    statement, audit = _filtered(scope, chosen, columns)
    order = (audit.c.created_at.asc(), audit.c.id.asc()) if chosen.ascending else (
        audit.c.created_at.desc(), audit.c.id.desc())
    return statement.order_by(*order, audit.c.source)


def page_events(scope: Scope, chosen: AuditFilter, page: int, size: int) -> list:
    """Return one page of events: (source, id, time, event, name, id number, actor, number, detail, ip)."""
    return db.session.execute(_ordered(scope, chosen).limit(size).offset((page - 1) * size)).all()


def stream_events(scope: Scope, chosen: AuditFilter, chunk: int = 500) -> Iterator:
    """Yield every matching event in list order, reading ``chunk`` rows at a time (for exports)."""
    yield from db.session.execute(_ordered(scope, chosen).execution_options(yield_per=chunk))
