"""The audit log's query as it was before each side was cut to the page: the reference of its rows.

Both logs are merged first (UNION ALL, scope, time and type on each side), then the person and the
actor are joined and filtered on the merged rows, ordered and paged: slow at millions of events,
obviously right. tests/test_list_estimates.py checks the fast query against it.
"""

from __future__ import annotations

from sqlalchemy import Integer, String, cast, false, func, literal, null, or_, select, union_all

from app.extensions import db
from app.models import Application, ApplicationEvent, SecurityEvent
from app.reports.audit import ACTOR, APP_PREFIX, MAX_TERM, PERSON, AuditFilter
from app.security.scope import Scope, scope_clause


def _scoped(statement, model, scope: Scope):
    clause = scope_clause(model, scope)
    return statement if clause is None else statement.where(clause)


def reference_page(scope: Scope, chosen: AuditFilter, page: int, size: int) -> list:
    """Return one page of the log, merged first and filtered after the merge."""
    security = _scoped(select(
        literal("security", String).label("source"), SecurityEvent.id.label("id"),
        SecurityEvent.created_at.label("created_at"), SecurityEvent.event.label("event"),
        SecurityEvent.physician_id.label("physician_id"), SecurityEvent.actor_id.label("actor_id"),
        SecurityEvent.user_id.label("user_id"), cast(null(), String).label("number"),
        SecurityEvent.detail.label("detail"), SecurityEvent.ip.label("ip"),
    ), SecurityEvent, scope)
    application = _scoped(select(
        literal("application", String), ApplicationEvent.id, ApplicationEvent.created_at,
        literal(APP_PREFIX, String) + ApplicationEvent.action, Application.physician_id,
        ApplicationEvent.actor_id, cast(null(), Integer), Application.number, ApplicationEvent.comment,
        cast(null(), String),
    ).join(Application, Application.id == ApplicationEvent.application_id), Application, scope)
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
    audit = union_all(security, application).subquery("audit")
    statement = (
        select(audit.c.source, audit.c.id, audit.c.created_at, audit.c.event, PERSON.name, PERSON.id_number,
               ACTOR.username, audit.c.number, audit.c.detail, audit.c.ip).select_from(audit)
        .outerjoin(PERSON, PERSON.id == audit.c.physician_id)
        .outerjoin(ACTOR, ACTOR.id == func.coalesce(audit.c.actor_id, audit.c.user_id))
    )
    term, who = chosen.person.strip()[:MAX_TERM], chosen.actor.strip()[:MAX_TERM]
    if term:
        statement = statement.where(or_(PERSON.name.startswith(term, autoescape=True),
                                        PERSON.id_number == term.upper()))
    if who:
        statement = statement.where(or_(ACTOR.username.startswith(who, autoescape=True),
                                        ACTOR.first_name.startswith(who, autoescape=True)))
    order = (audit.c.created_at.asc(), audit.c.id.asc()) if chosen.ascending else (
        audit.c.created_at.desc(), audit.c.id.desc())
    statement = statement.order_by(*order, audit.c.source)
    if size:
        statement = statement.limit(size).offset((page - 1) * size)
    return db.session.execute(statement).all()
