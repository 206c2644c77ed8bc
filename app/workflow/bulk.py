"""The set-based writer of ``act_many``: a constant number of statements for a bulk of applications.

``act_many`` checks every guard of the transition table in Python first (``plan_steps``); the
rows that pass come here as plans. The same rules as the single path decide what is written
(``changes.column_changes``, ``effects.first_registration``, ``notices``), but each kind of row
goes out in one statement: the certificate counters (one UPDATE … RETURNING per prefix, which
locks that counter row until the transaction ends), the registrations (one INSERT … RETURNING),
their scopes, the physicians (one UPDATE per new institution), the applications (one UPDATE per
set of equal changes, checked against the version each row was loaded with), the events and the
outbox messages. A failed write raises; ``act_many`` then rolls back the savepoint around it and
takes the rows one by one.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from types import SimpleNamespace

from sqlalchemy import bindparam, insert, select, tuple_, update
from sqlalchemy.orm import Session

from app.domain.enums import ApplicationStatus as S
from app.domain.enums import ApplicationType
from app.models import Application, ApplicationEvent, Institution, Message, Physician, PracticeRegistration
from app.models._base import utcnow
from app.models.physician import registration_scope
from app.summaries import touch_applications, touch_physicians
from app.workflow import notices
from app.workflow.calendar import next_practice_nos
from app.workflow.changes import column_changes, event_row
from app.workflow.effects import certificate_key, first_registration, scope_ids
from app.workflow.transitions import BY_ACTION, Transition

# The physician's own actions run the submission rules per application: never in bulk here.
PER_ROW_ACTIONS = frozenset({"submit", "resubmit", "resubmit_correction", "withdraw"})
BATCH = 1000
_APPLICATION = Application.__table__
_PHYSICIAN = Physician.__table__
_REGISTRATION = PracticeRegistration.__table__
# One statement text whatever the rows (a CASE of N ids would be compiled anew for every bulk): an
# approved first registration points at the registration created for its physician in this bulk.
_NEW_REGISTRATION = (
    select(_REGISTRATION.c.id)
    .where(_REGISTRATION.c.physician_id == _APPLICATION.c.physician_id)
    .where(_REGISTRATION.c.id.in_(bindparam("new_registrations", expanding=True)))
    .scalar_subquery()
)


class StaleRows(Exception):
    """An application changed after it was loaded (its version moved): take the rows one by one."""


@dataclass(frozen=True)
class Plan:
    """An application whose guards passed, and the transitions to record on it (an implied one first)."""

    application: Application
    steps: tuple[Transition, ...]


def handles(action: str, application: Application) -> bool:
    """Return whether the bulk writer writes ``action`` on ``application``.

    Approvals of 变更, 备案 and 注销 edit an existing registration and its filings through the ORM:
    those go one by one, as do the physician's own actions.
    """
    if action in PER_ROW_ACTIONS:
        return False
    transition = BY_ACTION.get(action)
    if transition is not None and transition.target == S.APPROVED:
        return application.type == ApplicationType.FIRST
    return True


def write(session: Session, actor, plans: list[Plan], reason: str | None, today: dt.date) -> None:
    """Write every plan's transitions, effects, events and notices, one statement per kind of row."""
    now = utcnow()
    changes: dict[int, dict] = {}
    events: list[dict] = []
    messages: list[dict] = []
    approved: list[Application] = []
    changed: list[tuple[Application, str]] = []
    for plan in plans:
        application = plan.application
        current = SimpleNamespace(status=application.status, confirmed_at=application.confirmed_at,
                                  institution_opinion=application.institution_opinion)
        row: dict = {}
        for step in plan.steps:
            comment = reason if step is plan.steps[-1] else None
            step_changes = column_changes(session, current, step, comment, today, now)
            events.append(event_row(application.id, current.status, step.target, step.action, actor.user_id,
                                    actor.scope.role, comment) | {"created_at": now})
            row.update(step_changes)
            for name, value in step_changes.items():
                setattr(current, name, value)
        changes[application.id] = row
        if current.status == S.APPROVED:
            approved.append(application)
        changed.append((application, current.status))
        messages.extend(notices.holder_notices(session, application, current.status))
    messages[:0] = notices.status_notices(changed, reason)
    registrations = _register(session, approved, today)
    _update_applications(session, plans, changes, registrations)
    touch_physicians(session, (plan.application.physician_id for plan in plans))  # the window's counts
    touch_applications(session, (plan.application.id for plan in plans))  # the dashboard's
    session.execute(insert(ApplicationEvent.__table__), events)
    if messages:
        session.execute(insert(Message.__table__), messages)


