"""Password recovery (SPEC §2 step 6); the settings commands live in app.accounts.settings."""

from __future__ import annotations

from sqlalchemy import func, or_, select

from app.accounts import audit
from app.accounts.codes import check_verification_code, issue_verification_code
from app.accounts.errors import AccountError, command
from app.accounts.passwords import check_new_password
from app.accounts.settings import change_password, confirm_contact_change, set_password, start_contact_change
from app.domain.enums import Channel, CodePurpose
from app.domain.identity import normalize_id_number
from app.extensions import db
from app.models import Physician, RegistryUser


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
    return physician


@command
def reset_password(login: str, channel: str, code: str, password: str, password2: str,
                   ip: str | None = None) -> Physician:
    """Check the recovery code and set a new password."""
    physician = find_physician(login)
    if physician is None:
        raise AccountError("account_unknown")
    check_new_password(password, password2)  # before the code is consumed
    check_verification_code(_verified_target(physician, channel), CodePurpose.RECOVERY, code)
    set_password(physician.user, physician, password)  # a reset also lifts a lockout
    audit.record("password_reset", physician=physician, ip=ip, detail=channel)
    return physician


__all__ = ["change_password", "confirm_contact_change", "find_physician", "reset_password", "start_contact_change",
           "start_recovery"]
