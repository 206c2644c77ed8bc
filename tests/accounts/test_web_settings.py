"""个人中心 and the security settings through the web pages."""

from __future__ import annotations

import re

from sqlalchemy import func, select
from werkzeug.security import check_password_hash

from app.extensions import db
from app.models import Message, Physician, RegistryUser, SecurityEvent
from tests.conftest import PASSWORD, csrf_token


def _me(app, username: str = "physician") -> Physician:
    with app.app_context():
        row = db.session.scalar(select(Physician).join(RegistryUser, RegistryUser.id == Physician.user_id)
                                .where(RegistryUser.username == username))
        _ = row.user.password
        db.session.expunge(row.user)
        db.session.expunge(row)
        return row


def _events(app, event: str) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(SecurityEvent).where(SecurityEvent.event == event))


def _post(client, url: str, **data):
    data["csrf_token"] = csrf_token(client, "/me/security/")
    return client.post(url, data=data)


def test_home_shows_own_data_only_and_no_admin_screen(app, as_user):
    client = as_user("physician")
    me = _me(app)
    page = client.get("/me/").get_data(as_text=True)
    assert me.name in page and f'<span class="id-number">{me.id_number}</span>' in page  # own number in full
    assert me.phone not in page and me.phone[:3] + "****" + me.phone[7:] in page
    with app.app_context():
        others = db.session.scalars(select(Physician.name).where(Physician.id != me.id)).all()
    assert others and not any(name in page for name in others)
    for url in ("/physicianview/list/", "/users/list/", "/myphysicianview/list/"):
        response = client.get(url)
        assert response.status_code in (302, 403), url
        body = response.get_data(as_text=True)
        main = body.split('class="error-page"', 1)[-1]  # the navbar's user menu names the user herself
        assert me.name not in main and me.phone not in body


def test_home_shows_the_next_step_of_an_unverified_account(as_user):
    page = as_user("wang_qiang").get("/me/").get_data(as_text=True)
    assert 'id="next-step"' in page and "/signup/verify" in page


def test_change_password_needs_the_old_one(app, as_user):
    client = as_user("physician")
    before = _me(app).user.password
    response = _post(client, "/me/security/password", old="Wrong#123", password="Newpass12!", password2="Newpass12!")
    assert response.status_code == 302
    page = client.get("/me/security/").get_data(as_text=True)
    assert "alert-danger" in page
    assert _me(app).user.password == before and _events(app, "password_change_failed") == 1

    _post(client, "/me/security/password", old=PASSWORD, password="Newpass12!", password2="Newpass12!")
    assert check_password_hash(_me(app).user.password, "Newpass12!")
    assert _events(app, "password_changed") == 1


def test_change_phone_with_a_code_to_the_new_number(app, as_user):
    client = as_user("physician")
    old_phone = _me(app).phone
    _post(client, "/me/security/contact", channel="sms", value="13700001111")
    page = client.get("/me/security/").get_data(as_text=True)
    assert 'id="confirm-contact"' in page and "137****1111" in page
    assert _me(app).phone == old_phone, "the old number stays until the new one is verified"

    with app.app_context():
        body = db.session.scalars(select(Message.body).where(Message.recipient == "13700001111")).first()
    code = re.search(r"\d{6}", body).group(0)
    _post(client, "/me/security/contact/confirm", code="000000" if code != "000000" else "111111", action="confirm")
    assert _me(app).phone == old_phone
    _post(client, "/me/security/contact/confirm", code=code, action="confirm")
    me = _me(app)
    assert me.phone == "13700001111" and me.phone_verified
    assert _events(app, "contact_changed") == 1
    assert 'id="confirm-contact"' not in client.get("/me/security/").get_data(as_text=True)


def test_change_email_to_an_address_in_use_is_refused(app, as_user):
    client = as_user("physician")
    with app.app_context():
        taken = db.session.scalar(select(RegistryUser.email).where(RegistryUser.username == "li_fang"))
    _post(client, "/me/security/contact", channel="email", value=taken)
    page = client.get("/me/security/").get_data(as_text=True)
    assert "alert-danger" in page and 'id="confirm-contact"' not in page


def test_security_pages_need_login(client):
    assert client.get("/me/security/").status_code == 302
    response = client.post("/me/security/password", data={"csrf_token": csrf_token(client)})
    assert response.status_code == 302
