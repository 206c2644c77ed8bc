"""Translatable labels for stored enum values and common column names."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.domain.enums import (
    AccountStatus,
    ApplicationStatus,
    ApplicationType,
    AssessmentKind,
    AssessmentResult,
    Category,
    FilingStatus,
    Gender,
    IdType,
    PracticeLevel,
    RegionLevel,
    RegistrationStatus,
)

ENUM_LABELS = {
    IdType: {
        IdType.RESIDENT: _l("Resident ID card"),
        IdType.PASSPORT: _l("Passport"),
        IdType.HK_MACAO: _l("Mainland travel permit for Hong Kong and Macao residents"),
        IdType.TAIWAN: _l("Mainland travel permit for Taiwan residents"),
    },
    Gender: {Gender.MALE: _l("Male"), Gender.FEMALE: _l("Female")},
    PracticeLevel: {
        PracticeLevel.PHYSICIAN: _l("Licensed physician"),
        PracticeLevel.ASSISTANT: _l("Licensed assistant physician"),
    },
    Category: {
        Category.CLINICAL: _l("Clinical"),
        Category.DENTAL: _l("Dental"),
        Category.PUBLIC_HEALTH: _l("Public health"),
        Category.TCM: _l("Traditional Chinese medicine"),
    },
    RegionLevel: {
        RegionLevel.PROVINCE: _l("Province"),
        RegionLevel.PREFECTURE: _l("Prefecture"),
        RegionLevel.COUNTY: _l("County"),
    },
    AccountStatus: {
        AccountStatus.CREATED: _l("Awaiting verification"),
        AccountStatus.VERIFIED: _l("Awaiting activation"),
        AccountStatus.ACTIVE: _l("Active"),
        AccountStatus.DISABLED: _l("Disabled"),
    },
    RegistrationStatus: {
        RegistrationStatus.ACTIVE: _l("Valid"),
        RegistrationStatus.SUSPENDED: _l("Practice suspended"),
        RegistrationStatus.CANCELLED: _l("Deregistered"),
    },
    FilingStatus: {FilingStatus.ACTIVE: _l("In force"), FilingStatus.ENDED: _l("Ended")},
    ApplicationType: {
        ApplicationType.FIRST: _l("First registration"),
        ApplicationType.CHANGE: _l("Change of registration"),
        ApplicationType.FILING_ADD: _l("Multi-site filing"),
        ApplicationType.FILING_END: _l("End of filing"),
        ApplicationType.CANCEL: _l("Deregistration"),
        ApplicationType.REREGISTER: _l("Re-registration"),
        ApplicationType.UPGRADE: _l("Assistant to physician"),
        ApplicationType.ADD_SCOPE: _l("Additional scope"),
        ApplicationType.REISSUE: _l("Certificate reissue"),
    },
    ApplicationStatus: {
        ApplicationStatus.DRAFT: _l("Draft"),
        ApplicationStatus.SUBMITTED: _l("Awaiting institution review"),
        ApplicationStatus.RETURNED: _l("Returned by institution"),
        ApplicationStatus.PENDING_ACCEPTANCE: _l("Awaiting acceptance"),
        ApplicationStatus.CORRECTION: _l("Correction requested"),
        ApplicationStatus.ACCEPTED: _l("Accepted"),
        ApplicationStatus.APPROVED: _l("Registration approved"),
        ApplicationStatus.REFUSED: _l("Registration refused"),
        ApplicationStatus.NOT_ACCEPTED: _l("Not accepted"),
        ApplicationStatus.WITHDRAWN: _l("Withdrawn"),
    },
    AssessmentKind: {
        AssessmentKind.PERIODIC: _l("Periodic assessment"),
        AssessmentKind.TRAINING: _l("Training assessment"),
    },
    AssessmentResult: {
        AssessmentResult.PASSED: _l("Passed"),
        AssessmentResult.FAILED: _l("Failed"),
        AssessmentResult.ABSENT: _l("Did not take part"),
    },
}


def label_of(enum, value) -> str:
    """Return the translated label of a stored enum value (the value itself if unknown)."""
    if value is None:
        return ""
    label = ENUM_LABELS[enum].get(value)
    return str(label) if label is not None else str(value)


def choices(enum) -> list[tuple[str, object]]:
    """Return (value, label) pairs for a select field."""
    return [(member.value, label) for member, label in ENUM_LABELS[enum].items()]


def formatter(enum):
    """Return a FAB column formatter showing the label of an enum value."""
    return lambda value: label_of(enum, value)


COLUMN_LABELS = {
    "code": _l("Code"),
    "name": _l("Name"),
    "level": _l("Level"),
    "parent": _l("Parent region"),
    "parent_code": _l("Parent region"),
    "active": _l("In use"),
    "category": _l("Practice category"),
    "province": _l("Province"),
    "province_code": _l("Province"),
    "sort_order": _l("Sort order"),
    "license_no": _l("Licence registration number"),
    "region": _l("Region"),
    "region.name": _l("Region"),
    "region_code": _l("Region code"),
    "kind": _l("Institution type"),
    "grade": _l("Grade"),
    "address": _l("Address"),
    "phone": _l("Telephone"),
    "phone_masked": _l("Mobile"),
    "auto_activate": _l("Automatic activation"),
    "is_military": _l("Military or armed-police hospital"),
    "institution": _l("Institution"),
    "institution.name": _l("Institution"),
    "departments": _l("Departments"),
    "certificate_no": _l("Certificate number"),
    "id_type": _l("ID type"),
    "id_number": _l("ID number"),
    "id_number_masked": _l("ID number"),
    "exam_year": _l("Exam year"),
    "published_on": _l("Results published on"),
    "issued_on": _l("Issued on"),
    "gender": _l("Gender"),
    "birth_date": _l("Date of birth"),
    "email": _l("E-mail"),
    "phone_verified": _l("Mobile verified"),
    "email_verified": _l("E-mail verified"),
    "status": _l("Status"),
    "department": _l("Department"),
    "education": _l("Education"),
    "school": _l("School"),
    "title": _l("Professional title"),
    "created_at": _l("Created at"),
    "activated_at": _l("Activated at"),
    "physician": _l("Physician"),
    "physician.name": _l("Physician"),
    "location": _l("Practice location"),
    "location.name": _l("Practice location"),
    "scopes": _l("Practice scopes"),
    "registered_on": _l("Registered on"),
    "suspended_until": _l("Suspended until"),
    "cancel_reason": _l("Reason for deregistration"),
    "registration": _l("Practice registration"),
    "registration.certificate_no": _l("Practice certificate number"),
    "valid_from": _l("Valid from"),
    "valid_to": _l("Valid to"),
    "number": _l("Application number"),
    "type": _l("Application type"),
    "submitted_at": _l("Submitted at"),
    "accept_due": _l("Acceptance due"),
    "decide_due": _l("Decision due"),
    "institution_opinion": _l("Institution opinion"),
    "decision_comment": _l("Decision"),
    "kind_assessment": _l("Assessment kind"),
    "cycle_start": _l("Cycle start"),
    "cycle_end": _l("Cycle end"),
    "result": _l("Result"),
    "assessed_on": _l("Assessed on"),
    "note": _l("Note"),
    "year": _l("Year"),
    "cohort_year": _l("Exam cohort"),
    "opens_on": _l("Opens on"),
    "closes_on": _l("Closes on"),
}


def yes_no(value) -> str:
    """Return the translated 是/否 of a boolean cell (empty when unknown)."""
    if value is None:
        return ""
    return str(_l("Yes") if value else _l("No"))


def blank_none(value):
    """Show nothing instead of "None" for an empty cell."""
    return "" if value is None else value


ROLE_LABELS = {
    "Admin": _l("System administrator"),
    "CommissionReviewer": _l("Commission reviewer"),
    "InstitutionAdmin": _l("Institution admin"),
    "Physician": _l("Physician"),
    "Public": _l("Anonymous visitor"),
}


def role_names(roles) -> str:
    """Return the translated names of a user's roles, joined with 、."""
    return "、".join(str(ROLE_LABELS.get(role.name, role.name)) for role in roles or [])
