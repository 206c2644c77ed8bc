"""The account commands without HTTP: sign-up, verification, activation, recovery, settings."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import func, select

from app.accounts import activation, recovery, signup
from app.accounts.codes import HOURLY_CAP
from app.accounts.errors import AccountError
from app.demo import demo_id_number
from app.domain.enums import AccountStatus, Channel
from app.extensions import db
from app.models import ActivationCode, Institution, Message, Physician, SecurityEvent, VerificationCode
from app.models._base import utcnow

SUN_LI = ("孙丽", demo_id_number("110105", "19980214", "758"))  # 2026 cohort, no account yet
ZHOU_TAO = ("周涛", demo_id_number("310104", "19940919", "867"))  # 2025 cohort
LATER = dt.date(2027, 1, 10)


def _code_from_outbox(target: str) -> str:
    body = db.session.scalars(
        select(Message.body).where(Message.recipient == target).order_by(Message.id.desc())
    ).first()
    return re.search(r"\d{6,8}", body).group(0)


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _new_account(institution_id: int = 1, **overrides) -> Physician:
    values = dict(
        name=SUN_LI[0], id_number=SUN_LI[1], phone="13911112222", email="sunli@example.cn",
        username="sunli2026", password="Abcdef12!", password2="Abcdef12!",
        institution_id=institution_id, today=LATER,
    )
    values.update(overrides)
    return signup.create_account(**values)


@pytest.fixture
def ctx(app):
    with app.test_request_context():
        yield


@pytest.mark.parametrize(
    ("name", "number", "code"),
    [
        (SUN_LI[0], SUN_LI[1][:-1] + ("0" if SUN_LI[1][-1] != "0" else "1"), "id_checksum"),
        (SUN_LI[0], "1101051998021475", "id_length"),
        ("李四", SUN_LI[1], "no_qualification"),
        ("张明", demo_id_number("110105", "19900312", "101"), "account_exists"),
        ("", SUN_LI[1], "name_required"),
    ],
)
def test_identity_refusals(ctx, name, number, code):
    with pytest.raises(AccountError) as refused:
        signup.check_identity(name, number, today=LATER)
    assert refused.value.code == code
    assert refused.value.message and refused.value.message != code


def test_accounts_open_only_after_the_delay(ctx):
    with pytest.raises(AccountError) as refused:
        signup.check_identity(*SUN_LI, today=dt.date(2026, 10, 1))
    assert refused.value.code == "not_open_yet"
    assert "2026-10-15" in refused.value.message
    assert signup.check_identity(SUN_LI[0], SUN_LI[1].lower(), today=dt.date(2026, 10, 15)).id_number == SUN_LI[1]


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"phone": "12345"}, "mobile_invalid"),
        ({"email": "not-an-email"}, "email_invalid"),
        ({"username": "physician"}, "username_taken"),
        ({"username": SUN_LI[1]}, "username_is_id"),
        ({"password": "abc", "password2": "abc"}, "password_weak"),
        ({"password2": "Abcdef12?"}, "password_mismatch"),
        ({"institution_id": 3}, "institution_military"),
        ({"institution_id": 999}, "institution_required"),
    ],
)
def test_bad_sign_up_changes_nothing(ctx, overrides, code):
    before = (_count(Physician), _count(VerificationCode), _count(Message))
    with pytest.raises(AccountError) as refused:
        _new_account(**overrides)
    assert refused.value.code == code
    db.session.rollback()
    assert (_count(Physician), _count(VerificationCode), _count(Message)) == before


def test_sign_up_verify_and_activate_by_code(ctx):
    physician = _new_account()
    assert physician.status == AccountStatus.CREATED and physician.gender == "female"
    stored = db.session.scalars(select(VerificationCode)).all()[-1]
    code = _code_from_outbox("13911112222")
    assert code not in stored.code_hash and len(stored.code_hash) == 64

    with pytest.raises(AccountError) as wrong:
        signup.verify_signup(physician, Channel.SMS, "000000" if code != "000000" else "111111")
    assert wrong.value.code == "code_wrong" and physician.status == AccountStatus.CREATED
    signup.verify_signup(physician, Channel.SMS, code)
    assert physician.status == AccountStatus.VERIFIED and physician.phone_verified

    with pytest.raises(AccountError) as early:
        activation.activate(physician, "12345678")
    assert early.value.code == "activation_missing"
    with pytest.raises(AccountError) as wrong_institution:
        activation.issue_activation_codes(2, [physician.id], Channel.SMS)
    assert wrong_institution.value.code == "not_your_institution"
    with pytest.raises(AccountError) as unverified:
        activation.issue_activation_codes(1, [physician.id], Channel.EMAIL)
    assert unverified.value.code == "channel_unverified"

    activation.issue_activation_codes(1, [physician.id], Channel.SMS)
    first = _code_from_outbox("13911112222")
    activation.issue_activation_codes(1, [physician.id], Channel.SMS)  # re-issue revokes the first
    second = _code_from_outbox("13911112222")
    if first != second:
        with pytest.raises(AccountError):
            activation.activate(physician, first)
    activation.activate(physician, second)
    assert physician.status == AccountStatus.ACTIVE
    with pytest.raises(AccountError) as again:
        activation.activate(physician, second)
    assert again.value.code == "already_active"
    events = set(db.session.scalars(select(SecurityEvent.event).where(SecurityEvent.physician_id == physician.id)))
    assert {"account_created", "contact_verified", "activation_code_issued", "account_activated"} <= events


def test_auto_activation_institution(ctx):
    physician = _new_account(institution_id=2)  # 北京海淀社区卫生服务中心 has 自动激活
    signup.verify_signup(physician, Channel.SMS, _code_from_outbox("13911112222"))
    assert physician.status == AccountStatus.ACTIVE


def test_activation_code_expires_and_locks(ctx):
    physician = _new_account()
    signup.verify_signup(physician, Channel.SMS, _code_from_outbox("13911112222"))
    activation.issue_activation_codes(1, [physician.id], Channel.SMS)
    good = _code_from_outbox("13911112222")
    for _ in range(5):
        with pytest.raises(AccountError):
            activation.activate(physician, "00000000" if good != "00000000" else "11111111")
    with pytest.raises(AccountError) as locked:
        activation.activate(physician, good)
    assert locked.value.code == "code_locked" and physician.status == AccountStatus.VERIFIED

    activation.issue_activation_codes(1, [physician.id], Channel.SMS)
    fresh = _code_from_outbox("13911112222")
    row = db.session.scalars(select(ActivationCode).order_by(ActivationCode.id.desc())).first()
    row.expires_at = utcnow() - dt.timedelta(seconds=1)
    db.session.commit()
    with pytest.raises(AccountError) as expired:
        activation.activate(physician, fresh)
    assert expired.value.code == "code_expired"


def test_verification_code_rules(ctx):
    physician = _new_account()
    with pytest.raises(AccountError) as soon:
        signup.send_signup_code(physician, Channel.SMS)
    assert soon.value.code == "code_cooldown"
    signup.send_signup_code(physician, Channel.EMAIL)  # the e-mail fallback is another target
    code = _code_from_outbox("sunli@example.cn")
    row = db.session.scalars(select(VerificationCode).where(VerificationCode.target == "sunli@example.cn")).one()
    row.expires_at = utcnow() - dt.timedelta(seconds=1)
    db.session.commit()
    with pytest.raises(AccountError) as expired:
        signup.verify_signup(physician, Channel.EMAIL, code)
    assert expired.value.code == "code_expired"
    # the hourly cap per target
    for row in db.session.scalars(select(VerificationCode)):
        row.issued_at -= dt.timedelta(minutes=2)
    db.session.commit()
    sent = 1
    for _ in range(HOURLY_CAP + 1):
        try:
            signup.send_signup_code(physician, Channel.SMS)
            sent += 1
        except AccountError as error:
            assert error.code in {"code_hourly_cap", "code_cooldown"}
            if error.code == "code_hourly_cap":
                break
        for row in db.session.scalars(select(VerificationCode)):
            row.issued_at -= dt.timedelta(minutes=2)
        db.session.commit()
    assert sent == HOURLY_CAP


def test_recovery_and_settings(ctx):
    physician = db.session.scalars(select(Physician).where(Physician.name == "张明")).one()
    with pytest.raises(AccountError) as unknown:
        recovery.start_recovery("nobody", Channel.SMS)
    assert unknown.value.code == "account_unknown"
    with pytest.raises(AccountError) as unverified:
        recovery.start_recovery("physician", Channel.EMAIL)
    assert unverified.value.code == "channel_unverified"
    recovery.start_recovery("physician", Channel.SMS)
    code = _code_from_outbox(physician.phone)
    with pytest.raises(AccountError) as weak:
        recovery.reset_password("physician", Channel.SMS, code, "short", "short")
    assert weak.value.code == "password_weak"
    recovery.reset_password("physician", Channel.SMS, code, "Newpass123!", "Newpass123!")
    with pytest.raises(AccountError) as reused:
        recovery.reset_password("physician", Channel.SMS, code, "Other123!x", "Other123!x")
    assert reused.value.code == "code_used"

    with pytest.raises(AccountError) as wrong_old:
        recovery.change_password(physician, "Demo@12345", "Another1!x", "Another1!x")
    assert wrong_old.value.code == "password_wrong"
    recovery.change_password(physician, "Newpass123!", "Another1!x", "Another1!x")

    old_phone = physician.phone
    with pytest.raises(AccountError) as taken:
        recovery.start_contact_change(physician, Channel.SMS, "13800132022")  # 李芳's number
    assert taken.value.code == "phone_taken"
    recovery.start_contact_change(physician, Channel.SMS, "13977778888")
    assert physician.phone == old_phone  # the old number stays until the new one is verified
    recovery.confirm_contact_change(physician, Channel.SMS, "13977778888", _code_from_outbox("13977778888"))
    assert physician.phone == "13977778888" and physician.phone_verified
    events = set(db.session.scalars(select(SecurityEvent.event).where(SecurityEvent.physician_id == physician.id)))
    assert {"recovery_code_sent", "password_reset", "password_changed", "contact_changed"} <= events
    assert db.session.get(Institution, 1) is not None
