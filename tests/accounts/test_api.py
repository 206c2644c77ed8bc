"""The account JSON API for the mobile client: the whole journey, every refusal, limits and the spec."""

from __future__ import annotations

import base64
import datetime as dt
import re
import time

import pytest
from itsdangerous import TimestampSigner
from sqlalchemy import func, select

from app.accounts import activation
from app.accounts.errors import AccountError
from app.demo import demo_id_number
from app.domain.enums import AccountStatus, Channel
from app.extensions import db
from app.models import (
    ActivationCode,
    Message,
    Physician,
    RegistryUser,
    SecurityEvent,
    VerificationCode,
)
from app.models._base import utcnow
from tests.conftest import PASSWORD

SUN_LI = {"name": "孙丽", "id_number": demo_id_number("110105", "19980214", "758")}
ZHANG_MING = {"name": "张明", "id_number": demo_id_number("110105", "19900312", "101")}  # has an account
PHONE, EMAIL, NEW_PASSWORD = "13911112222", "sunli@example.cn", "Abcdef12!"
SIGN_UP = {
    **SUN_LI, "phone": PHONE, "email": EMAIL, "username": "sunli2026",
    "password": NEW_PASSWORD, "password2": NEW_PASSWORD, "institution_id": 1,
}
PROTECTED = [
    ("post", "/api/v1/account/code"), ("post", "/api/v1/account/verify"), ("post", "/api/v1/account/activate"),
    ("get", "/api/v1/account/me"), ("post", "/api/v1/account/password"), ("post", "/api/v1/account/contact"),
    ("post", "/api/v1/account/contact/confirm"),
]
PUBLIC = [
    ("post", "/api/v1/account/captcha"), ("post", "/api/v1/account/identity"), ("post", "/api/v1/account/"), ("get", "/api/v1/account/institutions"),
    ("post", "/api/v1/account/recovery"), ("post", "/api/v1/account/recovery/reset"),
]


ANSWER = "K7PM"  # what the captcha picture shows in testing mode (CAPTCHA_TEST_ANSWER)


@pytest.fixture(autouse=True)
def _readable_captcha(app):
    app.config["CAPTCHA_TEST_ANSWER"] = ANSWER


def _captcha(client, **environ) -> str:
    """Ask for a captcha challenge and return its token."""
    response = client.post("/api/v1/account/captcha", **environ)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["token"]


def _solved(client, payload: dict, **environ) -> dict:
    """Return ``payload`` with a fresh, solved captcha and the privacy consent."""
    return {**payload, "captcha_token": _captcha(client, **environ), "captcha_answer": ANSWER.lower(), "consent": True}


def _snapshot(app) -> tuple[int, ...]:
    """Count the rows a refused sign-up or code request must not add."""
    with app.app_context():
        return tuple(
            db.session.scalar(select(func.count()).select_from(model))
            for model in (Physician, RegistryUser, VerificationCode, ActivationCode, Message)
        )


def _code(app, target: str) -> str:
    """Read the newest code sent to ``target`` from the outbox (as the log backend would show it)."""
    with app.app_context():
        body = db.session.scalars(
            select(Message.body).where(Message.recipient == target).order_by(Message.id.desc())
        ).first()
    return re.search(r"\d{6,8}", body).group(0)


def _wrong(code: str) -> str:
    return "0" * len(code) if code != "0" * len(code) else "1" * len(code)


