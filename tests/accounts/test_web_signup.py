"""The sign-up wizard and password recovery through the web pages (CSRF on, real captcha check)."""

from __future__ import annotations

import re

import pytest
from flask import session
from sqlalchemy import func, select

from app.accounts import activation
from app.accounts.captcha import check_captcha, new_captcha
from app.demo import demo_id_number
from app.extensions import db
from app.models import Message, Physician, RegistryUser, SecurityEvent, VerificationCode
from tests.conftest import csrf_token

SUN_LI = ("孙丽", demo_id_number("110105", "19980214", "758"))
WU_JING = ("吴静", demo_id_number("440106", "19990727", "978"))
ZHANG_MING = ("张明", demo_id_number("110105", "19900312", "101"))  # has an account already
ANSWER = "K7PX"
PASSWORD = "Abcdef12!"


@pytest.fixture
def web(app, client):
    """A client whose captcha pictures show a known text (testing mode only)."""
    app.config["CAPTCHA_TEST_ANSWER"] = ANSWER
    return client


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def _last_code(app, target: str) -> str:
    with app.app_context():
        body = db.session.scalars(
            select(Message.body).where(Message.recipient == target).order_by(Message.id.desc())
        ).first()
    return re.search(r"\d{6,8}", body).group(0)


def _physician(app, id_number: str) -> Physician | None:
    with app.app_context():
        row = db.session.scalar(select(Physician).where(Physician.id_number == id_number))
        if row is not None:
            db.session.expunge(row)
        return row


def identity(client, name: str, number: str, captcha: str = ANSWER, consent: bool = True):
    """Post step 1 after loading a captcha picture, as a browser does."""
    token = csrf_token(client, "/signup/")
    picture = client.get("/signup/captcha.png")
    assert picture.status_code == 200 and picture.data[:8] == b"\x89PNG\r\n\x1a\n"
    data = {"csrf_token": token, "name": name, "id_number": number, "captcha": captcha}
    if consent:
        data["consent"] = "1"
    return client.post("/signup/", data=data)


def account(client, institution_id: int = 2, **overrides):
    """Post step 2 with valid values unless overridden."""
    data = {
        "csrf_token": csrf_token(client, "/signup/account"), "phone": "13911112222", "email": "sunli@example.cn",
        "username": "sunli2026", "password": PASSWORD, "password2": PASSWORD, "institution_id": str(institution_id),
    }
    data.update(overrides)
    return client.post("/signup/account", data=data)


def verify(client, code: str, channel: str = "sms", action: str = "verify"):
    """Post step 3."""
    token = csrf_token(client, f"/signup/verify?channel={channel}")
    return client.post("/signup/verify", data={"csrf_token": token, "code": code, "channel": channel,
                                               "action": action})


def test_captcha_is_one_time_expiring_and_case_insensitive(app, monkeypatch):
    app.config["CAPTCHA_TEST_ANSWER"] = ANSWER
    with app.test_request_context():
        assert new_captcha()[:4] == b"\x89PNG"
        assert check_captcha(ANSWER.lower())
        assert not check_captcha(ANSWER), "a captcha must not be usable twice"
        new_captcha()
        assert not check_captcha("ZZZZ")
        assert not check_captcha(ANSWER), "a wrong guess must burn the captcha"
        new_captcha()
        monkeypatch.setattr("app.accounts.captcha.time.time", lambda: 10**10)
        assert not check_captcha(ANSWER), "an expired captcha must be refused"
    with app.test_request_context():
        new_captcha()
        replayed = dict(session["captcha"])  # what an old cookie would carry
        assert check_captcha(ANSWER)
        session["captcha"] = replayed
        assert not check_captcha(ANSWER), "a replayed cookie must not pass the captcha again"
    with app.test_request_context():
        app.config["TESTING"] = False  # the fixed answer is a testing aid only
        new_captcha()
        assert not check_captcha(ANSWER)


