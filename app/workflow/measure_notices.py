"""Notices of the commission's measures, through the outbox: the physician and the institutions' admins."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.enums import Channel, FilingStatus
from app.models import PracticeRegistration, RegistryUser
from app.notify.outbox import enqueue
from app.notify.templates import TEMPLATES
from app.workflow.notices import physician_contact

TEMPLATES.update({
    "registration_cancelled": (
        _l("Your practice registration was cancelled"),
        _l("[Physician Registration] On %(date)s the health commission cancelled your practice registration %(certificate_no)s. Reason: %(reason)s. If you disagree, you may apply for administrative reconsideration or bring a lawsuit according to law."),
    ),
    "registration_cancelled_institution": (
        _l("A physician's practice registration was cancelled"),
        _l("[Physician Registration] On %(date)s the health commission cancelled the practice registration %(certificate_no)s of %(name)s; the physician's filings ended the same day. The physician may no longer practise at your institution."),
    ),
    "registration_suspended": (
        _l("Your practice is suspended"),
        _l("[Physician Registration] Because you failed the periodic assessment, your practice (registration %(certificate_no)s) is suspended until %(until)s. Do not practise until then; your institution arranges the next assessment."),
    ),
    "registration_suspended_institution": (
        _l("A physician's practice is suspended"),
        _l("[Physician Registration] %(name)s failed the periodic assessment: practice (registration %(certificate_no)s) is suspended until %(until)s."),
    ),
    "registration_reinstated": (
        _l("Your practice registration is valid again"),
        _l("[Physician Registration] The suspension of your practice registration %(certificate_no)s (until %(until)s) has ended: the registration is valid again."),
    ),
})

PROSE_DATE = _l("%(month)d/%(day)d/%(year)d")


class _Date:
    """A date in prose (2026年11月29日), rendered in the message language."""

    def __init__(self, day: dt.date) -> None:
        self.day = day

    def __str__(self) -> str:
        return str(PROSE_DATE) % {"year": self.day.year, "month": self.day.month, "day": self.day.day}


def _to_physician(registration: PracticeRegistration, template: str, **params) -> None:
    contact = physician_contact(registration.physician)
    if contact is not None:
        enqueue(contact[0], contact[1], template, certificate_no=registration.certificate_no, **params)


def _to_institutions(session: Session, institution_ids: Iterable[int], template: str,
                     registration: PracticeRegistration, **params) -> None:
    ids = sorted(set(institution_ids))
    admins = session.scalars(select(RegistryUser).where(RegistryUser.institution_id.in_(ids))).all() if ids else []
    for user in admins:
        if user.active and user.email:
            enqueue(Channel.EMAIL, user.email, template, certificate_no=registration.certificate_no,
                    name=registration.physician.name, **params)


def notify_cancelled(session: Session, registration: PracticeRegistration, reason: str, today: dt.date,
                     filing_institution_ids: Iterable[int]) -> None:
    """Tell the physician and the admins of the primary and the filing institutions."""
    _to_physician(registration, "registration_cancelled", date=_Date(today), reason=reason)
    _to_institutions(session, [registration.institution_id, *filing_institution_ids],
                     "registration_cancelled_institution", registration, date=_Date(today))


def notify_suspended(session: Session, registration: PracticeRegistration, until: dt.date) -> None:
    """Tell the physician and the admins of the primary institution and of active filings."""
    _to_physician(registration, "registration_suspended", until=_Date(until))
    filings = [f.institution_id for f in registration.filings if f.status == FilingStatus.ACTIVE]
    _to_institutions(session, [registration.institution_id, *filings], "registration_suspended_institution",
                     registration, until=_Date(until))


def notify_reinstated(registration: PracticeRegistration, until: dt.date) -> None:
    """Tell the physician that the suspension is over."""
    _to_physician(registration, "registration_reinstated", until=_Date(until))
