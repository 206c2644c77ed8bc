"""Sign-up and login polish (issue 6 item 15): every error by its field, kept values, clear login refusals."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import RegistryUser
from tests.accounts.test_web_signup import ANSWER, PASSWORD, SUN_LI, account, identity, verify
from tests.conftest import csrf_token, login


@pytest.fixture
def web(app, client):
    """A client whose captcha pictures show a known text (testing mode only)."""
    app.config["CAPTCHA_TEST_ANSWER"] = ANSWER
    return client


def _summary(page: str) -> list[str]:
    """Return the error codes listed in the top error summary."""
    box = page.split('id="error-summary"', 1)[1].split("</div>", 1)[0]
    return re.findall(r'data-error="([a-z_.]+)"', box)


def test_an_empty_submit_names_every_empty_field(web):
    token = csrf_token(web, "/signup/")
    page = web.post("/signup/", data={"csrf_token": token}).get_data(as_text=True)
    assert page.count('data-error="field_required"') == 3 and 'data-error="consent_required"' in page
    for label, anchor in (("姓名", "#name"), ("证件号码", "#id_number"), ("图片验证码", "#captcha")):
        assert f"请填写{label}" in page, label
        assert f'href="{anchor}"' in page
    assert "<title>错误：" in page and "请修正以下问题" in page
    assert page.count('class="help-block field-error"') == 4  # each message also beside its field


def test_all_account_errors_at_once_and_passwords_survive_a_search(web):
    identity(web, *SUN_LI)
    token = csrf_token(web, "/signup/account")
    page = web.post("/signup/account", data={
        "csrf_token": token, "phone": "12345", "email": "not-an-address", "username": "1x",
        "password": PASSWORD, "password2": PASSWORD, "institution_id": "3",
    }).get_data(as_text=True)
    assert _summary(page) == ["mobile_invalid", "email_invalid", "username_invalid", "institution_military"]
    assert f'value="{PASSWORD}"' in page  # nothing wrong with the password: kept
    searched = web.post("/signup/account", data={
        "csrf_token": token, "phone": "13911112222", "password": PASSWORD, "password2": PASSWORD,
        "q": "海淀", "search": "1"}).get_data(as_text=True)
    assert 'id="error-summary"' not in searched and searched.count(f'value="{PASSWORD}"') == 2


def test_code_inputs_take_digits_and_the_stepper_follows_the_channel(app, web):
    identity(web, *SUN_LI)
    account(web, institution_id=1)
    page = web.get("/signup/verify").get_data(as_text=True)
    code_input = re.search(r'<input[^>]*id="code"[^>]*>', page, re.S).group(0)
    assert 'inputmode="numeric"' in code_input and 'pattern="[0-9]{6}"' in code_input
    assert 'autocomplete="one-time-code"' in code_input
    steps = page.split('class="steps"', 1)[1].split("</ol>", 1)[0]
    assert "手机验证" in steps and "邮箱验证" not in steps
    assert re.search(r"var button = document.getElementById\(\"resend\"\), left = (\d+);", page).group(1) != "0"
    response = verify(web, "", action="email")
    page = web.get(response.location).get_data(as_text=True)
    assert "邮箱验证" in page.split('class="steps"', 1)[1].split("</ol>", 1)[0]
    # the server still refuses an early resend, whatever the page shows
    token = csrf_token(web, "/signup/verify?channel=email")
    again = web.post("/signup/verify", data={"csrf_token": token, "channel": "email", "action": "resend"})
    assert 'data-error="code_cooldown"' in again.get_data(as_text=True)


def test_captcha_has_a_new_picture_button(web):
    page = web.get("/signup/").get_data(as_text=True)
    assert re.search(r'<button type="button" id="captcha-change"[^>]*>\s*换一张', page)


def test_activation_code_is_one_word(app, as_user):
    page = as_user("li_fang").get("/signup/activate").get_data(as_text=True)
    assert "激活码" in page and "激活验证码" not in page
    code_input = re.search(r'<input[^>]*id="code"[^>]*>', page, re.S).group(0)
    assert 'pattern="[0-9]{8}"' in code_input and 'inputmode="numeric"' in code_input


def test_login_failure_keeps_the_name_and_says_why(make_app):
    application = make_app(AUTH_RATE_LIMIT="100 per minute", LOCKOUT_MINUTES=30)
    client = application.test_client()
    response = login(client, "physician", "Wrong@12345")
    assert response.status_code == 302
    page = client.get(response.location).get_data(as_text=True)
    assert 'data-error="login_failed"' in page and 'value="physician"' in page and "<title>错误：" in page
    for _ in range(application.config["LOCKOUT_THRESHOLD"]):
        login(client, "physician", "Wrong@12345")
    page = client.get("/login/").get_data(as_text=True)
    assert 'data-error="login_locked"' in page and "北京时间" in page
    assert re.search(r"锁定至北京时间 \d{2}:\d{2}", page)

    with application.app_context():
        user = db.session.scalar(select(RegistryUser).where(RegistryUser.username == "reviewer"))
        user.active = False
        db.session.commit()
    login(client, "reviewer", "Wrong@12345")
    assert 'data-error="login_failed"' in client.get("/login/").get_data(as_text=True)  # no hint to guessers
    login(client, "reviewer")
    page = client.get("/login/").get_data(as_text=True)
    assert 'data-error="login_disabled"' in page and 'value="reviewer"' in page


def test_an_empty_login_names_the_empty_fields(client):
    token = csrf_token(client)
    page = client.post("/login/", data={"csrf_token": token}).get_data(as_text=True)
    assert page.count('data-error="field_required"') == 2 and "请填写密码" in page
