"""The 信息变更 commands: the only code that creates change requests or changes their status.

A physician asks for new education, school, title, department or photo; the request waits for
the physician's institution, which confirms it (only then are the values written to the
Physician row) or returns it with a reason; the physician may withdraw a pending request. Each
command receives an explicit Actor, loads its row through the row scope (``FOR UPDATE`` where
the database has it, the version column everywhere), writes a security event and the outbox
notices, and commits once (``app.commands.unit_of_work``). Refusals raise ProfileChangeError.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import IO

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.orm.exc import StaleDataError

from app.accounts.audit import record
from app.commands import CommandError, unit_of_work
from app.documents.photos import photo_path, store_photo
from app.domain.enums import AccountStatus, Channel, ProfileChangeStatus
from app.labels import ENUM_LABELS
from app.models import Physician, ProfileChange, RegistryUser
from app.models._base import utcnow
from app.notify.outbox import enqueue
from app.notify.templates import MESSAGE_LOCALE, TEMPLATES
from app.security.scope import scoped
from app.workflow.commands import Actor, _begin_outer_transaction
from app.workflow.notices import _Reason, physician_contact
from app.workflow.profile_rules import (
    ACTIONS,
    FIELD_LABELS,
    ProfileChangeError,
    action_for,
    check_department,
    check_values,
    current_values,
)

TEMPLATES.update({
    "profile_change_arrived": (
        _l("A profile change request waits for you"),
        _l("[Physician Registration] %(name)s asks to change: %(items)s. Log in to confirm or return the request."),
    ),
    "profile_change_decided": (
        _l("Your profile change request: %(status)s"),
        _l("[Physician Registration] Your request to change %(items)s is now: %(status)s.%(reason)s Log in to see the details."),
    ),
})

EVENTS = {
    "request": "profile_change_requested",
    "confirm": "profile_change_confirmed",
    "return": "profile_change_returned",
    "withdraw": "profile_change_withdrawn",
}


class _Items:
    """The changed fields as 学历、科室, rendered in the message language."""

    def __init__(self, names: Iterable[str]) -> None:
        self.names = list(names)

    def __str__(self) -> str:
        return "、".join(str(FIELD_LABELS[name]) for name in self.names)


def _own_physician(session: Session, actor: Actor) -> Physician:
    physician = session.get(Physician, actor.scope.physician_id) if actor.scope.physician_id else None
    if physician is None:
        raise ProfileChangeError("profile_action_not_allowed")
    if physician.status != AccountStatus.ACTIVE or physician.institution_id is None:
        raise ProfileChangeError("profile_not_active")
    return physician


def pending_change(session: Session, physician_id: int) -> ProfileChange | None:
    """Return the physician's pending request, if any."""
    return session.scalars(select(ProfileChange).where(
        ProfileChange.physician_id == physician_id, ProfileChange.status == ProfileChangeStatus.PENDING)).first()


def request_change(actor: Actor, values: dict, photo: bytes | IO[bytes] | None = None) -> ProfileChange:
    """File a change request for the acting physician; it waits for the institution's confirmation."""
    stored: str | None = None
    try:
        with unit_of_work() as session:
            physician = _own_physician(session, actor)
            if pending_change(session, physician.id) is not None:
                raise ProfileChangeError("profile_change_pending")
            requested = check_values(session, physician, values)
            if photo is not None:
                stored = store_photo(photo)  # last: every other check has passed
                requested["photo"] = stored
            if not requested:
                raise ProfileChangeError("profile_nothing_changed")
            current = current_values(physician)
            change = ProfileChange(
                physician_id=physician.id, institution_id=physician.institution_id,
                region_code=physician.institution.region_code, requested=requested,
                previous={name: current[name] for name in requested}, created_by=actor.user_id,
            )
            session.add(change)
            try:
                session.flush()
            except IntegrityError:  # a second request raced this one past the check
                raise ProfileChangeError("profile_change_pending") from None
            record(EVENTS["request"], physician=physician, actor_id=actor.user_id, detail=_detail(change))
            _notify_institution(session, change, physician)
            return change
    except BaseException:
        _discard(stored)
        raise


def _discard(key: str | None) -> None:
    """Remove a photo stored by a request that was not saved after all."""
    path = photo_path(key)
    if path is not None:
        path.unlink(missing_ok=True)


