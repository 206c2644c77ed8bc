"""The commission's measures on registrations outside applications (SPEC §5, 医师法 §17 and §42).

A reviewer cancels a registration ex officio (注销注册, with 医师法 §17 grounds); a failed periodic
assessment recorded or corrected by a reviewer suspends it (暂停执业) until an end date 3 to 6
months after the decision; ``lift_due_suspensions`` ends the suspensions that are due. Each change
writes a security event and tells the physician and the institutions through the outbox.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.audit import record
from app.commands import unit_of_work
from app.domain.clock import today_in_beijing
from app.domain.enums import AssessmentKind, AssessmentResult, FilingStatus, RegistrationStatus
from app.models import Assessment, PracticeRegistration
from app.security.roles import COMMISSION_REVIEWER
from app.security.scope import scoped
from app.workflow.commands import Actor
from app.workflow.effects import end_filings
from app.workflow.errors import WorkflowError
from app.workflow.measure_notices import notify_cancelled, notify_reinstated, notify_suspended
from app.workflow.reasons import CANCELLATION_GROUNDS, compose_reason

MIN_SUSPENSION_MONTHS, MAX_SUSPENSION_MONTHS = 3, 6
MAX_NOTE = 200


def months_later(day: dt.date, months: int) -> dt.date:
    """Return the same day ``months`` later (the month's last day when it is shorter)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def suspension_bounds(today: dt.date) -> tuple[dt.date, dt.date]:
    """Return the earliest and latest end date of a suspension decided ``today`` (3 to 6 months)."""
    return months_later(today, MIN_SUSPENSION_MONTHS), months_later(today, MAX_SUSPENSION_MONTHS)


def _require_reviewer(actor: Actor) -> None:
    if actor.scope.role != COMMISSION_REVIEWER:
        raise WorkflowError("measure_not_allowed")


def cancellation_reason(grounds: Sequence[str], note: str | None) -> str:
    """Check the §17 grounds and the explanation; return the reason to record."""
    chosen = list(dict.fromkeys(grounds))
    if not chosen:
        raise WorkflowError("cancellation_ground_required")
    if any(key not in CANCELLATION_GROUNDS for key in chosen):
        raise WorkflowError("cancellation_ground_unknown")
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        raise WorkflowError("cancellation_note_too_long", maximum=MAX_NOTE)
    if "other" in chosen and not note:
        raise WorkflowError("cancellation_note_required")
    ordered = [key for key in CANCELLATION_GROUNDS if key in chosen]  # the law's order
    return compose_reason(ordered, note, CANCELLATION_GROUNDS)


def cancel_registration(actor: Actor, registration_id: int, grounds: Sequence[str], note: str | None,
                        today: dt.date | None = None) -> PracticeRegistration:
    """Cancel a registration ex officio with 医师法 §17 grounds; end its filings; audit and notify."""
    today = today or today_in_beijing()
    _require_reviewer(actor)
    reason = cancellation_reason(grounds, note)
    with unit_of_work() as session:
        registration = session.scalars(scoped(
            select(PracticeRegistration).where(PracticeRegistration.id == registration_id),
            PracticeRegistration, actor.scope).with_for_update()).one_or_none()
        if registration is None:
            raise WorkflowError("registration_not_found")
        if registration.status == RegistrationStatus.CANCELLED:
            raise WorkflowError("registration_already_cancelled")
        ended = [f for f in registration.filings if f.status == FilingStatus.ACTIVE]
        registration.status = RegistrationStatus.CANCELLED
        registration.cancel_reason = reason[:256]
        registration.suspended_until = None
        end_filings(registration, today)
        record("registration_cancelled", physician=registration.physician, actor_id=actor.user_id,
               institution_id=registration.institution_id,
               detail=f"{registration.certificate_no}: {reason}"[:1000])
        notify_cancelled(session, registration, reason, today, [f.institution_id for f in ended])
        return registration


def _registration_of(session: Session, actor: Actor, physician_id: int) -> PracticeRegistration | None:
    return session.scalars(scoped(
        select(PracticeRegistration).where(
            PracticeRegistration.physician_id == physician_id,
            PracticeRegistration.status != RegistrationStatus.CANCELLED),
        PracticeRegistration, actor.scope).order_by(PracticeRegistration.id.desc()).with_for_update()).first()


def _suspends(result: str | None, kind: str | None) -> bool:
    return result == AssessmentResult.FAILED and kind == AssessmentKind.PERIODIC


def apply_assessment(session: Session, actor: Actor, assessment: Assessment,
                     before: tuple[str | None, str | None, dt.date | None] | None = None,
                     today: dt.date | None = None) -> str | None:
    """Suspend, re-date or reinstate the registration as a recorded or corrected assessment requires.

    Runs inside the caller's unit of work (the assessment and the registration commit together).
    ``before`` is the assessment's (result, kind, suspended_until) before a correction, None when it
    is new. Returns "suspended", "no_registration" (a 不合格 with no registration to suspend),
    "reinstated" or None (nothing to do).
    """
    today = today or today_in_beijing()
    with session.no_autoflush:  # the assessment is saved with the registration, once both are checked
        return _apply_assessment(session, actor, assessment, before, today)


def _apply_assessment(session: Session, actor: Actor, assessment: Assessment,
                      before: tuple[str | None, str | None, dt.date | None] | None, today: dt.date) -> str | None:
    physician_id = assessment.physician.id if assessment.physician else assessment.physician_id
    was_suspending = before is not None and _suspends(before[0], before[1]) and before[2] is not None
    if _suspends(assessment.result, assessment.kind):
        if was_suspending and before[2] == assessment.suspended_until:
            return None  # e.g. only the note was corrected: the suspension ordered stays as it is
        _require_reviewer(actor)
        return "suspended" if suspend_for_assessment(session, actor, assessment, physician_id, today) else "no_registration"
    if assessment.result != AssessmentResult.FAILED:
        assessment.suspended_until = None
    if was_suspending:
        _require_reviewer(actor)
        return "reinstated" if reinstate(session, actor, physician_id, before[2]) else None
    return None


def suspend_for_assessment(session: Session, actor: Actor, assessment: Assessment, physician_id: int,
                           today: dt.date) -> PracticeRegistration | None:
    """Suspend the physician's registration until the assessment's end date (default: 3 months)."""
    earliest, latest = suspension_bounds(today)
    until = assessment.suspended_until or earliest
    if not earliest <= until <= latest:
        raise WorkflowError("suspension_period", earliest=earliest.isoformat(), latest=latest.isoformat())
    if assessment.assessed_on and assessment.assessed_on > today:
        raise WorkflowError("assessment_in_future")
    assessment.suspended_until = until
    registration = _registration_of(session, actor, physician_id)
    if registration is None:
        return None
    registration.status = RegistrationStatus.SUSPENDED
    registration.suspended_until = until
    record("registration_suspended", physician=registration.physician, actor_id=actor.user_id,
           institution_id=registration.institution_id, detail=f"{registration.certificate_no}: {until.isoformat()}")
    notify_suspended(session, registration, until)
    return registration


def reinstate(session: Session, actor: Actor, physician_id: int, until: dt.date) -> PracticeRegistration | None:
    """End the suspension a corrected or removed assessment had ordered (only that one)."""
    registration = _registration_of(session, actor, physician_id)
    if registration is None or registration.status != RegistrationStatus.SUSPENDED or registration.suspended_until != until:
        return None
    registration.status = RegistrationStatus.ACTIVE
    registration.suspended_until = None
    record("registration_reinstated", physician=registration.physician, actor_id=actor.user_id,
           institution_id=registration.institution_id, detail=f"{registration.certificate_no}: {until.isoformat()}")
    notify_reinstated(registration, until)
    return registration


def lift_due_suspensions(session: Session, today: dt.date | None = None) -> int:
    """End every suspension whose end date has passed; return how many (a second run finds none)."""
    today = today or today_in_beijing()
    with unit_of_work(session):
        due = session.scalars(
            select(PracticeRegistration)
            .where(PracticeRegistration.status == RegistrationStatus.SUSPENDED,
                   PracticeRegistration.suspended_until < today)
            .order_by(PracticeRegistration.id).with_for_update()
        ).all()
        for registration in due:
            until = registration.suspended_until
            registration.status = RegistrationStatus.ACTIVE
            registration.suspended_until = None
            record("registration_reinstated", physician=registration.physician,
                   institution_id=registration.institution_id, detail=f"{registration.certificate_no}: {until.isoformat()}")
            notify_reinstated(registration, until)
        return len(due)


def remove_assessment(session: Session, actor: Actor, assessment: Assessment) -> str | None:
    """Before a failed assessment is deleted, end the suspension it ordered (inside the caller's unit of work)."""
    if not _suspends(assessment.result, assessment.kind) or assessment.suspended_until is None:
        return None
    _require_reviewer(actor)
    with session.no_autoflush:
        return "reinstated" if reinstate(session, actor, assessment.physician_id, assessment.suspended_until) else None
