"""Rules of 信息变更 requests (SPEC §2 step 6): what may change, how it is checked, who may act.

A request carries new values for some of ``FIELDS``; the checks here run in the commands (web,
API and CLI alike) and raise ProfileChangeError with a Chinese message that says what to do.
The actions on a pending request are data: the role that may take each, and whether it needs a
reason, so pages and API offer only what the current user may do.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.commands import CommandError, register_messages
from app.domain.enums import ProfileChangeStatus
from app.models import Department, Physician
from app.models.profile_change import FIELDS
from app.security.roles import INSTITUTION_ADMIN, PHYSICIAN

# 学历: the levels the national statistics use for medical staff (stored as shown).
EDUCATION_LEVELS = ("中专", "大专", "本科", "硕士研究生", "博士研究生")
# 职称 (专业技术资格) offered as suggestions; other titles may be typed.
TITLE_SUGGESTIONS = ("医士", "医师", "住院医师", "主治医师", "副主任医师", "主任医师")
TEXT_LIMITS = {"school": 128, "title": 32}
REASON_LIMIT = 500

FIELD_LABELS = {
    "education": _l("Education"),
    "school": _l("School"),
    "title": _l("Professional title"),
    "department_id": _l("Department"),
    "photo": _l("Photo"),
}

MESSAGES = {
    "profile_change_not_found": _l("The change request does not exist or is outside what your account may see."),
    "profile_change_pending": _l(
        "You already have a change request waiting for your institution's confirmation. Wait for its decision or withdraw it first."
    ),
    "profile_change_already_handled": _l(
        "This change request has already been handled (it is now: %(status)s). Reload the page to see it."
    ),
    "profile_action_not_allowed": _l("Your role may not take this action on the change request."),
    "profile_not_active": _l(
        "Your account is not active yet: once your institution has activated it you can ask for changes here."
    ),
    "profile_nothing_changed": _l("Nothing differs from your current details: change at least one item."),
    "profile_value_invalid": _l("%(field)s is not valid: enter it as text."),
    "profile_value_too_long": _l("%(field)s may be at most %(maximum)d characters."),
    "profile_education_unknown": _l("Choose your education from the list."),
    "profile_department_unknown": _l(
        "The department does not exist or is no longer in use: choose one of your institution's departments from the list."
    ),
    "profile_department_other_institution": _l(
        "The department belongs to another institution: choose a department of %(institution)s."
    ),
    "profile_reason_too_long": _l("The reason may be at most %(maximum)d characters."),
}

STATUSES = {
    "profile_change_not_found": 404,
    "profile_change_pending": 409,
    "profile_change_already_handled": 409,
    "profile_action_not_allowed": 403,
}

register_messages(MESSAGES, STATUSES)


class ProfileChangeError(CommandError):
    """A refused 信息变更 command."""


@dataclass(frozen=True)
class ChangeAction:
    """One action on a pending request: who may take it, where it leads, whether it needs a reason."""

    action: str
    role: str
    target: ProfileChangeStatus
    label: Any
    needs_reason: bool = False


ACTIONS = {
    "withdraw": ChangeAction("withdraw", PHYSICIAN, ProfileChangeStatus.WITHDRAWN, _l("Withdraw")),
    "confirm": ChangeAction("confirm", INSTITUTION_ADMIN, ProfileChangeStatus.CONFIRMED, _l("Confirm")),
    "return": ChangeAction("return", INSTITUTION_ADMIN, ProfileChangeStatus.RETURNED, _l("Return"), needs_reason=True),
}
# what the institution's queue offers in bulk
STAFF_ACTIONS = ("confirm", "return")


def available_change_actions(status: str, role: str | None) -> list[ChangeAction]:
    """Return the actions ``role`` may take on a request in ``status``."""
    if status != ProfileChangeStatus.PENDING:
        return []
    return [a for a in ACTIONS.values() if a.role == role]


def action_for(action: str, status: str, role: str | None, reason: str | None) -> ChangeAction:
    """Return the action if ``role`` may take it now, else raise the refusal that says why."""
    chosen = ACTIONS.get(action)
    if chosen is None:
        raise ProfileChangeError("unknown_action", action=action)
    if chosen.role != role:
        raise ProfileChangeError("profile_action_not_allowed")
    if status != ProfileChangeStatus.PENDING:
        from app.labels import ENUM_LABELS

        raise ProfileChangeError("profile_change_already_handled",
                                 status=ENUM_LABELS[ProfileChangeStatus].get(status, status))
    if chosen.needs_reason and not (reason or "").strip():
        raise ProfileChangeError("reason_required")
    if reason and len(reason.strip()) > REASON_LIMIT:
        raise ProfileChangeError("profile_reason_too_long", maximum=REASON_LIMIT)
    return chosen


def field_of(error: CommandError) -> str | None:
    """Return the form field a refusal is about (None when it concerns the whole request)."""
    if error.code.startswith("photo_"):
        return "photo"
    if error.code.startswith("profile_department_"):
        return "department_id"
    if error.code == "profile_education_unknown":
        return "education"
    return error.params.get("name")


def current_values(physician: Physician) -> dict[str, Any]:
    """Return the physician's values of every field a request may change."""
    return {name: getattr(physician, name) for name in FIELDS}