def _jwt(client, username: str, password: str = PASSWORD) -> dict[str, str]:
    """Log in through FAB's JWT login and return the Authorization header."""
    response = client.post(
        "/api/v1/security/login",
        json={"username": username, "password": password, "provider": "db", "refresh": False},
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    return {"Authorization": f"Bearer {response.get_json()['access_token']}"}


def _refused(response, status: int, code: str) -> dict:
    """Assert the JSON refusal shape and return the body."""
    body = response.get_json()
    assert response.status_code == status, (response.status_code, body)
    assert body["code"] == code, body
    assert body["message"] and body["message"] != code
    assert re.search(r"[\u4e00-\u9fff]", body["message"]), body["message"]  # Chinese first
    return body


def _sign_up(client, **overrides) -> dict[str, str]:
    """Create Sun Li's account through the API and return her JWT header."""
    response = client.post("/api/v1/account/", json=_solved(client, {**SIGN_UP, **overrides}))
    assert response.status_code == 201, response.get_json()
    return _jwt(client, overrides.get("username", SIGN_UP["username"]), NEW_PASSWORD)


# --- the journey -----------------------------------------------------------------------------------


def test_journey_with_an_activation_code(app, client):
    identity = client.post("/api/v1/account/identity",
                           json=_solved(client, {**SUN_LI, "id_number": SUN_LI["id_number"].lower()}))
    assert identity.status_code == 200, identity.get_json()
    result = identity.get_json()
    assert result["ok"] is True and result["opens_on"] == "2026-10-15"
    assert [(q["level"], q["category"], q["exam_year"]) for q in result["qualifications"]] == [
        ("physician", "clinical", 2026)
    ]
    assert result["qualifications"][0]["level_label"] != "physician"

    created = client.post("/api/v1/account/", json=_solved(client, SIGN_UP))  # no CSRF token: the API is exempt
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["status"] == AccountStatus.CREATED
    assert created.get_json()["code_sent_to"] == "139****2222"
    headers = _jwt(client, "sunli2026", NEW_PASSWORD)

    me = client.get("/api/v1/account/me", headers=headers).get_json()
    assert me["status"] == "created" and me["next_step"] == "verify_contact"
    assert me["id_number_masked"] != SUN_LI["id_number"] and SUN_LI["id_number"][6:14] not in str(me)
    assert me["phone_masked"] == "139****2222" and PHONE not in str(me)
    assert me["institution"]["id"] == 1 and me["registration"] is None
    assert [q["exam_year"] for q in me["qualifications"]] == [2026]

    code = _code(app, PHONE)
    body = _refused(client.post("/api/v1/account/verify", json={"channel": "sms", "code": _wrong(code)},
                                headers=headers), 400, "code_wrong")
    assert body["params"] == {"remaining": 4}
    verified = client.post("/api/v1/account/verify", json={"channel": "sms", "code": code}, headers=headers)
    assert verified.status_code == 200, verified.get_json()
    assert verified.get_json() == {"status": "verified", "next_step": "await_activation"}

    _refused(client.post("/api/v1/account/activate", json={"code": "12345678"}, headers=headers),
             400, "activation_missing")
    with app.test_request_context():
        physician_id = db.session.scalar(select(Physician.id).where(Physician.phone == PHONE))
        with pytest.raises(AccountError) as wrong_institution:  # another institution's admin
            activation.issue_activation_codes(4, [physician_id], Channel.SMS)
        assert wrong_institution.value.code == "not_your_institution"
        db.session.rollback()
        assert not db.session.scalars(select(ActivationCode)).all()
        activation.issue_activation_codes(1, [physician_id], Channel.SMS)
    activation_code = _code(app, PHONE)
    assert len(activation_code) == 8

    activated = client.post("/api/v1/account/activate", json={"code": activation_code}, headers=headers)
    assert activated.status_code == 200, activated.get_json()
    assert activated.get_json() == {"status": "active", "next_step": "first_registration"}
    _refused(client.post("/api/v1/account/activate", json={"code": activation_code}, headers=headers),
             400, "already_active")
    me = client.get("/api/v1/account/me", headers=headers).get_json()
    assert me["status"] == "active" and me["phone_verified"] is True and me["status_label"]
    with app.app_context():
        events = set(db.session.scalars(select(SecurityEvent.event).where(SecurityEvent.physician_id == physician_id)))
    assert {"account_created", "contact_verified", "activation_code_issued", "account_activated"} <= events


def test_auto_activating_institution_activates_on_verification(app, client):
    headers = _sign_up(client, institution_id=2)
    response = client.post("/api/v1/account/verify", json={"channel": "sms", "code": _code(app, PHONE)},
                           headers=headers)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["status"] == "active"
    assert client.get("/api/v1/account/me", headers=headers).get_json()["status"] == "active"


def test_email_fallback_verifies_the_email(app, client):
    headers = _sign_up(client)
    sent = client.post("/api/v1/account/code", json={"channel": "email"}, headers=headers)
    assert sent.status_code == 200 and sent.get_json() == {"channel": "email", "sent_to": "s***@example.cn"}
    client.post("/api/v1/account/verify", json={"channel": "email", "code": _code(app, EMAIL)}, headers=headers)
    me = client.get("/api/v1/account/me", headers=headers).get_json()
    assert me["email_verified"] is True and me["phone_verified"] is False and me["status"] == "verified"


def test_institution_search_hides_military_hospitals(client):
    body = client.get("/api/v1/account/institutions?q=北京").get_json()
    names = {row["name"] for row in body["result"]}
    assert names == {"北京朝阳示范医院", "北京海淀社区卫生服务中心"}
    assert all(set(row) == {"id", "name", "region", "region_code"} for row in body["result"])
    assert "军" in body["notice"]
    every = client.get("/api/v1/account/institutions").get_json()["result"]
    assert 0 < len(every) <= 20 and "解放军示范总医院" not in {row["name"] for row in every}
    assert client.get("/api/v1/account/institutions?q=%25").get_json()["result"] == []  # % is literal


# --- refusals change nothing -------------------------------------------------------------------------


def _flip_checksum(number: str) -> str:
    return number[:-1] + ("0" if number[-1] != "0" else "1")


@pytest.mark.parametrize(
    ("payload", "status", "code"),
    [
        ({**SUN_LI, "id_number": _flip_checksum(SUN_LI["id_number"])}, 400, "id_checksum"),
        ({**SUN_LI, "name": "李四"}, 400, "no_qualification"),
        (ZHANG_MING, 409, "account_exists"),
        ({"name": "孙丽"}, 400, "invalid_request"),
    ],
)
def test_identity_refusals(app, client, payload, status, code):
    before = _snapshot(app)
    body = _refused(client.post("/api/v1/account/identity", json=_solved(client, payload)), status, code)
    if code == "invalid_request":
        assert body["params"]["fields"] == ["id_number"]
    assert _snapshot(app) == before


@pytest.mark.parametrize(
    ("overrides", "status", "code"),
    [
        ({"id_number": _flip_checksum(SUN_LI["id_number"])}, 400, "id_checksum"),
        ({"name": "李四"}, 400, "no_qualification"),
        (ZHANG_MING, 409, "account_exists"),  # someone else's ID number
        ({"institution_id": 3}, 400, "institution_military"),
        ({"username": "physician"}, 409, "username_taken"),
        ({"phone": "13800131011"}, 409, "phone_taken"),  # 张明's number
        ({"password2": "Abcdef12?"}, 400, "password_mismatch"),
        ({"password": "abc", "password2": "abc"}, 400, "password_weak"),
        ({"institution_id": "abc"}, 400, "invalid_request"),
    ],
)
def test_sign_up_refusals_change_nothing(app, client, overrides, status, code):
    before = _snapshot(app)
    _refused(client.post("/api/v1/account/", json=_solved(client, {**SIGN_UP, **overrides})), status, code)
    assert _snapshot(app) == before


def test_malformed_bodies_name_the_missing_fields(app, client):
    before = _snapshot(app)
    body = _refused(client.post("/api/v1/account/", data="{not json", content_type="application/json"),
                    400, "invalid_request")
    assert set(body["params"]["fields"]) == set(SIGN_UP) | {"captcha_token", "captcha_answer", "consent"}
    partial = {k: v for k, v in _solved(client, SIGN_UP).items() if k not in {"email", "password2"}}
    body = _refused(client.post("/api/v1/account/", json=partial), 400, "invalid_request")
    assert body["params"]["fields"] == ["email", "password2"]
    body = _refused(client.post("/api/v1/account/identity", json=SUN_LI), 400, "invalid_request")
    assert body["params"]["fields"] == ["captcha_answer", "captcha_token", "consent"]
    recover = {"login": "physician", "channel": "fax", "captcha_token": _captcha(client), "captcha_answer": ANSWER}
    body = _refused(client.post("/api/v1/account/recovery", json=recover), 400, "invalid_request")
    assert body["params"]["fields"] == ["channel"]
    assert set(body) == {"code", "message", "params"}  # one shape
    assert _snapshot(app) == before


def test_duplicate_account(app, client):
    _sign_up(client)
    before = _snapshot(app)
    again = {**SIGN_UP, "username": "sunli_again", "phone": "13911113333", "email": "other@example.cn"}
    _refused(client.post("/api/v1/account/", json=_solved(client, again)), 409, "account_exists")
    _refused(client.post("/api/v1/account/identity", json=_solved(client, SUN_LI)), 409, "account_exists")
    assert _snapshot(app) == before


def test_sign_up_code_abuse(app, client):
    headers = _sign_up(client)
    before = _snapshot(app)
    soon = client.post("/api/v1/account/code", json={"channel": "sms"}, headers=headers)
    body = _refused(soon, 429, "code_cooldown")
    assert 0 < body["params"]["seconds"] <= 60 and soon.headers["Retry-After"] == str(body["params"]["seconds"])
    assert _snapshot(app) == before

    good = _code(app, PHONE)
    for remaining in (4, 3, 2, 1):
        body = _refused(client.post("/api/v1/account/verify", json={"channel": "sms", "code": _wrong(good)},
                                    headers=headers), 400, "code_wrong")
        assert body["params"]["remaining"] == remaining
    _refused(client.post("/api/v1/account/verify", json={"channel": "sms", "code": _wrong(good)}, headers=headers),
             400, "code_locked")
    _refused(client.post("/api/v1/account/verify", json={"channel": "sms", "code": good}, headers=headers),
             400, "code_locked")

    client.post("/api/v1/account/code", json={"channel": "email"}, headers=headers)  # another target: no cooldown
    email_code = _code(app, EMAIL)
    with app.app_context():
        row = db.session.scalars(select(VerificationCode).where(VerificationCode.target == EMAIL)).one()
        row.expires_at = utcnow() - dt.timedelta(seconds=1)
        db.session.commit()
    _refused(client.post("/api/v1/account/verify", json={"channel": "email", "code": email_code}, headers=headers),
             400, "code_expired")
    me = client.get("/api/v1/account/me", headers=headers).get_json()
    assert me["status"] == "created" and not me["phone_verified"] and not me["email_verified"]


def test_activation_code_abuse(app, client):
    headers = _sign_up(client)
    client.post("/api/v1/account/verify", json={"channel": "sms", "code": _code(app, PHONE)}, headers=headers)
    with app.test_request_context():
        physician_id = db.session.scalar(select(Physician.id).where(Physician.phone == PHONE))
        activation.issue_activation_codes(1, [physician_id], Channel.SMS)
    good = _code(app, PHONE)
    for _ in range(5):
        client.post("/api/v1/account/activate", json={"code": _wrong(good)}, headers=headers)
    _refused(client.post("/api/v1/account/activate", json={"code": good}, headers=headers), 400, "code_locked")

    with app.test_request_context():
        activation.issue_activation_codes(1, [physician_id], Channel.SMS)
        row = db.session.scalars(select(ActivationCode).order_by(ActivationCode.id.desc())).first()
        row.expires_at = utcnow() - dt.timedelta(seconds=1)
        db.session.commit()
    _refused(client.post("/api/v1/account/activate", json={"code": _code(app, PHONE)}, headers=headers),
             400, "code_expired")
    assert client.get("/api/v1/account/me", headers=headers).get_json()["status"] == "verified"


def test_recovery_and_security_settings(app, client):
    def recover(login: str, channel: str):
        token = _captcha(client)
        return client.post("/api/v1/account/recovery",
                           json={"login": login, "channel": channel, "captcha_token": token, "captcha_answer": ANSWER})

    _refused(recover("nobody", "sms"), 400, "account_unknown")
    _refused(recover("physician", "email"), 400, "channel_unverified")
    wrong = {"login": "physician", "channel": "sms", "captcha_token": _captcha(client), "captcha_answer": "XXXX"}
    _refused(client.post("/api/v1/account/recovery", json=wrong), 400, "captcha_wrong")
    sent = recover("physician", "sms")
    assert sent.status_code == 200 and sent.get_json()["sent_to"] == "138****1011"
    code = _code(app, "13800131011")
    reset = {"login": "physician", "channel": "sms", "code": code, "password": "Newpass123!", "password2": "Newpass123!"}
    _refused(client.post("/api/v1/account/recovery/reset", json={**reset, "code": _wrong(code)}), 400, "code_wrong")
    assert client.post("/api/v1/account/recovery/reset", json=reset).get_json() == {"ok": True}
    _refused(client.post("/api/v1/account/recovery/reset", json={**reset, "password": "Other123!x",
                                                                 "password2": "Other123!x"}), 400, "code_used")
    headers = _jwt(client, "physician", "Newpass123!")

    change = {"old": PASSWORD, "password": "Another1!x", "password2": "Another1!x"}
    _refused(client.post("/api/v1/account/password", json=change, headers=headers), 400, "password_wrong")
    ok = client.post("/api/v1/account/password", json={**change, "old": "Newpass123!"}, headers=headers)
    assert ok.status_code == 200, ok.get_json()

    _refused(client.post("/api/v1/account/contact", json={"channel": "sms", "value": "13800132022"}, headers=headers),
             409, "phone_taken")  # 李芳's number
    started = client.post("/api/v1/account/contact", json={"channel": "sms", "value": "13977778888"}, headers=headers)
    assert started.get_json() == {"channel": "sms", "sent_to": "139****8888"}
    assert client.get("/api/v1/account/me", headers=headers).get_json()["phone_masked"] == "138****1011"
    confirm = {"channel": "sms", "value": "13977778888", "code": _code(app, "13977778888")}
    assert client.post("/api/v1/account/contact/confirm", json=confirm, headers=headers).get_json() == {"ok": True}
    me = client.get("/api/v1/account/me", headers=headers).get_json()
    assert me["phone_masked"] == "139****8888" and me["registration"]["certificate_no"] and me["next_step"] is None


# --- access, limits, CSRF and the OpenAPI document ---------------------------------------------------------


@pytest.mark.parametrize(("method", "url"), PROTECTED)
def test_protected_endpoints_need_a_jwt(client, method, url):
    response = getattr(client, method)(url, json={})
    assert response.status_code == 401


def test_only_physicians_use_their_account_api(client):
    admin = _jwt(client, "admin")
    _refused(client.get("/api/v1/account/me", headers=admin), 403, "not_physician")
    staff = _jwt(client, "inst_admin")
    assert client.get("/api/v1/account/me", headers=staff).status_code == 403
    assert client.post("/api/v1/account/code", json={"channel": "sms"}, headers=staff).status_code == 403


def test_public_posts_are_limited_per_address_as_a_ceiling(app, client):
    app.config["ACCOUNT_API_RATE_LIMIT"] = "3 per hour"  # counted per endpoint and address
    for _ in range(3):
        assert client.post("/api/v1/account/identity", json=_solved(client, SUN_LI)).status_code == 200
    limited = client.post("/api/v1/account/captcha")  # the fourth captcha
    body = _refused(limited, 429, "rate_limited")
    assert body["params"]["seconds"] > 0 and limited.headers["Retry-After"] == str(body["params"]["seconds"])
    other = {"environ_base": {"REMOTE_ADDR": "10.0.0.9"}}  # another client
    assert client.post("/api/v1/account/identity", json=_solved(client, SUN_LI, **other), **other).status_code == 200
    assert client.get("/api/v1/account/institutions").status_code == 200  # GET is not limited


def test_public_posts_are_limited_per_target_first(app, client):
    """A busy hospital address is not the key: one ID number is, while other people still pass."""
    app.config["ACCOUNT_API_TARGET_RATE_LIMIT"] = "2 per hour"
    for _ in range(2):
        assert client.post("/api/v1/account/identity", json=_solved(client, SUN_LI)).status_code == 200
    limited = client.post("/api/v1/account/identity", json=_solved(client, SUN_LI))
    body = _refused(limited, 429, "rate_limited")
    assert 0 < body["params"]["seconds"] <= 3600 and limited.headers["Retry-After"] == str(body["params"]["seconds"])
    # Same address, another person: served (and refused on its merits, not by the limit).
    _refused(client.post("/api/v1/account/identity", json=_solved(client, ZHANG_MING)), 409, "account_exists")

    # The sign-up counts its phone, e-mail and login name as targets too.
    before = _snapshot(app)
    for _ in range(2):
        _refused(client.post("/api/v1/account/", json=_solved(client, {**SIGN_UP, "password2": "x"})),
                 400, "password_mismatch")
    other_person = {**SIGN_UP, **ZHANG_MING, "username": "zhangming2", "password2": "x"}  # same phone
    _refused(client.post("/api/v1/account/", json=_solved(client, other_person)), 429, "rate_limited")
    assert _snapshot(app) == before

    # Recovery: per login.
    for _ in range(2):
        _refused(client.post("/api/v1/account/recovery/reset", json={
            "login": "physician", "channel": "sms", "code": "000000", "password": "x", "password2": "x"}),
            400, "password_weak")
    _refused(client.post("/api/v1/account/recovery/reset", json={
        "login": "Physician", "channel": "sms", "code": "000000", "password": "x", "password2": "x"}),
        429, "rate_limited")


def test_captcha_is_a_png_and_each_token_allows_one_guess(app, client, monkeypatch):
    challenge = client.post("/api/v1/account/captcha").get_json()
    assert base64.b64decode(challenge["image"]).startswith(b"\x89PNG")
    assert challenge["media_type"] == "image/png" and challenge["expires_in"] == 300
    assert ANSWER not in challenge["token"] and ANSWER.lower() not in challenge["token"].lower()
    before = _snapshot(app)
    payload = {**SUN_LI, "captcha_token": challenge["token"], "consent": True}
    _refused(client.post("/api/v1/account/identity", json={**payload, "captcha_answer": "XXXX"}), 400, "captcha_wrong")
    # The right answer with the same (now used) token is refused: one picture, one guess.
    _refused(client.post("/api/v1/account/identity", json={**payload, "captcha_answer": ANSWER}), 400, "captcha_wrong")
    solved = _solved(client, SUN_LI)
    assert client.post("/api/v1/account/identity", json=solved).status_code == 200
    _refused(client.post("/api/v1/account/identity", json=solved), 400, "captcha_wrong")  # replayed
    forged = {**solved, "captcha_token": solved["captcha_token"][:-2] + "xx"}
    _refused(client.post("/api/v1/account/identity", json=forged), 400, "captcha_wrong")
    # An expired token (older than 5 minutes) is refused.
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: int(time.time()) - 301)
    old = _captcha(client)
    monkeypatch.undo()
    _refused(client.post("/api/v1/account/identity", json={**solved, "captcha_token": old}), 400, "captcha_wrong")
    assert _snapshot(app) == before


