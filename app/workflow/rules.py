"""The rules an application must satisfy when it is submitted (SPEC §3), read from the database.

Each check raises WorkflowError with a code whose message says what to do. The partial unique
indexes on ``application`` stay the last line of defence for "one open application".
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import current_app
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app.documents.certificates import certificate_exists
from app.documents.photos import photo_exists
from app.domain.eligibility import (
    TrainingProof,
    Window,
    check_training_proof,
    check_window,
    needs_training_proof,
)
from app.domain.enums import (
    OPEN_APPLICATION_STATUSES,
    AccountStatus,
    ApplicationType,
    Category,
    FilingStatus,
    PracticeLevel,
    RegionLevel,
    RegistrationStatus,
)
from app.domain.errors import RuleViolation
from app.domain.location import validate_location
from app.domain.regions import in_jurisdiction, province_of
from app.domain.scopes import validate_filing_scopes, validate_scope_choice
from app.models import (
    Application,
    Filing,
    Institution,
    Physician,
    PracticeRegistration,
    PracticeScope,
    Qualification,
    Region,
    RegistrationWindow,
)
from app.workflow.errors import WorkflowError

FILEABLE = frozenset({
    ApplicationType.FIRST, ApplicationType.CHANGE, ApplicationType.FILING_ADD,
    ApplicationType.FILING_END, ApplicationType.CANCEL,
})
# The wizard's steps per application type, in order; "review" is the last page of each.
STEPS: dict[str, tuple[str, ...]] = {
    ApplicationType.FIRST: ("photo", "location", "institution", "scopes", "training", "review"),
    ApplicationType.CHANGE: ("location", "institution", "scopes", "review"),
    ApplicationType.FILING_ADD: ("institution", "scopes", "period", "review"),
    ApplicationType.FILING_END: ("filing", "review"),
    ApplicationType.CANCEL: ("reason", "review"),
}


def _date(value: Any) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None


def _rule(call, *args, **kwargs):
    try:
        return call(*args, **kwargs)
    except RuleViolation as violation:
        raise WorkflowError.from_rule(violation) from None


def active_registration(session: Session, physician_id: int) -> PracticeRegistration | None:
    """Return the physician's registration that is not cancelled (the one 变更/备案/注销 act on)."""
    return session.scalars(
        select(PracticeRegistration)
        .where(PracticeRegistration.physician_id == physician_id)
        .where(PracticeRegistration.status != RegistrationStatus.CANCELLED)
        .order_by(PracticeRegistration.id.desc())
    ).first()


def check_can_file(session: Session, physician: Physician, kind: str, exclude_id: int | None = None) -> None:
    """Refuse an inactive account, a second open application, and blocked registrations."""
    if physician.status != AccountStatus.ACTIVE:
        raise WorkflowError("account_not_active")
    open_one = session.scalars(
        select(Application)
        .where(Application.physician_id == physician.id, Application.status.in_(OPEN_APPLICATION_STATUSES))
        .where(Application.id != (exclude_id or 0))
    ).first()
    if open_one is not None:
        raise WorkflowError("one_open_application", number=open_one.number)
    registration = active_registration(session, physician.id)
    if kind == ApplicationType.FIRST:
        if registration is not None:
            raise WorkflowError("already_registered")
        return
    if registration is None:
        raise WorkflowError("registration_required")
    if registration.status != RegistrationStatus.ACTIVE and kind != ApplicationType.CANCEL:
        raise WorkflowError("registration_blocked")


def _institution(session: Session, institution_id: Any) -> Institution:
    if not institution_id:
        raise WorkflowError("institution_required")
    try:
        institution = session.get(Institution, int(institution_id))
    except (TypeError, ValueError):
        institution = None
    if institution is None:
        raise WorkflowError("institution_unknown")
    if institution.is_military:
        raise WorkflowError("institution_military")
    return institution


def _location(session: Session, level: str, code: Any, institution: Institution) -> Region:
    if not code:
        raise WorkflowError("location_required")
    region = session.get(Region, str(code))
    if region is None or not region.active:
        raise WorkflowError("location_unknown")
    if level == PracticeLevel.ASSISTANT and region.level == RegionLevel.PREFECTURE and not _has_counties(session, region):
        # 东莞, 中山, 儋州, 嘉峪关: a prefecture-level city without counties is the county-level location.
        if not in_jurisdiction(region.code, institution.region_code):
            raise WorkflowError("institution_outside_location")
        return region
    _rule(validate_location, PracticeLevel(level), region.code, institution.region_code)
    return region