def _text(name: str, value: Any) -> str:
    if not isinstance(value, str):
        raise ProfileChangeError("profile_value_invalid", field=FIELD_LABELS[name], name=name)
    return value.strip()


def check_department(session: Session, physician: Physician, value: Any) -> int:
    """Return the id of an active department of the physician's institution, or refuse."""
    text = str(value).strip() if isinstance(value, (int, str)) and not isinstance(value, bool) else ""
    department = session.get(Department, int(text)) if text.isdigit() and len(text) < 10 else None
    if department is None or not department.active:
        raise ProfileChangeError("profile_department_unknown")
    if department.institution_id != physician.institution_id:
        raise ProfileChangeError("profile_department_other_institution",
                                 institution=physician.institution.name if physician.institution else "")
    return department.id


def check_values(session: Session, physician: Physician, values: dict[str, Any]) -> dict[str, Any]:
    """Return the values that differ from the physician's, checked; empty or absent values mean "unchanged"."""
    current = current_values(physician)
    changed: dict[str, Any] = {}
    for name in ("education", "school", "title"):
        if values.get(name) in (None, ""):
            continue
        text = _text(name, values[name])
        if not text:
            continue
        if name == "education" and text not in EDUCATION_LEVELS:
            raise ProfileChangeError("profile_education_unknown")
        if name in TEXT_LIMITS and len(text) > TEXT_LIMITS[name]:
            raise ProfileChangeError("profile_value_too_long", field=FIELD_LABELS[name], maximum=TEXT_LIMITS[name],
                                     name=name)
        if text != current[name]:
            changed[name] = text
    if values.get("department_id") not in (None, ""):
        department_id = check_department(session, physician, values["department_id"])
        if department_id != current["department_id"]:
            changed["department_id"] = department_id
    return changed


def department_names(session: Session, changes: Iterable[Any]) -> dict[int, str]:
    """Return the names of every department the requests mention, in one query."""
    ids = {values.get("department_id") for c in changes for values in (c.requested or {}, c.previous or {})}
    ids.discard(None)
    if not ids:
        return {}
    return dict(session.execute(select(Department.id, Department.name).where(Department.id.in_(ids))).all())


def change_items(change: Any, names: dict[int, str]) -> list[dict[str, Any]]:
    """Return each changed field as {field, label, old, new}; departments by name, photos by key."""
    items = []
    for name in change.fields:
        old, new = (change.previous or {}).get(name), change.requested[name]
        if name == "department_id":
            old, new = names.get(old) if old else None, names.get(new, str(new))
        items.append({"field": name, "label": FIELD_LABELS[name], "old": old, "new": new})
    return items
