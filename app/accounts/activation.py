"""Activation (SPEC §2 step 4): the institution issues a code, the physician enters it."""

from __future__ import annotations

import datetime as dt

from flask_babel import format_datetime
from sqlalchemy import select

from app.accounts import audit
from app.accounts.codes import consume, hash_code, new_code
from app.accounts.errors import AccountError, command
from app.accounts.settings import notice_contact
from app.accounts.signup import selectable_institution
from app.domain.enums import AccountStatus, Channel
from app.extensions import db
from app.models import ActivationCode, Institution, Physician
from app.models._base import utcnow
from app.notify.outbox import enqueue

ACTIVATION_TTL = dt.timedelta(hours=72)
ACTIVATION_DIGITS = 8


def _target(physician: Physician, channel: str) -> str:
    if channel == Channel.SMS and physician.phone_verified and physician.phone:
        return physician.phone
    if channel == Channel.EMAIL and physician.email_verified and physician.email:
        return physician.email
    raise AccountError("channel_unverified")


def _revoke_open_codes(physician_id: int, now: dt.datetime) -> None:
    for row in db.session.scalars(select(ActivationCode).where(
        ActivationCode.physician_id == physician_id,
        ActivationCode.used_at.is_(None),
        ActivationCode.revoked_at.is_(None),
    )):
        row.revoked_at = now


@command
def issue_activation_codes(institution_id: int, physician_ids: list[int], channel: str,
                           issued_by_id: int | None = None, ip: str | None = None) -> list[ActivationCode]:
    """Issue (or re-issue) codes to physicians waiting for this institution; all or nothing."""
    now = utcnow()
    issued = []
    for physician_id in physician_ids:
        physician = db.session.get(Physician, physician_id)
        if physician is None or physician.institution_id != institution_id:
            raise AccountError("not_your_institution")
        if physician.status != AccountStatus.VERIFIED:
            raise AccountError("not_waiting_activation")
        target = _target(physician, channel)
        _revoke_open_codes(physician.id, now)
        code = new_code(ACTIVATION_DIGITS)
        row = ActivationCode(
            physician_id=physician.id, institution_id=institution_id, channel=channel, target=target,
            code_hash=hash_code(code, "activation", str(physician.id)), issued_by_id=issued_by_id,
            issued_at=now, expires_at=now + ACTIVATION_TTL,
        )
        db.session.add(row)
        enqueue(channel, target, "activation_code", code=code, institution=physician.institution.name,
                expires=format_datetime(now + ACTIVATION_TTL, "yyyy-MM-dd HH:mm"))
        audit.record("activation_code_issued", physician=physician, actor_id=issued_by_id, ip=ip, detail=channel)
        issued.append(row)
    return issued


@command
def revoke_activation_codes(institution_id: int, physician_ids: list[int], actor_id: int | None = None) -> int:
    """Revoke the open activation codes of physicians of this institution; return how many."""
    now = utcnow()
    count = 0
    for physician_id in physician_ids:
        physician = db.session.get(Physician, physician_id)
        if physician is None or physician.institution_id != institution_id:
            raise AccountError("not_your_institution")
        rows = db.session.scalars(select(ActivationCode).where(
            ActivationCode.physician_id == physician.id, ActivationCode.used_at.is_(None),
            ActivationCode.revoked_at.is_(None),
        )).all()
        for row in rows:
            row.revoked_at = now
            count += 1
        if rows:
            audit.record("activation_code_revoked", physician=physician, actor_id=actor_id)
    return count


@command
def activate(physician: Physician, code: str, ip: str | None = None) -> Physician:
    """The physician enters the institution's code: single use, 72 h, 5 wrong attempts."""
    if physician.status == AccountStatus.ACTIVE:
        raise AccountError("already_active")
    if physician.status == AccountStatus.CREATED:
        raise AccountError("not_verified")
    if physician.status != AccountStatus.VERIFIED:
        raise AccountError("not_waiting_activation")
    now = utcnow()
    row = db.session.scalars(
        select(ActivationCode).where(
            ActivationCode.physician_id == physician.id,
            ActivationCode.institution_id == physician.institution_id,
            ActivationCode.revoked_at.is_(None),
        ).order_by(ActivationCode.issued_at.desc(), ActivationCode.id.desc()).limit(1)
    ).first()
    if row is None:
        raise AccountError("activation_missing")
    consume(row, code, ("activation", str(physician.id)), now,
            on_wrong=lambda side: audit.record("activation_failed", physician=physician, ip=ip, session=side),
            variant="activation")
    physician.status = AccountStatus.ACTIVE
    physician.activated_at = now
    audit.record("account_activated", physician=physician, ip=ip, detail="code")
    return physician


def _activate_automatically(physician: Physician, now, ip: str | None = None, actor_id: int | None = None) -> None:
    """Activate a waiting physician of an institution with 自动激活 on, and tell them."""
    physician.status = AccountStatus.ACTIVE
    physician.activated_at = now
    _revoke_open_codes(physician.id, now)
    audit.record("account_activated", physician=physician, actor_id=actor_id, ip=ip, detail="auto")
    contact = notice_contact(physician.user, physician)
    if contact:
        enqueue(*contact, "account_activated", institution=physician.institution.name)


@command
def activate_waiting(institution_id: int, actor_id: int | None = None) -> int:
    """Activate every account waiting for an institution that has 自动激活 on; return how many."""
    institution = db.session.get(Institution, institution_id)
    if institution is None or not institution.auto_activate:
        return 0
    now = utcnow()
    waiting = db.session.scalars(select(Physician).where(
        Physician.institution_id == institution_id, Physician.status == AccountStatus.VERIFIED,
    ).order_by(Physician.id)).all()
    for physician in waiting:
        _activate_automatically(physician, now, actor_id=actor_id)
    return len(waiting)


@command
def activate_if_automatic(physician: Physician, ip: str | None = None) -> bool:
    """Activate a waiting physician whose institution has switched 自动激活 on since; tell whether it did."""
    institution = physician.institution
    if physician.status != AccountStatus.VERIFIED or institution is None or not institution.auto_activate:
        return False
    _activate_automatically(physician, utcnow(), ip=ip)
    return True


@command
def change_institution(physician: Physician, institution_id, ip: str | None = None) -> Physician:
    """Before activation, move a physician to another institution: open codes of the old one are void."""
    if physician.status == AccountStatus.ACTIVE:
        raise AccountError("already_active")
    if physician.status not in (AccountStatus.CREATED, AccountStatus.VERIFIED):
        raise AccountError("not_waiting_activation")
    institution = selectable_institution(institution_id)
    if institution.id == physician.institution_id:
        raise AccountError("institution_same")
    now = utcnow()
    previous = physician.institution_id
    _revoke_open_codes(physician.id, now)
    physician.institution_id, physician.region_code = institution.id, institution.region_code
    physician.institution = institution
    audit.record("institution_changed", physician=physician, ip=ip, detail=f"{previous}->{institution.id}")
    if physician.status == AccountStatus.VERIFIED and institution.auto_activate:
        _activate_automatically(physician, now, ip=ip)
    return physician
