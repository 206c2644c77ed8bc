"""Where a physician stands: the next thing to do, shown by the web pages and the API alike."""

from __future__ import annotations

import datetime as dt

from flask import current_app
from sqlalchemy import select

from app.domain.enums import AccountStatus, AssessmentKind, RegistrationStatus
from app.extensions import db
from app.models import Physician, PracticeRegistration

VERIFY_CONTACT = "verify_contact"
AWAIT_ACTIVATION = "await_activation"
CONTACT_INSTITUTION = "contact_institution"
FIRST_REGISTRATION = "first_registration"


def latest_registration(physician: Physician) -> PracticeRegistration | None:
    """Return the physician's current registration (a cancelled one only if there is nothing else)."""
    rows = db.session.scalars(
        select(PracticeRegistration).where(PracticeRegistration.physician_id == physician.id)
        .order_by(PracticeRegistration.registered_on.desc(), PracticeRegistration.id.desc())
    ).all()
    live = [r for r in rows if r.status != RegistrationStatus.CANCELLED]
    return (live or rows or [None])[0]


def next_step(physician: Physician, registration: PracticeRegistration | None) -> str | None:
    """Return the machine code of what the physician has to do next (None: nothing)."""
    if physician.status == AccountStatus.CREATED:
        return VERIFY_CONTACT
    if physician.status == AccountStatus.VERIFIED:
        return AWAIT_ACTIVATION
    if physician.status == AccountStatus.DISABLED:
        return CONTACT_INSTITUTION
    return FIRST_REGISTRATION if registration is None else None


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def assessment_cycle_end(registration: PracticeRegistration | None, assessments,
                         today: dt.date | None = None) -> dt.date | None:
    """Return the end of the 定期考核 cycle that contains today (cycles of N years from registration)."""
    if registration is None or registration.status == RegistrationStatus.CANCELLED:
        return None
    today = today or dt.date.today()
    years = current_app.config.get("ASSESSMENT_CYCLE_YEARS", 3)
    ends = [a.cycle_end for a in assessments if a.kind == AssessmentKind.PERIODIC]
    start = max(ends) + dt.timedelta(days=1) if ends else registration.registered_on
    end = _add_years(start, years) - dt.timedelta(days=1)
    while end < today:  # recorded cycles lie in the past: count on to the current one
        start = end + dt.timedelta(days=1)
        end = _add_years(start, years) - dt.timedelta(days=1)
    return end
