"""What an approval changes: the practice registration and its filings (same transaction)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.enums import ApplicationType, FilingStatus, RegistrationStatus
from app.domain.regions import in_jurisdiction
from app.models import Application, Filing, Institution, PracticeRegistration, PracticeScope
from app.workflow.cache import cached
from app.workflow.calendar import next_practice_no
from app.workflow.errors import WorkflowError


def _scopes(session: Session, codes: list[str]) -> list[PracticeScope]:
    by_code = cached(session, "scopes", lambda: {s.code: s for s in session.scalars(select(PracticeScope))})
    return [by_code[code] for code in codes]


def _institution(session: Session, institution_id: int) -> Institution:
    return cached(session, ("institution", institution_id), lambda: session.get(Institution, institution_id))


def end_filings(registration: PracticeRegistration, today: dt.date, keep_inside: str | None = None) -> None:
    """End the active filings of a registration today (except those inside ``keep_inside``)."""
    for filing in registration.filings:
        if filing.status != FilingStatus.ACTIVE:
            continue
        if keep_inside and in_jurisdiction(keep_inside, filing.institution.region_code):
            continue
        filing.status = FilingStatus.ENDED
        filing.valid_to = max(filing.valid_from, min(filing.valid_to, today))


def _check_still_open(registration: PracticeRegistration, kind: str) -> None:
    """Refuse to approve what a measure taken meanwhile has made moot (an ex-officio 注销, a 暂停执业)."""
    blocked = registration.status == RegistrationStatus.CANCELLED or (
        registration.status == RegistrationStatus.SUSPENDED
        and kind in (ApplicationType.CHANGE, ApplicationType.FILING_ADD)
    )
    if blocked:
        raise WorkflowError("registration_not_active")


def certificate_key(application: Application) -> tuple[str, str, str]:
    """Return the (level, category, location) a first registration's certificate number is drawn for."""
    data = application.data or {}
    return data["level"], data["category"], data["location_code"]


def first_registration(application: Application, institution: Institution, certificate_no: str,
                       today: dt.date) -> dict:
    """Return the columns of the registration an approved first registration creates."""
    data = application.data or {}
    return {
        "physician_id": application.physician_id,
        "qualification_id": data["qualification_id"],
        "certificate_no": certificate_no,
        "level": data["level"],
        "category": data["category"],
        "location_code": data["location_code"],
        "institution_id": institution.id,
        "region_code": institution.region_code,
        "status": RegistrationStatus.ACTIVE,
        "registered_on": today,
    }


def scope_ids(session: Session, codes: list[str]) -> list[int]:
    """Return the ids of the practice scopes ``codes`` (the scope dictionary is read once per command)."""
    return [scope.id for scope in _scopes(session, codes)]


def apply_approval(session: Session, application: Application, today: dt.date) -> PracticeRegistration | None:
    """Create or update the registration an approved application asks for; return it."""
    data = application.data or {}
    kind = application.type
    if kind == ApplicationType.FIRST:
        institution = _institution(session, data["institution_id"])
        number = next_practice_no(session, *certificate_key(application))
        registration = PracticeRegistration(
            **first_registration(application, institution, number, today),
            scopes=_scopes(session, data["scope_codes"]),
        )
        session.add(registration)
        physician = application.physician
        physician.institution_id, physician.region_code = institution.id, institution.region_code
        application.registration = registration  # inserted with the application's update
        return registration
    registration = application.registration
    _check_still_open(registration, kind)
    if kind == ApplicationType.CHANGE:
        institution = _institution(session, data["institution_id"])
        moved = data["location_code"] != registration.location_code
        registration.location_code = data["location_code"]
        registration.institution_id = institution.id
        registration.region_code = institution.region_code
        registration.scopes = _scopes(session, data["scope_codes"])
        physician = registration.physician
        physician.institution_id, physician.region_code = institution.id, institution.region_code
        if moved:  # filings must lie inside the new location
            end_filings(registration, today, keep_inside=data["location_code"])
        for filing in registration.filings:
            if filing.status == FilingStatus.ACTIVE and filing.institution_id == institution.id:
                filing.status = FilingStatus.ENDED  # the filing institution became the primary one
            if filing.status == FilingStatus.ACTIVE:
                kept = [s for s in filing.scopes if s.code in data["scope_codes"]]
                if kept:
                    filing.scopes = kept
                else:
                    filing.status = FilingStatus.ENDED
    elif kind == ApplicationType.FILING_ADD:
        session.add(Filing(
            registration_id=registration.id,
            institution_id=data["institution_id"],
            valid_from=dt.date.fromisoformat(data["valid_from"]),
            valid_to=dt.date.fromisoformat(data["valid_to"]),
            status=FilingStatus.ACTIVE,
            scopes=_scopes(session, data["scope_codes"]),
        ))
    elif kind == ApplicationType.FILING_END:
        filing = session.get(Filing, data["filing_id"])
        filing.status = FilingStatus.ENDED
        filing.valid_to = max(filing.valid_from, min(filing.valid_to, today))
    elif kind == ApplicationType.CANCEL:
        registration.status = RegistrationStatus.CANCELLED
        registration.cancel_reason = data.get("reason") or "本人申请注销"
        end_filings(registration, today)
    return registration