@pytest.mark.parametrize("url", ["/api/v1/account/identity", "/api/v1/account/"])
def test_consent_is_required(app, client, url):
    before = _snapshot(app)
    payload = SUN_LI if url.endswith("identity") else SIGN_UP
    _refused(client.post(url, json={**_solved(client, payload), "consent": False}), 400, "consent_required")
    _refused(client.post(url, json={**_solved(client, payload), "captcha_answer": "XXXX"}), 400, "captcha_wrong")
    assert _snapshot(app) == before


def test_sign_up_records_the_consent_and_notice_version(app, client):
    app.config["PRIVACY_NOTICE_VERSION"] = "2026-07"
    start = utcnow()
    _sign_up(client)
    with app.app_context():
        physician = db.session.scalars(select(Physician).where(Physician.phone == PHONE)).one()
        assert physician.privacy_notice_version == "2026-07"
        assert start <= physician.privacy_consent_at <= utcnow()


def test_api_is_csrf_exempt_while_forms_are_not(app, client):
    assert app.config["WTF_CSRF_ENABLED"]
    assert client.post("/login/", data={"username": "admin", "password": PASSWORD}).status_code == 400
    assert client.post("/api/v1/account/identity", json=_solved(client, SUN_LI)).status_code == 200


def test_openapi_documents_every_account_path(client):
    spec = client.get("/api/v1/_openapi", headers=_jwt(client, "admin")).get_json()
    expected = set(PROTECTED + PUBLIC)
    documented = {(method, path) for path, item in spec["paths"].items() for method in item}
    assert expected <= documented
    schemas = spec["components"]["schemas"]
    for method, path in expected:
        operation = spec["paths"][path][method]
        assert operation["summary"] and any(str(status).startswith("2") for status in operation["responses"])
        refs = re.findall(r"#/components/schemas/(\w+)", str(operation))
        assert all(ref in schemas for ref in refs), (path, refs)
        if method == "post" and not path.endswith("/captcha"):
            body = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
            if path.endswith(("/identity", "/account/")):  # the sign-up steps need captcha and consent
                fields = schemas[body.rsplit("/", 1)[1]]["properties"]
                assert {"captcha_token", "captcha_answer", "consent"} <= set(fields), path
        assert ("security" in operation) == ((method, path) in PROTECTED), path
        errors = {s: r for s, r in operation["responses"].items() if str(s).startswith(("4", "5"))}
        assert {"400", "500"} <= set(errors), path
        for response in errors.values():
            target = spec["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
            assert target["content"]["application/json"]["schema"]["$ref"] == "#/components/schemas/Error"
    assert set(schemas["Error"]["properties"]) == {"code", "message", "params"}
    assert "AccountRefusal" not in schemas  # one error schema
    tag = next(t for t in spec["tags"] if t["name"] == "Account")
    assert "/api/v1/security/login" in tag["description"] and '"provider": "db"' in tag["description"]