def _detail(change: ProfileChange) -> str:
    """Return the audit detail: the request's number and its items, in the message language (学历、科室)."""
    with force_locale(MESSAGE_LOCALE):
        return f"#{change.id} {_Items(change.fields)}"


def _load(session: Session, actor: Actor, change_id: int) -> ProfileChange:
    statement = scoped(select(ProfileChange).where(ProfileChange.id == change_id), ProfileChange, actor.scope)
    statement = statement.options(joinedload(ProfileChange.physician, innerjoin=True))
    change = session.scalars(statement.with_for_update(of=ProfileChange)).unique().one_or_none()
    if change is None:
        raise ProfileChangeError("profile_change_not_found")
    return change


def act_on_change(actor: Actor, change_id: int, action: str, reason: str | None = None) -> ProfileChange:
    """Withdraw (physician), confirm or return (institution) one pending request."""
    with unit_of_work() as session:
        change = _load(session, actor, change_id)
        _decide(session, actor, change, action, reason)
        return change


@dataclass
class BulkResult:
    """What a bulk action did: the ids that succeeded and, per refused id, the message."""

    done: list[int] = field(default_factory=list)
    refused: dict[int, str] = field(default_factory=dict)


def act_on_many(actor: Actor, change_ids: Iterable[int], action: str, reason: str | None = None) -> BulkResult:
    """Take one action on several requests in one transaction; a refused row changes nothing."""
    if action not in ACTIONS:
        raise ProfileChangeError("unknown_action", action=action)
    result = BulkResult()
    ids = list(dict.fromkeys(int(i) for i in change_ids))
    with unit_of_work() as session:
        _begin_outer_transaction(session)
        statement = scoped(select(ProfileChange).where(ProfileChange.id.in_(ids)), ProfileChange, actor.scope)
        statement = statement.options(joinedload(ProfileChange.physician, innerjoin=True)).order_by(ProfileChange.id)
        loaded = {c.id: c for c in session.scalars(statement.with_for_update(of=ProfileChange)).unique()}
        for change_id in ids:
            savepoint = session.begin_nested()
            try:
                change = loaded.get(change_id)
                if change is None:
                    raise ProfileChangeError("profile_change_not_found")
                _decide(session, actor, change, action, reason)
                savepoint.commit()
                result.done.append(change_id)
            except CommandError as error:
                savepoint.rollback()
                result.refused[change_id] = error.message
    return result


def _decide(session: Session, actor: Actor, change: ProfileChange, action: str, reason: str | None) -> None:
    chosen = action_for(action, change.status, actor.scope.role, reason)
    reason = (reason or "").strip() or None
    physician = change.physician
    if chosen.action == "confirm":
        _apply(session, physician, change)
    change.status = chosen.target
    change.reason = reason
    change.decided_at = utcnow()
    change.decided_by = actor.user_id
    record(EVENTS[chosen.action], physician=physician, actor_id=actor.user_id, detail=_detail(change),
           institution_id=change.institution_id)
    if chosen.action != "withdraw":
        _notify_physician(change, physician, reason)
    try:
        session.flush()
    except StaleDataError:
        status = ENUM_LABELS[ProfileChangeStatus].get(ProfileChangeStatus.PENDING)
        raise ProfileChangeError("profile_change_already_handled", status=status) from None


def _apply(session: Session, physician: Physician, change: ProfileChange) -> None:
    """Write the requested values to the physician (the department is checked again: it may have closed)."""
    requested = dict(change.requested)
    if "department_id" in requested:
        requested["department_id"] = check_department(session, physician, requested["department_id"])
    current = current_values(physician)
    change.previous = {name: current[name] for name in requested}  # what was really replaced
    for name, value in requested.items():
        setattr(physician, name, value)


def _notify_institution(session: Session, change: ProfileChange, physician: Physician) -> None:
    admins = session.scalars(select(RegistryUser).where(RegistryUser.institution_id == change.institution_id)).all()
    for admin in admins:
        if admin.active and admin.email:
            enqueue(Channel.EMAIL, admin.email, "profile_change_arrived",
                    name=physician.name, items=_Items(change.fields))


def _notify_physician(change: ProfileChange, physician: Physician, reason: str | None) -> None:
    contact = physician_contact(physician)
    if contact is None:
        return
    enqueue(contact[0], contact[1], "profile_change_decided", items=_Items(change.fields),
            status=ENUM_LABELS[ProfileChangeStatus][change.status], reason=_Reason(reason))
