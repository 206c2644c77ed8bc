"""One-time codes: generated with `secrets`, stored only as keyed hashes, checked in constant time."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from collections.abc import Callable

from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from app.accounts.errors import AccountError
from app.commands import side_transaction
from app.extensions import db
from app.models import VerificationCode
from app.models._base import utcnow
from app.notify.outbox import enqueue

CODE_TTL = dt.timedelta(minutes=5)
MAX_ATTEMPTS = 5
RESEND_COOLDOWN = dt.timedelta(seconds=60)
HOURLY_CAP = 5


def new_code(digits: int = 6) -> str:
    """Return a random numeric code."""
    return "".join(secrets.choice("0123456789") for _ in range(digits))


def hash_code(code: str, *context: str) -> str:
    """Return the keyed hash stored instead of a code (bound to its target and purpose)."""
    key = current_app.config["SECRET_KEY"].encode()
    message = "|".join((*context, code.strip())).encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def codes_match(stored_hash: str, code: str, *context: str) -> bool:
    """Compare a typed code with a stored hash in constant time."""
    return hmac.compare_digest(stored_hash, hash_code(code or "", *context))


def issue_verification_code(channel: str, target: str, purpose: str, template: str,
                            physician_id: int | None = None, now: dt.datetime | None = None) -> VerificationCode:
    """Create a code for ``target`` and queue the message, enforcing cooldown and hourly cap."""
    now = now or utcnow()
    recent = select(VerificationCode).where(
        VerificationCode.target == target, VerificationCode.purpose == purpose
    )
    last = db.session.scalars(recent.order_by(VerificationCode.issued_at.desc()).limit(1)).first()
    if last is not None and now - last.issued_at < RESEND_COOLDOWN:
        wait = RESEND_COOLDOWN - (now - last.issued_at)
        raise AccountError("code_cooldown", seconds=max(1, int(wait.total_seconds())))
    sent_last_hour = db.session.scalar(
        select(func.count()).select_from(VerificationCode).where(
            VerificationCode.target == target, VerificationCode.issued_at > now - dt.timedelta(hours=1)
        )
    )
    if sent_last_hour >= HOURLY_CAP:
        raise AccountError("code_hourly_cap")
    code = new_code()
    row = VerificationCode(
        channel=channel, target=target, purpose=purpose, physician_id=physician_id,
        code_hash=hash_code(code, purpose, target), issued_at=now, expires_at=now + CODE_TTL,
    )
    db.session.add(row)
    enqueue(channel, target, template, code=code, minutes=int(CODE_TTL.total_seconds() // 60))
    return row


def check_verification_code(target: str, purpose: str, code: str,
                            now: dt.datetime | None = None) -> VerificationCode:
    """Consume the latest code for ``target``; a wrong one is counted on the side and refused."""
    now = now or utcnow()
    row = db.session.scalars(
        select(VerificationCode)
        .where(VerificationCode.target == target, VerificationCode.purpose == purpose)
        .order_by(VerificationCode.issued_at.desc(), VerificationCode.id.desc())
        .limit(1)
    ).first()
    if row is None:
        raise AccountError("code_missing")
    return consume(row, code, (purpose, target), now)


def count_wrong_attempt(row, on_wrong: Callable[[Session], object] | None = None) -> int:
    """Add one wrong attempt to a code row in a transaction of its own; return the new count.

    The refused command rolls back, but the count (and the audit entry ``on_wrong`` writes into
    the side session) stays, so rolling back can never reset a code's attempt counter.
    """
    model = type(row)
    with side_transaction() as side:
        side.execute(update(model).where(model.id == row.id).values(attempts=model.attempts + 1))
        if on_wrong is not None:
            on_wrong(side)
        attempts = side.scalar(select(model.attempts).where(model.id == row.id))
    set_committed_value(row, "attempts", attempts)  # the command's session sees the count too
    return attempts


def _refusal(code: str, variant: str | None, **params) -> AccountError:
    error = AccountError(code, **params)
    error.variant = variant
    return error


def consume(row, code: str, context: tuple[str, ...], now: dt.datetime,
            on_wrong: Callable[[Session], object] | None = None, variant: str | None = None):
    """Use a stored code once: refuse used, expired or locked codes; count a wrong try on the side."""
    if row.used_at is not None:
        raise _refusal("code_used", variant)
    if row.expires_at <= now:
        raise _refusal("code_expired", variant)
    if row.attempts >= MAX_ATTEMPTS:
        raise _refusal("code_locked", variant)
    if not codes_match(row.code_hash, code, *context):
        remaining = MAX_ATTEMPTS - count_wrong_attempt(row, on_wrong)
        raise _refusal("code_locked" if remaining <= 0 else "code_wrong", variant, remaining=max(0, remaining))
    row.used_at = now
    return row


def cooldown_left(target: str | None, purpose: str, now: dt.datetime | None = None) -> int:
    """Return the seconds until another code may be sent to ``target`` (0: now)."""
    if not target:
        return 0
    last = db.session.scalar(
        select(func.max(VerificationCode.issued_at))
        .where(VerificationCode.target == target, VerificationCode.purpose == purpose)
    )
    if last is None:
        return 0
    return max(0, int((RESEND_COOLDOWN - ((now or utcnow()) - last)).total_seconds()))