def _register(session: Session, applications: list[Application], today: dt.date) -> dict[int, int]:
    """Create the registrations of approved first registrations; return application id -> registration id."""
    if not applications:
        return {}
    wanted = {application.data["institution_id"] for application in applications}
    institutions = {i.id: i for i in session.scalars(select(Institution).where(Institution.id.in_(wanted)))}
    numbers = next_practice_nos(session, [certificate_key(application) for application in applications])
    rows = [first_registration(application, institutions[application.data["institution_id"]], number, today)
            for application, number in zip(applications, numbers, strict=True)]
    # matched by the (unique) certificate number: SQLite cannot return a multi-row insert in order
    statement = insert(_REGISTRATION).returning(_REGISTRATION.c.certificate_no, _REGISTRATION.c.id)
    by_number = dict(session.execute(statement, rows).all())
    ids = [by_number[number] for number in numbers]
    session.execute(insert(registration_scope), [
        {"registration_id": registration_id, "scope_id": scope_id}
        for application, registration_id in zip(applications, ids, strict=True)
        for scope_id in scope_ids(session, application.data["scope_codes"])
    ])
    # the physician takes the institution (rows that already have it are not written, as the ORM would not)
    moves: dict[tuple[int, str], list[int]] = defaultdict(list)
    for application in applications:
        institution, physician = institutions[application.data["institution_id"]], application.physician
        if (physician.institution_id, physician.region_code) != (institution.id, institution.region_code):
            moves[(institution.id, institution.region_code)].append(physician.id)
    for (institution_id, region_code), physician_ids in moves.items():
        session.execute(update(_PHYSICIAN).where(_PHYSICIAN.c.id.in_(physician_ids))
                        .values(institution_id=institution_id, region_code=region_code))
    return {application.id: registration_id for application, registration_id in zip(applications, ids, strict=True)}


def _update_applications(session: Session, plans: list[Plan], changes: dict[int, dict],
                         registrations: dict[int, int]) -> None:
    """Update the applications: one statement per set of equal changes, each row at its loaded version."""
    groups: dict[tuple, list[Application]] = defaultdict(list)
    for plan in plans:
        key = tuple(sorted(changes[plan.application.id].items())), plan.application.id in registrations
        groups[key].append(plan.application)
    for key, members in groups.items():
        for start in range(0, len(members), BATCH):
            chunk = members[start:start + BATCH]
            values = dict(key[0]) | {"version": _APPLICATION.c.version + 1}
            parameters = {"loaded_at": [(a.id, a.version) for a in chunk]}
            linked = [registrations[a.id] for a in chunk if a.id in registrations]
            if key[1]:  # the registration just created for the application's physician
                values["registration_id"] = _NEW_REGISTRATION
                parameters["new_registrations"] = linked
            statement = update(_APPLICATION).where(
                tuple_(_APPLICATION.c.id, _APPLICATION.c.version).in_(bindparam("loaded_at", expanding=True)))
            if session.execute(statement.values(values), parameters).rowcount != len(chunk):
                raise StaleRows()


def forget(session: Session, plans: list[Plan]) -> None:
    """Expire the applications and physicians the Core statements changed (read again on next use)."""
    for plan in plans:
        state = plan.application.__dict__
        if "physician" in state:
            session.expire(state["physician"])
        session.expire(plan.application)