def test_journey_with_automatic_activation(app, web):
    page = web.get("/signup/").get_data(as_text=True)
    assert page.count("class=\"num\"") == 4 and "aria-current=\"step\"" in page
    response = identity(web, *SUN_LI)
    assert response.status_code == 302 and response.location.endswith("/signup/account")

    page = web.get("/signup/account").get_data(as_text=True)
    assert "北京海淀社区卫生服务中心" in page and "解放军示范总医院" not in page
    response = account(web, institution_id=2)
    assert response.status_code == 302 and response.location.endswith("/signup/verify")

    page = web.get("/signup/verify").get_data(as_text=True)
    assert "139****2222" in page and "13911112222" not in page
    response = verify(web, _last_code(app, "13911112222"))
    assert response.status_code == 302 and response.location.endswith("/me/")
    home = web.get("/me/").get_data(as_text=True)
    assert "孙丽" in home and "北京海淀社区卫生服务中心" in home
    physician = _physician(app, SUN_LI[1])
    assert physician.status == "active" and physician.phone_verified
    # a returning active user is not sent back into the wizard
    assert web.get("/signup/verify").location.endswith("/me/")


def test_journey_with_activation_code(app, web):
    identity(web, *SUN_LI)
    account(web, institution_id=1)
    # no SMS: verify by e-mail instead
    response = verify(web, "", action="email")
    assert response.status_code == 302 and "channel=email" in response.location
    assert "s***@example.cn" in web.get(response.location).get_data(as_text=True)
    response = verify(web, _last_code(app, "sunli@example.cn"), channel="email")
    assert response.location.endswith("/signup/activate")
    physician = _physician(app, SUN_LI[1])
    assert physician.status == "verified" and physician.email_verified and not physician.phone_verified

    # a returning user sees the right next step on the home page
    home = web.get("/me/").get_data(as_text=True)
    assert "/signup/activate" in home
    page = web.get("/signup/activate").get_data(as_text=True)
    assert "北京朝阳示范医院" in page

    token = csrf_token(web, "/signup/activate")
    page = web.post("/signup/activate", data={"csrf_token": token, "code": "00000000"}).get_data(as_text=True)
    assert 'data-error="activation_missing"' in page

    with app.app_context():
        activation.issue_activation_codes(1, [physician.id], "email")
    code = _last_code(app, "sunli@example.cn")
    page = web.post("/signup/activate", data={"csrf_token": token, "code": "12345678"}).get_data(as_text=True)
    assert 'data-error="code_wrong"' in page
    response = web.post("/signup/activate", data={"csrf_token": token, "code": code})
    assert response.status_code == 302 and response.location.endswith("/me/")
    assert _physician(app, SUN_LI[1]).status == "active"


@pytest.mark.parametrize(
    ("name", "number", "captcha", "consent", "code"),
    [
        (SUN_LI[0], SUN_LI[1][:-1] + ("0" if SUN_LI[1][-1] != "0" else "1"), ANSWER, True, "id_checksum"),
        ("李四", SUN_LI[1], ANSWER, True, "no_qualification"),
        (*ZHANG_MING, ANSWER, True, "account_exists"),
        (*SUN_LI, "WXYZ", True, "captcha_wrong"),
        (*SUN_LI, ANSWER, False, "consent_required"),
    ],
)
def test_identity_refusals_keep_the_values(app, web, name, number, captcha, consent, code):
    response = identity(web, name, number, captcha=captcha, consent=consent)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert f'data-error="{code}"' in page
    assert f'value="{name}"' in page and f'value="{number}"' in page
    if code == "account_exists":
        assert "/recover/" in page
    assert web.get("/signup/account").status_code == 302, "step 2 must stay closed"


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"institution_id": "3"}, "institution_military"),
        ({"password": "abcdefgh", "password2": "abcdefgh"}, "password_weak"),
        ({"password2": "Abcdef12?"}, "password_mismatch"),
        ({"phone": "12345"}, "mobile_invalid"),
        ({"username": "physician"}, "username_taken"),
        ({"username": SUN_LI[1]}, "username_is_id"),
        ({"institution_id": ""}, "field_required"),
    ],
)
def test_account_refusals_keep_values_and_the_passwords_unless_refused(app, web, overrides, code):
    identity(web, *SUN_LI)
    users = _count(app, RegistryUser)
    response = account(web, **overrides)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and f'data-error="{code}"' in page
    assert 'value="sunli@example.cn"' in page
    if code in ("password_weak", "password_mismatch"):  # a refused password is typed again
        assert PASSWORD not in page and "Abcdef12?" not in page and "abcdefgh" not in page
    else:  # any other refusal keeps what was typed (issue 6 item 15)
        assert f'value="{PASSWORD}"' in page
    assert "<title>错误：" in page and "请修正以下问题" in page and 'href="#' in page
    assert _count(app, RegistryUser) == users and _physician(app, SUN_LI[1]) is None