def _has_counties(session: Session, region: Region) -> bool:
    return session.scalar(
        select(Region.code).where(Region.parent_code == region.code, Region.level == RegionLevel.COUNTY).limit(1)
    ) is not None


def allowed_scopes(session: Session, category: str, location_code: str) -> dict[str, PracticeScope]:
    """Return the scopes open to a category at a location: national ones and the province's extras."""
    rows = session.scalars(
        select(PracticeScope)
        .where(PracticeScope.category == category, PracticeScope.active.is_(True))
        .where(or_(PracticeScope.province_code.is_(None), PracticeScope.province_code == province_of(location_code)))
        .order_by(PracticeScope.sort_order)
    )
    return {scope.code: scope for scope in rows}


def _scopes(session: Session, category: str, location_code: str, codes: list[str]) -> list[str]:
    allowed = allowed_scopes(session, category, location_code)
    return _rule(
        validate_scope_choice, Category(category), list(codes or []), set(allowed),
        current_app.config.get("MAX_SCOPES", 3),
    )


def _qualification(session: Session, physician: Physician, qualification_id: Any) -> Qualification:
    if not qualification_id:
        raise WorkflowError("qualification_required")
    try:
        qualification = session.get(Qualification, int(qualification_id))
    except (TypeError, ValueError):
        qualification = None
    if qualification is None or qualification.id_number != physician.id_number:
        raise WorkflowError("qualification_not_yours")
    return qualification


def _windows(session: Session, province_code: str) -> list[Window]:
    rows = session.scalars(select(RegistrationWindow).where(RegistrationWindow.province_code == province_code))
    return [Window(w.cohort_year, w.opens_on, w.closes_on) for w in rows]


def check_first(session: Session, physician: Physician, data: dict, today: dt.date) -> dict:
    """Check a first registration; return the normalised data to store."""
    check_photo(data)
    qualification = _qualification(session, physician, data.get("qualification_id"))
    institution = _institution(session, data.get("institution_id"))
    location = _location(session, qualification.level, data.get("location_code"), institution)
    scopes = _scopes(session, qualification.category, location.code, data.get("scope_codes"))
    _rule(check_window, qualification.exam_year, _windows(session, province_of(location.code)), today)
    if needs_training_proof(qualification.issued_on or qualification.published_on, today):
        _rule(check_training_proof, training_proof(data), today, current_app.config.get("MIN_TRAINING_MONTHS", 3))
    return {
        **data,
        "qualification_id": qualification.id,
        "level": qualification.level,
        "category": qualification.category,
        "location_code": location.code,
        "institution_id": institution.id,
        "scope_codes": scopes,
    }


def check_change(session: Session, registration: PracticeRegistration, data: dict) -> dict:
    """Check a change of location, primary institution or scopes; return the normalised data."""
    institution = _institution(session, data.get("institution_id") or registration.institution_id)
    location = _location(session, registration.level, data.get("location_code") or registration.location_code, institution)
    scopes = _scopes(
        session, registration.category, location.code,
        data.get("scope_codes") or [s.code for s in registration.scopes],
    )
    current = (registration.location_code, registration.institution_id, sorted(s.code for s in registration.scopes))
    if (location.code, institution.id, sorted(scopes)) == current:
        raise WorkflowError("nothing_changed")
    return {**data, "location_code": location.code, "institution_id": institution.id, "scope_codes": scopes}


def check_filing_add(session: Session, registration: PracticeRegistration, data: dict, today: dt.date) -> dict:
    """Check a new filing: same location, another institution, scopes ⊆ the registration's."""
    institution = _institution(session, data.get("institution_id"))
    check_filing_institution(registration, institution)
    scopes = _rule(validate_filing_scopes, list(data.get("scope_codes") or []), [s.code for s in registration.scopes])
    valid_from = _date(data.get("valid_from")) or today
    valid_to = _date(data.get("valid_to"))
    if valid_to is None or valid_from > valid_to:
        raise WorkflowError("filing_dates")
    return {**data, "institution_id": institution.id, "scope_codes": scopes,
            "valid_from": valid_from.isoformat(), "valid_to": valid_to.isoformat()}


def check_filing_end(session: Session, registration: PracticeRegistration, data: dict) -> dict:
    """Check the end of one of the registration's active filings."""
    filing = session.get(Filing, int(data["filing_id"])) if str(data.get("filing_id") or "").isdigit() else None
    if filing is None or filing.registration_id != registration.id or filing.status != FilingStatus.ACTIVE:
        raise WorkflowError("filing_required")
    return {**data, "filing_id": filing.id, "institution_id": filing.institution_id}


