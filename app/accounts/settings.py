"""Security settings of any logged-in user (SPEC §2 step 6): password, mobile number, e-mail.

The only way to change them: FAB's own profile and password pages are switched off (see
app.security.manager). Every change needs the current password or a code, is audited and sends a
notice to the verified contact it affects, so a stolen session cannot quietly take an account over.
"""

from __future__ import annotations

from flask import current_app
from flask_babel import format_datetime
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from app.accounts import audit
from app.accounts.codes import check_verification_code, issue_verification_code
from app.accounts.errors import AccountError, command
from app.accounts.passwords import check_new_password
from app.commands import side_transaction
from app.domain.contact import validate_email, validate_mobile
from app.domain.enums import Channel, CodePurpose
from app.domain.errors import RuleViolation
from app.domain.masking import mask_email, mask_phone
from app.extensions import db
from app.models import Physician, RegistryUser
from app.models._base import utcnow
from app.notify.outbox import enqueue

TIME_FORMAT = "yyyy-MM-dd HH:mm"


def _now_text() -> str:
    return format_datetime(utcnow(), TIME_FORMAT)


def _owner(account: Physician | RegistryUser) -> tuple[RegistryUser, Physician | None]:
    """Return the login and (if any) the physician profile of a physician or a staff user."""
    if isinstance(account, Physician):
        return account.user, account
    physician = db.session.scalar(select(Physician).where(Physician.user_id == account.id))
    return account, physician


def notice_contact(user: RegistryUser, physician: Physician | None) -> tuple[str, str] | None:
    """Return the (channel, target) a security notice goes to: the verified phone, else e-mail."""
    if physician is not None:
        if physician.phone_verified and physician.phone:
            return Channel.SMS.value, physician.phone
        if physician.email_verified and physician.email:
            return Channel.EMAIL.value, physician.email
        return None
    return (Channel.EMAIL.value, user.email) if user.email else None  # staff: the address the admin set


def set_password(user: RegistryUser, physician: Physician | None, password: str) -> None:
    """Store a new password hash, lift a lockout and tell the owner (recovery and change alike)."""
    user.password = generate_password_hash(password, method=current_app.config["FAB_PASSWORD_HASH_METHOD"])
    user.fail_login_count = 0
    contact = notice_contact(user, physician)
    if contact:
        enqueue(*contact, "password_changed", time=_now_text())


@command
def change_password(account: Physician | RegistryUser, old: str, password: str, password2: str,
                    ip: str | None = None) -> None:
    """Change the password of a physician or a staff user; the current one is required."""
    user, physician = _owner(account)
    if not check_password_hash(user.password or "", old or ""):
        with side_transaction() as side:  # kept although the refusal rolls the command back
            audit.record("password_change_failed", physician=physician, user_id=user.id, ip=ip, session=side)
        raise AccountError("password_wrong")
    check_new_password(password, password2)
    if check_password_hash(user.password or "", password):
        raise AccountError("password_same")
    set_password(user, physician, password)
    audit.record("password_changed", physician=physician, user_id=user.id, ip=ip)


_PURPOSE = {Channel.SMS: CodePurpose.CHANGE_PHONE, Channel.EMAIL: CodePurpose.CHANGE_EMAIL}
_TEMPLATE = {Channel.SMS: "change_phone_code", Channel.EMAIL: "change_email_code"}
_NOTICE = {Channel.SMS: "phone_changed", Channel.EMAIL: "email_changed"}


def _new_target(physician: Physician, channel: str, value: str) -> str:
    try:
        target = validate_mobile(value) if channel == Channel.SMS else validate_email(value)
    except RuleViolation as violation:
        raise AccountError.from_rule(violation) from None
    current = physician.phone if channel == Channel.SMS else (physician.email or "")
    if target.lower() == (current or "").lower():
        raise AccountError("contact_same")
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
    return target


@command
def confirm_contact_change(physician: Physician, channel: str, value: str, code: str,
                           ip: str | None = None) -> None:
    """Check the code sent to the new target, switch to it and tell the old (verified) contact."""
    target = _new_target(physician, channel, value)
    check_verification_code(target, _PURPOSE[Channel(channel)], code)
    if channel == Channel.SMS:
        old, was_verified = physician.phone, physician.phone_verified
        physician.phone, physician.phone_verified = target, True
        masked = mask_phone(target)
    else:
        old, was_verified = physician.email, physician.email_verified
        physician.email, physician.email_verified = target, True
        physician.user.email = target
        masked = mask_email(target)
    if old and was_verified:
        enqueue(channel, old, _NOTICE[Channel(channel)], new=masked, time=_now_text())
    audit.record("contact_changed", physician=physician, ip=ip, detail=channel)
