"""Password recovery and security settings (SPEC §2 step 6)."""

from __future__ import annotations

from flask import current_app
from flask_babel import format_datetime
from sqlalchemy import func, or_, select
from werkzeug.security import check_password_hash, generate_password_hash

from app.accounts import audit
from app.accounts.codes import check_verification_code, issue_verification_code
from app.accounts.errors import AccountError, command
from app.accounts.passwords import check_new_password
from app.domain.contact import validate_email, validate_mobile
from app.domain.enums import Channel, CodePurpose
from app.domain.errors import RuleViolation
from app.domain.identity import normalize_id_number
from app.extensions import db
from app.models import Physician, RegistryUser
from app.models._base import utcnow
from app.notify.outbox import enqueue


def find_physician(login: str) -> Physician | None:
    """Find a physician by login name, verified mobile, verified e-mail or ID number."""
    login = (login or "").strip()
    if not login:
        return None
    by_user = select(Physician).join(RegistryUser, RegistryUser.id == Physician.user_id).where(
        func.lower(RegistryUser.username) == login.lower()
    )
    physician = db.session.scalars(by_user).first()
    if physician is None:
        physician = db.session.scalars(select(Physician).where(or_(
            Physician.id_number == normalize_id_number(login),
            (Physician.phone == login) & Physician.phone_verified.is_(True),
            (func.lower(Physician.email) == login.lower()) & Physician.email_verified.is_(True),
        ))).first()
    return physician


def _verified_target(physician: Physician, channel: str) -> str:
    if channel == Channel.SMS and physician.phone_verified:
        return physician.phone
    if channel == Channel.EMAIL and physician.email_verified:
        return physician.email
    raise AccountError("channel_unverified")


@command
def start_recovery(login: str, channel: str, ip: str | None = None) -> Physician:
    """Send a recovery code to the verified phone or e-mail of the account."""
    physician = find_physician(login)
    if physician is None:
        raise AccountError("account_unknown")
    target = _verified_target(physician, channel)
    issue_verification_code(channel, target, CodePurpose.RECOVERY, "recovery_code", physician.id)
    audit.record("recovery_code_sent", physician=physician, ip=ip, detail=channel)
    db.session.commit()
    return physician


def _set_password(physician: Physician, password: str) -> None:
    user = physician.user
    user.password = generate_password_hash(password, method=current_app.config["FAB_PASSWORD_HASH_METHOD"])
    user.fail_login_count = 0  # a reset also lifts a lockout
    target = physician.phone if physician.phone_verified else physician.email
    channel = Channel.SMS if physician.phone_verified else Channel.EMAIL
    if target:
        enqueue(channel, target, "password_changed", time=format_datetime(utcnow(), "yyyy-MM-dd HH:mm"))


@command
def reset_password(login: str, channel: str, code: str, password: str, password2: str,
                   ip: str | None = None) -> Physician:
    """Check the recovery code and set a new password."""
    physician = find_physician(login)
    if physician is None:
        raise AccountError("account_unknown")
    check_new_password(password, password2)  # before the code is consumed
    check_verification_code(_verified_target(physician, channel), CodePurpose.RECOVERY, code)
    _set_password(physician, password)
    audit.record("password_reset", physician=physician, ip=ip, detail=channel)
    db.session.commit()
    return physician


@command
def change_password(physician: Physician, old: str, password: str, password2: str,
                    ip: str | None = None) -> None:
    """Change the password; the current one is required."""
    if not check_password_hash(physician.user.password or "", old or ""):
        audit.record("password_change_failed", physician=physician, ip=ip)
        db.session.commit()
        raise AccountError("password_wrong")
    check_new_password(password, password2)
    _set_password(physician, password)
    audit.record("password_changed", physician=physician, ip=ip)
    db.session.commit()


_PURPOSE = {Channel.SMS: CodePurpose.CHANGE_PHONE, Channel.EMAIL: CodePurpose.CHANGE_EMAIL}
_TEMPLATE = {Channel.SMS: "change_phone_code", Channel.EMAIL: "change_email_code"}


def _new_target(physician: Physician, channel: str, value: str) -> str:
    try:
        target = validate_mobile(value) if channel == Channel.SMS else validate_email(value)
    except RuleViolation as violation:
        raise AccountError.from_rule(violation) from None
    if channel == Channel.SMS:
        taken = select(Physician.id).where(Physician.phone == target, Physician.id != physician.id)
        if db.session.scalar(taken) is not None:
            raise AccountError("phone_taken")
    else:
        taken = select(RegistryUser.id).where(
            func.lower(RegistryUser.email) == target.lower(), RegistryUser.id != physician.user_id
        )
        if db.session.scalar(taken) is not None:
            raise AccountError("email_taken")
    return target


@command
def start_contact_change(physician: Physician, channel: str, value: str, ip: str | None = None) -> str:
    """Send a code to the NEW phone or e-mail; the old one stays until the new one is verified."""
    target = _new_target(physician, channel, value)
    issue_verification_code(channel, target, _PURPOSE[Channel(channel)], _TEMPLATE[Channel(channel)], physician.id)
    audit.record("contact_change_started", physician=physician, ip=ip, detail=channel)
    db.session.commit()
    return target


@command
def confirm_contact_change(physician: Physician, channel: str, value: str, code: str,
                           ip: str | None = None) -> None:
    """Check the code sent to the new target and switch to it."""
    target = _new_target(physician, channel, value)
    check_verification_code(target, _PURPOSE[Channel(channel)], code)
    if channel == Channel.SMS:
        physician.phone, physician.phone_verified = target, True
    else:
        physician.email, physician.email_verified = target, True
        physician.user.email = target
    audit.record("contact_changed", physician=physician, ip=ip, detail=channel)
    db.session.commit()