def newest_qualification(session: Session, physician: Physician) -> Qualification | None:
    """Return the physician's most recent qualification (a 执业 one after an 助理 one, say)."""
    return session.scalars(
        select(Qualification)
        .where(Qualification.id_number == physician.id_number, Qualification.id_type == physician.id_type)
        .order_by(Qualification.exam_year.desc(), Qualification.id.desc())
    ).first()


def level_and_category(session: Session, physician: Physician, application: Application) -> tuple[str, str]:
    """Return the practice level and category an application is about (qualification or registration)."""
    if application.type == ApplicationType.FIRST:
        qualification = _qualification(session, physician, (application.data or {}).get("qualification_id"))
        return qualification.level, qualification.category
    registration = application.registration
    return registration.level, registration.category


def check_step(session: Session, physician: Physician, application: Application, step: str, data: dict,
               today: dt.date) -> dict:
    """Check the answers of one wizard step (later steps are checked when they are reached)."""
    kind = application.type
    if step not in STEPS.get(kind, ()):
        raise WorkflowError("unknown_action", action=step)
    if step == "photo":
        check_photo(data)
        return data
    if step == "location":
        level, _category = level_and_category(session, physician, application)
        code = data.get("location_code")
        if not code:
            raise WorkflowError("location_required")
        region = session.get(Region, str(code))
        if region is None or not region.active:
            raise WorkflowError("location_unknown")
        expected = RegionLevel.PROVINCE if level == PracticeLevel.PHYSICIAN else RegionLevel.COUNTY
        countyless = region.level == RegionLevel.PREFECTURE and not _has_counties(session, region)
        if region.level != expected and not (expected == RegionLevel.COUNTY and countyless):
            raise WorkflowError("location_wrong_level")
        return data
    if step == "institution":
        institution = _institution(session, data.get("institution_id"))
        if kind == ApplicationType.FILING_ADD:
            check_filing_institution(application.registration, institution)
        else:
            level, _category = level_and_category(session, physician, application)
            _location(session, level, data.get("location_code"), institution)
        return {**data, "institution_id": institution.id}
    if step == "scopes":
        if kind == ApplicationType.FILING_ADD:
            registered = [s.code for s in application.registration.scopes]
            return {**data, "scope_codes": _rule(validate_filing_scopes, list(data.get("scope_codes") or []), registered)}
        _level, category = level_and_category(session, physician, application)
        return {**data, "scope_codes": _scopes(session, category, data.get("location_code") or "", data.get("scope_codes"))}
    if step == "period":
        valid_from, valid_to = _date(data.get("valid_from")), _date(data.get("valid_to"))
        if valid_from is None or valid_to is None or valid_from > valid_to:
            raise WorkflowError("filing_dates")
        return data
    if step == "training":
        qualification = _qualification(session, physician, data.get("qualification_id"))
        if needs_training_proof(qualification.issued_on or qualification.published_on, today):
            _rule(check_training_proof, training_proof(data), today, current_app.config.get("MIN_TRAINING_MONTHS", 3))
        return data
    if step == "filing" and application.registration is not None:
        return check_filing_end(session, application.registration, data)
    return data


def check_photo(data: dict) -> None:
    """Refuse a first registration without an uploaded photo that is still stored."""
    if not photo_exists(data.get("photo")):
        raise WorkflowError("photo_required")


def training_proof(data: dict) -> TrainingProof | None:
    """Read the training proof of an application's data (None when none was given).

    The certificate counts only as an uploaded file that is stored here: a typed number or a
    file name is no proof.
    """
    training = data.get("training") or {}
    if not any(training.values()):
        return None
    certificate = training.get("certificate")
    return TrainingProof(
        institution=training.get("institution") or "",
        started_on=_date(training.get("started_on")),
        ended_on=_date(training.get("ended_on")),
        assessed_on=_date(training.get("assessed_on")),
        certificate=certificate if certificate_exists(certificate) else None,
    )


def check_filing_institution(registration: PracticeRegistration, institution: Institution) -> None:
    """Refuse a filing institution outside the location, or already the primary or a filed one."""
    if not in_jurisdiction(registration.location_code, institution.region_code):
        raise WorkflowError("institution_outside_location")
    taken = {registration.institution_id} | {
        f.institution_id for f in registration.filings if f.status == FilingStatus.ACTIVE
    }
    if institution.id in taken:
        raise WorkflowError("filing_same_institution")
