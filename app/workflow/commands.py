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
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.orm.exc import StaleDataError

from app.commands import unit_of_work
from app.domain.enums import ApplicationStatus as S
from app.domain.enums import ApplicationType
from app.domain.errors import RuleViolation
from app.models import Application, ApplicationEvent, Institution, Physician
from app.models._base import utcnow
from app.security.scope import Scope, scoped
from app.workflow import rules
from app.workflow.cache import cached, call_cache
from app.workflow.calendar import load_calendar, next_application_no
from app.workflow.effects import apply_approval
from app.workflow.errors import WorkflowError
from app.workflow.notices import notify_holder, notify_status
from app.workflow.transitions import Transition, TransitionRefused, transition_for

BEIJING = ZoneInfo("Asia/Shanghai")
ACCEPT_WORKING_DAYS = 5
DECIDE_WORKING_DAYS = 20
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


def today_in_beijing() -> dt.date:
    """Return today's date in Beijing (deadlines and windows are Beijing days)."""
    return dt.datetime.now(BEIJING).date()


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
    """Take ``action`` on several applications in one transaction; a refused row changes nothing."""
    today = today or today_in_beijing()
    result = BulkResult()
    ids = list(dict.fromkeys(int(i) for i in application_ids))
    with unit_of_work() as session, call_cache(session):
        _begin_outer_transaction(session)
        loaded = _load_all(session, actor, ids)
        for application_id in ids:
            savepoint = session.begin_nested()
            try:
                application = loaded.get(application_id)
                if application is None:
                    raise WorkflowError("application_not_found")
                _transition(session, actor, application, action, reason, today)
                savepoint.commit()
                result.done.append(application.number)
            except WorkflowError as error:
                savepoint.rollback()
                number = session.scalar(select(Application.number).where(Application.id == application_id))
                result.refused[number or str(application_id)] = error.message
    return result


def _begin_outer_transaction(session: Session) -> None:
    """On SQLite, open the transaction before the first SAVEPOINT.

    pysqlite begins a transaction only before DML, so a SAVEPOINT issued first would open one of
    its own and its RELEASE would commit (and sync) every row: the bulk action would neither be one
    transaction nor fast. PostgreSQL needs nothing.
    """
    connection = session.connection()
    if connection.dialect.name == "sqlite" and not connection.connection.dbapi_connection.in_transaction:
        connection.exec_driver_sql("BEGIN")


def _transition(session: Session, actor: Actor, application: Application, action: str,
                reason: str | None, today: dt.date) -> None:
    try:
        transition = transition_for(action, application.status, actor.roles, reason)
    except TransitionRefused as refused:
        params = dict(refused.params)
        if refused.code == "already_handled":
            from app.labels import ENUM_LABELS

            params["status"] = ENUM_LABELS[S].get(application.status, application.status)
        raise WorkflowError(refused.code, **params) from None
    if action == "submit" or action.startswith("resubmit"):
        physician = _physician(session, actor)
        checked, _registration = _checked_data(
            session, physician, application.type, dict(application.data), today, exclude_id=application.id
        )
        application.data = checked
    source = S(application.status)
    implied = transition.implied_action(source)
    with session.no_autoflush:  # the changes, events and notices go out in one flush
        if implied:  # e.g. approving straight from 待受理 records 受理 first
            _apply(session, application, _implied_transition(implied), actor, None, today)
        _apply(session, application, transition, actor, reason, today)
        notify_status(application, reason)
        notify_holder(session, application)
    try:
        session.flush()
    except StaleDataError:
        raise WorkflowError("already_handled", status="") from None


def _implied_transition(action: str) -> Transition:
    from app.workflow.transitions import BY_ACTION

    return BY_ACTION[action]


def _due(session: Session, start: dt.date, working_days: int) -> dt.date | None:
    """Return the deadline, or None when the calendar of its year is not entered (shown as such)."""

    def compute() -> dt.date | None:
        calendar = load_calendar(session, start, start + dt.timedelta(days=120))
        try:
            return calendar.add_working_days(start, working_days)
        except RuleViolation:
            return None

    return cached(session, ("due", start, working_days), compute)


def _apply(session: Session, application: Application, transition: Transition, actor: Actor,
           reason: str | None, today: dt.date) -> None:
    now = utcnow()
    source = application.status
    application.status = transition.target
    if transition.target == S.SUBMITTED:
        application.submitted_at = now
    elif transition.target == S.PENDING_ACCEPTANCE:
        application.confirmed_at = application.confirmed_at if source == S.CORRECTION else now
        application.accept_due = _due(session, today, ACCEPT_WORKING_DAYS)
        if transition.action == "confirm":
            application.institution_opinion = reason or application.institution_opinion
    elif transition.target == S.ACCEPTED:
        application.accepted_at = now
        application.decide_due = _due(session, today, DECIDE_WORKING_DAYS)
    elif transition.target in (S.APPROVED, S.REFUSED, S.NOT_ACCEPTED):
        application.decided_at = now
        application.decision_comment = reason
        if transition.target == S.APPROVED:
            apply_approval(session, application, today)
    elif transition.target == S.RETURNED:
        application.institution_opinion = reason
    _event(session, application, source, transition.target, transition.action, actor, reason)


def _event(session: Session, application: Application, source: str | None, target: str, action: str,
           actor: Actor, comment: str | None = None) -> None:
    session.add(ApplicationEvent(
        application_id=application.id, from_status=source, to_status=target, action=action,
        actor_id=actor.user_id, actor_role=actor.scope.role, comment=comment,
    ))
