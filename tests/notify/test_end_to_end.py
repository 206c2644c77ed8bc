"""End to end: a physician signs up through the API and verifies with the code that a real SMTP server received."""

from __future__ import annotations

import email
import re
from email.policy import default

from app.notify.dispatcher import dispatch_once
from tests.accounts.test_api import ANSWER, EMAIL, SIGN_UP, _solved


def test_email_code_travels_through_the_outbox_and_smtp(make_app, smtp_server):
    port, received = smtp_server
    app = make_app(NOTIFY_EMAIL_BACKEND="smtp", SMTP_HOST="127.0.0.1", SMTP_PORT=port, CAPTCHA_TEST_ANSWER=ANSWER)
    client = app.test_client()

    assert client.post("/api/v1/account/", json=_solved(client, SIGN_UP)).status_code == 201
    login = client.post(
        "/api/v1/security/login",
        json={"username": SIGN_UP["username"], "password": SIGN_UP["password"], "provider": "db"},
    )
    headers = {"Authorization": f"Bearer {login.get_json()['access_token']}"}
    # no SMS arrives: the physician asks for the e-mail fallback
    assert client.post("/api/v1/account/code", json={"channel": "email"}, headers=headers).status_code == 200
    assert received == []  # nothing is sent before the dispatcher runs

    with app.app_context():
        result = dispatch_once()
    assert result.sent >= 1
    mails = [email.message_from_bytes(env.content, policy=default) for env in received if EMAIL in env.rcpt_tos]
    assert len(mails) == 1
    text = mails[0].get_content()
    assert "验证码" in text  # the Chinese template
    code = re.search(r"\b(\d{6})\b", text).group(1)

    verified = client.post("/api/v1/account/verify", json={"channel": "email", "code": code}, headers=headers)
    assert verified.status_code == 200, verified.get_json()
    me = client.get("/api/v1/account/me", headers=headers).get_json()
    assert me["status"] == "verified" and me["email_verified"] is True
