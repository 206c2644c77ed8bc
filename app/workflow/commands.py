"""The workflow commands: the only code that creates applications or changes their status.

Every command receives an explicit ``Actor`` (user id + Scope), loads its rows through the row
scope (``FOR UPDATE`` where the database has it; the version column everywhere), asks the
transition table, applies the change, writes the ApplicationEvent rows and the outbox messages,
and commits once (``app.commands.unit_of_work``). Refusals raise WorkflowError.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.orm.exc import StaleDataError

from app.commands import unit_of_work
from app.domain.clock import today_in_beijing
from app.domain.enums import ApplicationStatus as S
from app.domain.enums import ApplicationType
from app.models import Application, ApplicationEvent, Institution, Physician
from app.models._base import utcnow
from app.security.scope import Scope, scoped
from app.workflow import bulk, rules
from app.workflow.cache import call_cache
from app.workflow.calendar import next_application_no
from app.workflow.changes import column_changes, event_row, steps_of
from app.workflow.effects import apply_approval
from app.workflow.errors import WorkflowError
from app.workflow.notices import notify_holder, notify_status
from app.workflow.transitions import Transition, TransitionRefused, transition_for

EDITABLE = (S.DRAFT, S.RETURNED, S.CORRECTION)


@dataclass(frozen=True)
class Actor:
    """Who acts: the user (None for the system) and the row scope of its role."""

    user_id: int | None
    scope: Scope

    @property
    def roles(self) -> frozenset[str]:
        """Return the role names the transition table is asked with."""
        return frozenset({self.scope.role}) if self.scope.role else frozenset()


def _load(session: Session, actor: Actor, application_id: int) -> Application:
    statement = scoped(select(Application).where(Application.id == application_id), Application, actor.scope)
    # the physician comes along: every action notifies them (the lock stays on the application row)
    statement = statement.options(joinedload(Application.physician, innerjoin=True))
    application = session.scalars(statement.with_for_update(of=Application)).unique().one_or_none()
    if application is None:
        raise WorkflowError("application_not_found")
    return application


def _load_all(session: Session, actor: Actor, ids: list[int]) -> dict[int, Application]:
    """Lock and load the applications of a bulk action in one statement (in id order: no deadlock)."""
    statement = scoped(select(Application).where(Application.id.in_(ids)), Application, actor.scope)
    statement = statement.options(joinedload(Application.physician, innerjoin=True)).order_by(Application.id)
    return {a.id: a for a in session.scalars(statement.with_for_update(of=Application)).unique()}


def _physician(session: Session, actor: Actor) -> Physician:
    physician = session.get(Physician, actor.scope.physician_id) if actor.scope.physician_id else None
    if physician is None:
        raise WorkflowError("action_not_allowed", action="file")
    return physician


def _checked_data(session: Session, physician: Physician, kind: str, data: dict, today: dt.date,
                  exclude_id: int | None = None) -> tuple[dict, int | None]:
    """Run every rule of the application type; return the normalised data and the registration id."""
    rules.check_can_file(session, physician, kind, exclude_id)
    if kind == ApplicationType.FIRST:
        return rules.check_first(session, physician, data, today), None
    registration = rules.active_registration(session, physician.id)
    checks = {
        ApplicationType.CHANGE: lambda: rules.check_change(session, registration, data),
        ApplicationType.FILING_ADD: lambda: rules.check_filing_add(session, registration, data, today),
        ApplicationType.FILING_END: lambda: rules.check_filing_end(session, registration, data),
        ApplicationType.CANCEL: lambda: {**data, "institution_id": registration.institution_id},
    }
    if kind not in checks:
        raise WorkflowError("unknown_action", action=kind)
    return checks[kind](), registration.id


def _institution_region(session: Session, institution_id: int) -> str:
    return session.get(Institution, institution_id).region_code


def _draft_defaults(session: Session, physician: Physician, kind: str, data: dict) -> tuple[dict, int | None]:
    """Fill what a new draft needs before any step: the qualification, the registration, an institution."""
    if kind == ApplicationType.FIRST:
        qualification = rules.newest_qualification(session, physician)
        return {"qualification_id": qualification.id if qualification else None,
                "institution_id": physician.institution_id, **data}, None
    registration = rules.active_registration(session, physician.id)
    return {"institution_id": registration.institution_id, **data}, registration.id


def create_application(actor: Actor, kind: str, data: dict, submit: bool = True,
                       today: dt.date | None = None) -> Application:
    """File an application of ``kind`` for the acting physician: submitted at once, or a draft to fill in."""
    today = today or today_in_beijing()
    with unit_of_work() as session:
        physician = _physician(session, actor)
        if kind not in {t.value for t in ApplicationType} or kind not in rules.FILEABLE:
            raise WorkflowError("unknown_action", action=kind)
        if submit:
            checked, registration_id = _checked_data(session, physician, kind, dict(data), today)
        else:
            rules.check_can_file(session, physician, kind)
            checked, registration_id = _draft_defaults(session, physician, kind, dict(data))
            if not checked.get("institution_id"):
                raise WorkflowError("institution_required")
        application = Application(
            number=next_application_no(session, today),
            type=kind,
            status=S.DRAFT,
            physician_id=physician.id,
            registration_id=registration_id,
            institution_id=checked["institution_id"],
            region_code=_institution_region(session, checked["institution_id"]),
            data=checked,
        )
        session.add(application)
        session.flush()
        _event(session, application, None, S.DRAFT, "create", actor)
        if submit:
            _transition(session, actor, application, "submit", None, today)
        return application


def save_step(actor: Actor, application_id: int, step: str, data: dict, today: dt.date | None = None) -> Application:
    """Check one wizard step and keep its answers in the application (its status stays)."""
    today = today or today_in_beijing()
    with unit_of_work() as session:
        application = _load(session, actor, application_id)
        physician = _physician(session, actor)
        if application.status not in EDITABLE or application.physician_id != physician.id:
            raise WorkflowError("not_editable")
        from app.workflow.uploads import keep_uploads  # files are attached by their own command only

        answers = keep_uploads(application.data, {**application.data, **data})
        merged = rules.check_step(session, physician, application, step, answers, today)
        application.data = merged
        if merged.get("institution_id") and merged["institution_id"] != application.institution_id:
            application.institution_id = merged["institution_id"]
            application.region_code = _institution_region(session, merged["institution_id"])
        return application


def act(actor: Actor, application_id: int, action: str, reason: str | None = None,
        today: dt.date | None = None) -> Application:
    """Take ``action`` on one application, as the transition table allows."""
    today = today or today_in_beijing()
    with unit_of_work() as session, call_cache(session):
        application = _load(session, actor, application_id)
        _transition(session, actor, application, action, reason, today)
        return application


@dataclass
class BulkResult:
    """What a bulk action did: the numbers that succeeded and, per failed number, the message."""

    done: list[str] = field(default_factory=list)
    refused: dict[str, str] = field(default_factory=dict)


def act_many(actor: Actor, application_ids: Iterable[int], action: str, reason: str | None = None,
             today: dt.date | None = None) -> BulkResult:
    """Take ``action`` on several applications in one transaction; a refused row changes nothing.

    Every guard is checked in Python first; the rows that pass are written set-based
    (``app.workflow.bulk``: one statement per kind of write, whatever their number). Rows the bulk
    writer does not handle, and all of them when its write fails, go one by one, each in a
    savepoint of its own.
    """
    today = today or today_in_beijing()
    ids = list(dict.fromkeys(int(i) for i in application_ids))
    done: dict[int, str] = {}
    refused: dict[int, tuple[str, str]] = {}
    with unit_of_work() as session, call_cache(session):
        _begin_outer_transaction(session)
        loaded = _load_all(session, actor, ids)
        plans, one_by_one = [], []
        for application_id in ids:
            application = loaded.get(application_id)
            if application is None:
                refused[application_id] = ("", WorkflowError("application_not_found").message)
            elif not bulk.handles(action, application):
                one_by_one.append(application_id)
            else:
                try:
                    plans.append(bulk.Plan(application, plan_steps(application, action, actor, reason)))
                except WorkflowError as error:
                    refused[application_id] = (application.number, error.message)
        if plans:
            try:
                with session.begin_nested():
                    bulk.write(session, actor, plans, reason, today)
                done.update((plan.application.id, plan.application.number) for plan in plans)
            except (IntegrityError, bulk.StaleRows):  # e.g. a unique index: find the row, one by one
                one_by_one.extend(plan.application.id for plan in plans)
            bulk.forget(session, plans)
        for application_id in sorted(one_by_one, key=ids.index):
            savepoint = session.begin_nested()
            try:
                application = loaded[application_id]
                _transition(session, actor, application, action, reason, today)
                savepoint.commit()
                done[application_id] = application.number
            except WorkflowError as error:
                savepoint.rollback()
                refused[application_id] = ("", error.message)
        numbers = _numbers(session, [i for i, (number, _m) in refused.items() if not number])
    result = BulkResult()
    for application_id in ids:
        if application_id in done:
            result.done.append(done[application_id])
        else:
            number, message = refused[application_id]
            result.refused[number or numbers.get(application_id, str(application_id))] = message
    return result


def _numbers(session: Session, ids: list[int]) -> dict[int, str]:
    """Return the numbers of the applications ``ids`` in one statement."""
    if not ids:
        return {}
    return dict(session.execute(select(Application.id, Application.number).where(Application.id.in_(ids))).all())


def _begin_outer_transaction(session: Session) -> None:
    """On SQLite, open the transaction before the first SAVEPOINT.

    pysqlite begins a transaction only before DML, so a SAVEPOINT issued first would open one of
    its own and its RELEASE would commit (and sync) every row: the bulk action would neither be one
    transaction nor fast. PostgreSQL needs nothing.
    """
    connection = session.connection()
    if connection.dialect.name == "sqlite" and not connection.connection.dbapi_connection.in_transaction:
        connection.exec_driver_sql("BEGIN")


def plan_steps(application: Application, action: str, actor: Actor, reason: str | None) -> tuple[Transition, ...]:
    """Return the transitions ``action`` records on ``application`` (guards of the table checked), or refuse."""
    try:
        transition = transition_for(action, application.status, actor.roles, reason)
    except TransitionRefused as refused:
        params = dict(refused.params)
        if refused.code == "already_handled":
            from app.labels import ENUM_LABELS

            params["status"] = ENUM_LABELS[S].get(application.status, application.status)
        raise WorkflowError(refused.code, **params) from None
    return steps_of(transition, application.status)


def _transition(session: Session, actor: Actor, application: Application, action: str,
                reason: str | None, today: dt.date) -> None:
    steps = plan_steps(application, action, actor, reason)
    if action == "submit" or action.startswith("resubmit"):
        physician = _physician(session, actor)
        checked, _registration = _checked_data(
            session, physician, application.type, dict(application.data), today, exclude_id=application.id
        )
        application.data = checked
    with session.no_autoflush:  # the changes, events and notices go out in one flush
        for step in steps:  # e.g. approving straight from 待受理 records 受理 first
            _apply(session, application, step, actor, reason if step is steps[-1] else None, today)
        notify_status(application, reason)
        notify_holder(session, application)
    try:
        session.flush()
    except StaleDataError:
        raise WorkflowError("already_handled", status="") from None


def _apply(session: Session, application: Application, transition: Transition, actor: Actor,
           reason: str | None, today: dt.date) -> None:
    source = application.status
    for name, value in column_changes(session, application, transition, reason, today, utcnow()).items():
        setattr(application, name, value)
    if transition.target == S.APPROVED:
        apply_approval(session, application, today)
    _event(session, application, source, transition.target, transition.action, actor, reason)


def _event(session: Session, application: Application, source: str | None, target: str, action: str,
           actor: Actor, comment: str | None = None) -> None:
    session.add(ApplicationEvent(**event_row(
        application.id, source, target, action, actor.user_id, actor.scope.role, comment)))