def test_institution_search_excludes_military_hospitals(web):
    rows = web.get("/signup/institutions?q=示范").get_json()
    names = {row["name"] for row in rows}
    assert "北京朝阳示范医院" in names and "解放军示范总医院" not in names
    assert [row["name"] for row in web.get("/signup/institutions?q=PDY00002").get_json()] == ["北京海淀社区卫生服务中心"]
    assert web.get("/signup/institutions?q=解放军").get_json() == []


def test_search_without_javascript_keeps_values(app, web):
    identity(web, *SUN_LI)
    page = account(web, q="海淀", search="1").get_data(as_text=True)
    assert "北京海淀社区卫生服务中心" in page and "北京朝阳示范医院" not in page
    assert 'value="13911112222"' in page and _physician(app, SUN_LI[1]) is None


def test_phone_code_refusals(app, web):
    identity(web, *SUN_LI)
    account(web, institution_id=2)
    page = verify(web, "000000" if _last_code(app, "13911112222") != "000000" else "111111").get_data(as_text=True)
    assert 'data-error="code_wrong"' in page
    assert _physician(app, SUN_LI[1]).status == "created"
    sent = _count(app, VerificationCode)
    page = verify(web, "", action="resend").get_data(as_text=True)
    assert 'data-error="code_cooldown"' in page and _count(app, VerificationCode) == sent


def test_expired_phone_code_is_refused(app, web):
    identity(web, *SUN_LI)
    account(web, institution_id=2)
    with app.app_context():
        row = db.session.scalars(select(VerificationCode).order_by(VerificationCode.id.desc())).first()
        row.expires_at = row.issued_at
        db.session.commit()
    page = verify(web, _last_code(app, "13911112222")).get_data(as_text=True)
    assert 'data-error="code_expired"' in page and _physician(app, SUN_LI[1]).status == "created"


def test_wizard_steps_need_the_previous_ones(web):
    assert web.get("/signup/account").location.endswith("/signup/")
    assert "/login" in web.get("/signup/verify").location
    assert "/login" in web.get("/signup/activate").location


def _start_recovery(client, login: str, channel: str = "sms"):
    token = csrf_token(client, "/recover/")
    client.get("/signup/captcha.png")
    return client.post("/recover/", data={"csrf_token": token, "login": login, "channel": channel,
                                          "captcha": ANSWER})


def test_recovery_happy_path(app, web):
    with app.app_context():
        phone = db.session.scalar(select(Physician.phone).join(RegistryUser, RegistryUser.id == Physician.user_id)
                                  .where(RegistryUser.username == "physician"))
    response = _start_recovery(web, "physician")
    assert response.status_code == 302 and response.location.endswith("/recover/reset")
    page = web.get("/recover/reset").get_data(as_text=True)
    assert phone[:3] + "****" + phone[7:] in page
    token = csrf_token(web, "/recover/reset")
    data = {"csrf_token": token, "code": _last_code(app, phone), "password": "Newpass12!", "password2": "Newpass12!"}
    response = web.post("/recover/reset", data=data)
    assert response.status_code == 302 and "/login" in response.location
    token = csrf_token(web, "/login/")
    response = web.post("/login/", data={"username": "physician", "password": "Newpass12!", "csrf_token": token})
    assert response.status_code == 302 and "/login" not in response.location
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(SecurityEvent)
                                 .where(SecurityEvent.event == "password_reset")) == 1


def test_recovery_of_an_unknown_account(app, web):
    messages = _count(app, Message)
    page = _start_recovery(web, "nobody_here").get_data(as_text=True)
    assert 'data-error="account_unknown"' in page and 'value="nobody_here"' in page
    assert _count(app, Message) == messages
    assert web.get("/recover/reset").location.endswith("/recover/")


def test_recovery_is_rate_limited_per_client(app, web):
    app.config["RECOVERY_RATE_LIMIT"] = "2 per hour"
    assert _start_recovery(web, "nobody_here").status_code == 200
    assert _start_recovery(web, "nobody_here").status_code == 200
    assert _start_recovery(web, "nobody_here").status_code == 429
