"""Notices of the workflow, through the outbox: the physician on every change, the next holder on arrival."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.enums import ApplicationStatus, ApplicationType, Channel
from app.domain.regions import in_jurisdiction
from app.extensions import db
from app.labels import ENUM_LABELS
from app.models import Application, Message, Physician, RegistryUser
from app.notify.outbox import message_row, message_rows
from app.notify.templates import TEMPLATES
from app.workflow.cache import cached

TEMPLATES.update({
    "application_status": (
        _l("Your application %(number)s: %(status)s"),
        _l("[Physician Registration] Your %(kind)s application %(number)s is now: %(status)s.%(reason)s Log in to see the details."),
    ),
    "application_arrived": (
        _l("Application %(number)s waits for you"),
        _l("[Physician Registration] The %(kind)s application %(number)s of %(name)s waits for your %(task)s."),
    ),
})

class _Reason:
    """The optional " 原因：…。" part, rendered in the message language."""

    def __init__(self, reason: str | None) -> None:
        self.reason = reason

    def __str__(self) -> str:
        return " " + str(_l("Reason: %(reason)s.", reason=self.reason)) if self.reason else ""


TASKS = {
    "submitted": _l("confirmation"),
    "pending_acceptance": _l("acceptance"),
}


def _label(enum, value):
    # lazy, so that the outbox renders it in the message language
    return ENUM_LABELS[enum].get(value, value)


def physician_contact(physician: Physician) -> tuple[str, str] | None:
    """Return (channel, address) of the physician's verified phone, else verified e-mail."""
    if physician.phone and physician.phone_verified:
        return Channel.SMS, physician.phone
    if physician.email and physician.email_verified:
        return Channel.EMAIL, physician.email
    return None


def status_notices(changed: list[tuple[Application, str]], reason: str | None = None) -> list[dict]:
    """Return the outbox rows telling each physician their application is now in the given status.

    Applications of one type and status share their texts, translated once.
    """
    groups: dict[tuple[str, str], list[tuple[Application, tuple[str, str]]]] = {}
    for application, status in changed:
        contact = physician_contact(application.physician)
        if contact is not None:
            groups.setdefault((application.type, status), []).append((application, contact))
    rows: list[dict] = []
    for (kind, status), members in groups.items():
        rows += message_rows(
            [contact for _application, contact in members], "application_status",
            [{"number": application.number} for application, _contact in members],
            kind=_label(ApplicationType, kind), status=_label(ApplicationStatus, status), reason=_Reason(reason),
        )
    return rows


def holder_notices(session: Session, application: Application, status: str) -> list[dict]:
    """Return the outbox rows telling the institution's admins or the competent reviewers it arrived."""
    task = TASKS.get(status)
    if task is None:
        return []
    if status == "submitted":
        users = cached(session, ("admins", application.institution_id), lambda: session.scalars(
            select(RegistryUser).where(RegistryUser.institution_id == application.institution_id)).all())
    else:
        candidates = cached(session, "reviewers", lambda: session.scalars(
            select(RegistryUser).where(RegistryUser.jurisdiction_code.is_not(None))).all())
        users = [u for u in candidates if in_jurisdiction(u.jurisdiction_code, application.region_code)]
    return [
        message_row(
            Channel.EMAIL, user.email, "application_arrived",
            number=application.number, name=application.physician.name,
            kind=_label(ApplicationType, application.type), task=task,
        )
        for user in users if user.active and user.email
    ]


def notify_status(application: Application, reason: str | None = None) -> None:
    """Tell the physician where the application stands now."""
    db.session.add_all(Message(**row) for row in status_notices([(application, application.status)], reason))


def notify_holder(session: Session, application: Application) -> None:
    """Tell the institution's admins or the competent reviewers that the application arrived."""
    session.add_all(Message(**row) for row in holder_notices(session, application, application.status))
