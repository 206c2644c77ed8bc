"""Sign-up (SPEC §2 steps 1–3): identity against the qualification records, account, verification."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload

from app.accounts import audit
from app.accounts.codes import check_verification_code, issue_verification_code
from app.accounts.errors import AccountError, command
from app.accounts.passwords import check_new_password
from app.domain.contact import validate_email, validate_mobile
from app.domain.enums import AccountStatus, Channel, CodePurpose
from app.domain.errors import RuleViolation
from app.domain.identity import birth_date_from_id, gender_from_id, normalize_id_number, validate_id_number
from app.extensions import db
from app.models import Institution, Physician, Qualification, RegistryUser
from app.models._base import utcnow
from app.notify.outbox import enqueue
from app.security.roles import PHYSICIAN

USERNAME = re.compile(r"[A-Za-z][A-Za-z0-9_.]{3,31}")


@dataclass(frozen=True)
class Identity:
    """A person whose name and ID number match at least one qualification record."""

    name: str
    id_number: str
    qualifications: tuple[Qualification, ...]
    opens_on: dt.date


def check_identity(name: str, id_number: str, today: dt.date | None = None) -> Identity:
    """Step 1: validate the ID number, match a qualification, refuse duplicates and early sign-ups."""
    today = today or dt.date.today()
    name = (name or "").strip()
    if not name:
        raise AccountError("name_required")
    try:
        number = validate_id_number(id_number, today=today)
    except RuleViolation as violation:
        raise AccountError.from_rule(violation) from None
    qualifications = tuple(db.session.scalars(
        select(Qualification).where(Qualification.id_number == number, Qualification.name == name)
        .order_by(Qualification.published_on)
    ))
    if not qualifications:
        raise AccountError("no_qualification")
    if db.session.scalar(select(Physician.id).where(Physician.id_number == number)) is not None:
        raise AccountError("account_exists")
    delay = dt.timedelta(days=current_app.config["ACCOUNT_OPENING_DELAY_DAYS"])
    opens_on = min(q.published_on for q in qualifications) + delay
    if today < opens_on:
        raise AccountError("not_open_yet", date=opens_on.isoformat())
    return Identity(name, number, qualifications, opens_on)


def _check_username(identity: Identity, username: str) -> str:
    username = (username or "").strip()
    if not USERNAME.fullmatch(username):
        if normalize_id_number(username) == identity.id_number:
            raise AccountError("username_is_id")
        raise AccountError("username_invalid")
    if username.upper() == identity.id_number or username == identity.name:
        raise AccountError("username_is_id")
    taken = select(RegistryUser.id).where(func.lower(RegistryUser.username) == username.lower())
    if db.session.scalar(taken) is not None:
        raise AccountError("username_taken")
    return username


def _check_phone(phone: str) -> str:
    try:
        phone = validate_mobile(phone)
    except RuleViolation as violation:
        raise AccountError.from_rule(violation) from None
    if db.session.scalar(select(Physician.id).where(Physician.phone == phone)) is not None:
        raise AccountError("phone_taken")
    return phone


def _check_email(email: str) -> str:
    try:
        email = validate_email(email)
    except RuleViolation as violation:
        raise AccountError.from_rule(violation) from None
    email_owner = select(RegistryUser.id).where(func.lower(RegistryUser.email) == email.lower())
    if db.session.scalar(email_owner) is not None:
        raise AccountError("email_taken")
    return email


def account_problems(identity: Identity, *, phone: str, email: str, username: str, password: str,
                     password2: str, institution_id) -> list[AccountError]:
    """Check every field of step 2 on its own and return all refusals, in the order of the form."""
    checks = (
        lambda: _check_phone(phone), lambda: _check_email(email), lambda: _check_username(identity, username),
        lambda: check_new_password(password, password2), lambda: selectable_institution(institution_id),
    )
    problems = []
    for check in checks:
        try:
            check()
        except AccountError as refusal:
            problems.append(refusal)
    return problems


def selectable_institutions(query: str = "", limit: int = 20) -> list[Institution]:
    """Return up to ``limit`` institutions a physician may choose (never military) matching a name or licence."""
    statement = (
        select(Institution).options(joinedload(Institution.region)).where(Institution.is_military.is_(False))
    )
    query = (query or "").strip()[:64]
    if query:
        statement = statement.where(or_(
            Institution.name.contains(query, autoescape=True),
            Institution.license_no.startswith(query.upper(), autoescape=True),
        ))
    return list(db.session.scalars(statement.order_by(Institution.name, Institution.id).limit(limit)))


def selectable_institution(institution_id) -> Institution:
    """Return the institution a physician may choose, refusing military hospitals."""
    institution = db.session.get(Institution, int(institution_id)) if str(institution_id or "").isdigit() else None
    if institution is None:
        raise AccountError("institution_required")
    if institution.is_military:
        raise AccountError("institution_military")
    return institution


@command
def create_account(*, name: str, id_number: str, phone: str, email: str, username: str, password: str,
                   password2: str, institution_id, ip: str | None = None,
                   today: dt.date | None = None, consent_version: str | None = None) -> Physician:
    """Step 2: create the login and the physician profile, and send the phone code.

    ``consent_version`` is the privacy notice the person accepted; it is stored with the time.
    """
    identity = check_identity(name, id_number, today)
    problems = account_problems(identity, phone=phone, email=email, username=username, password=password,
                                password2=password2, institution_id=institution_id)
    if problems:
        raise problems[0]
    username, phone, email = username.strip(), validate_mobile(phone), validate_email(email)
    institution = selectable_institution(institution_id)
    sm = current_app.appbuilder.sm
    user = sm.add_user(username, identity.name, "", email, sm.find_role(PHYSICIAN), password=password, commit=False)
    if not user:
        raise AccountError("username_taken")
    db.session.flush()
    physician = Physician(
        user_id=user.id, name=identity.name, id_number=identity.id_number,
        gender=gender_from_id(identity.id_number), birth_date=birth_date_from_id(identity.id_number),
        phone=phone, email=email, status=AccountStatus.CREATED,
        institution_id=institution.id, region_code=institution.region_code,
        privacy_consent_at=utcnow() if consent_version else None, privacy_notice_version=consent_version,
    )
    db.session.add(physician)
    db.session.flush()
    issue_verification_code(Channel.SMS, phone, CodePurpose.SIGNUP, "signup_code", physician.id)
    audit.record("account_created", physician=physician, ip=ip)
    return physician


@command
def send_signup_code(physician: Physician, channel: str) -> None:
    """Send (again) a sign-up code to the physician's phone, or to the e-mail as a fallback."""
    if physician.status != AccountStatus.CREATED:
        raise AccountError("already_active" if physician.status == AccountStatus.ACTIVE else "not_waiting_activation")
    target = physician.phone if channel == Channel.SMS else physician.email
    if not target:
        raise AccountError("no_contact")
    issue_verification_code(channel, target, CodePurpose.SIGNUP, "signup_code", physician.id)


@command
def verify_signup(physician: Physician, channel: str, code: str, ip: str | None = None) -> Physician:
    """Step 3: check the code; the account waits for activation, or is active at once (自动激活)."""
    if physician.status != AccountStatus.CREATED:
        raise AccountError("already_active" if physician.status == AccountStatus.ACTIVE else "not_waiting_activation")
    target = physician.phone if channel == Channel.SMS else physician.email
    check_verification_code(target or "", CodePurpose.SIGNUP, code)
    now = utcnow()
    if channel == Channel.SMS:
        physician.phone_verified = True
    else:
        physician.email_verified = True
    physician.status = AccountStatus.VERIFIED
    physician.verified_at = now
    audit.record("contact_verified", physician=physician, ip=ip, detail=channel)
    institution = physician.institution
    if institution is not None and institution.auto_activate:
        physician.status = AccountStatus.ACTIVE
        physician.activated_at = now
        audit.record("account_activated", physician=physician, ip=ip, detail="auto")
        enqueue(channel, target, "account_activated", institution=institution.name)
    return physician
