"""Why a web login failed, in words a person can act on (locked until when, disabled, or wrong)."""

from __future__ import annotations

import datetime as dt

from flask import current_app
from flask_babel import format_datetime
from sqlalchemy import func, or_, select
from werkzeug.security import check_password_hash

from app.accounts.errors import AccountError
from app.extensions import db
from app.models import RegistryUser, SecurityEvent


def _user(login: str) -> RegistryUser | None:
    login = (login or "").strip()
    if not login:
        return None
    return db.session.scalars(select(RegistryUser).where(or_(
        func.lower(RegistryUser.username) == login.lower(), func.lower(RegistryUser.email) == login.lower(),
    )).limit(1)).first()


def lock_ends_at(user: RegistryUser) -> dt.datetime | None:
    """Return when the lock of a locked account ends (None: until an administrator unlocks it)."""
    minutes = current_app.config["LOCKOUT_MINUTES"]
    if not minutes:
        return None
    last = db.session.scalar(select(func.max(SecurityEvent.created_at)).where(
        SecurityEvent.user_id == user.id, SecurityEvent.event == "login_failed"))
    return last + dt.timedelta(minutes=minutes) if last else None


def login_refusal(login: str, password: str) -> AccountError:
    """Return the refusal to show after a failed login: locked (until HH:mm), disabled, or wrong."""
    user = _user(login)
    if user is not None and current_app.appbuilder.sm.is_locked(user):
        ends = lock_ends_at(user)
        if ends is None:
            return AccountError("login_locked_admin")
        return AccountError("login_locked", time=format_datetime(ends, "HH:mm"))
    # Say "disabled" only to whoever knows the password: it must not reveal accounts to guessers.
    if user is not None and not user.active and check_password_hash(user.password or "", password or ""):
        return AccountError("login_disabled")
    return AccountError("login_failed")
