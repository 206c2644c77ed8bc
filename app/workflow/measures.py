"""The commission's measures on registrations outside applications (SPEC §5, 医师法 §17 and §42).

A reviewer cancels a registration ex officio; a failed periodic assessment suspends it (暂停执业)
until an end date 3 to 6 months later; ``lift_due_suspensions`` ends suspensions that are due.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.accounts.audit import record
from app.commands import unit_of_work
from app.domain.enums import AssessmentKind, AssessmentResult, FilingStatus, RegistrationStatus
from app.models import Assessment, PracticeRegistration
from app.security.roles import COMMISSION_REVIEWER
from app.security.scope import scoped
from app.workflow.commands import Actor, today_in_beijing
from app.workflow.errors import WorkflowError
from app.workflow.reasons import CANCELLATION_GROUNDS, compose_reason

MIN_SUSPENSION_MONTHS, MAX_SUSPENSION_MONTHS = 3, 6


def _months_later(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def cancel_registration(actor: Actor, registration_id: int, grounds: list[str], note: str | None,
                        today: dt.date | None = None) -> PracticeRegistration:
    """Cancel a registration ex officio with 医师法 §17 grounds; end its filings."""
    today = today or today_in_beijing()
    if actor.scope.role != COMMISSION_REVIEWER:
        raise WorkflowError("action_not_allowed", action="cancel")
    reason = compose_reason(grounds, note, CANCELLATION_GROUNDS)
    if not reason:
        raise WorkflowError("reason_required", action="cancel")
    with unit_of_work() as session:
        registration = session.scalars(scoped(
            select(PracticeRegistration).where(PracticeRegistration.id == registration_id),
            PracticeRegistration, actor.scope).with_for_update()).one_or_none()
        if registration is None:
            raise WorkflowError("registration_not_found")
        if registration.status == RegistrationStatus.CANCELLED:
            raise WorkflowError("already_handled", status=str(CANCELLATION_GROUNDS.get("other", "")))
        registration.status = RegistrationStatus.CANCELLED
        registration.cancel_reason = reason[:256]
        registration.suspended_until = None
        for filing in registration.filings:
            if filing.status == FilingStatus.ACTIVE:
                filing.status = FilingStatus.ENDED
                filing.valid_to = max(filing.valid_from, min(filing.valid_to, today))
        record("registration_cancelled", physician=registration.physician, actor_id=actor.user_id,
               detail=f"{registration.certificate_no}: {reason}"[:1000])
        return registration


def suspend_for_assessment(session: Session, assessment: Assessment, actor_id: int | None = None) -> None:
    """Suspend the physician's registration for a failed periodic assessment (inside the caller's unit of work)."""
    if assessment.kind != AssessmentKind.PERIODIC or assessment.result != AssessmentResult.FAILED:
        return
    until = assessment.suspended_until
    earliest = _months_later(assessment.assessed_on, MIN_SUSPENSION_MONTHS)
    latest = _months_later(assessment.assessed_on, MAX_SUSPENSION_MONTHS)
    if until is None or not earliest <= until <= latest:
        raise WorkflowError("suspension_period", earliest=earliest.isoformat(), latest=latest.isoformat())
    registration = session.scalars(select(PracticeRegistration).where(
        PracticeRegistration.physician_id == assessment.physician_id,
        PracticeRegistration.status != RegistrationStatus.CANCELLED)).first()
    if registration is None:
        return
    registration.status = RegistrationStatus.SUSPENDED
    registration.suspended_until = until
    record("registration_suspended", physician=registration.physician, actor_id=actor_id,
           detail=f"{registration.certificate_no} until {until.isoformat()}")


def lift_due_suspensions(session: Session, today: dt.date | None = None) -> int:
    """End every suspension whose end date has passed; return how many (idempotent)."""
    today = today or today_in_beijing()
    with unit_of_work(session):
        result = session.execute(
            update(PracticeRegistration)
            .where(PracticeRegistration.status == RegistrationStatus.SUSPENDED,
                   PracticeRegistration.suspended_until < today)
            .values(status=RegistrationStatus.ACTIVE, suspended_until=None)
        )
        return result.rowcount or 0
