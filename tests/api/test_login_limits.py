"""Login limits per account first, per address only as a generous ceiling (issue 6 item 10).

A hospital's staff share one public address: one account being hammered must not lock out the
others, while the per-address ceiling still stops a flood.
"""

from __future__ import annotations

import re
from pathlib import Path

import config
from tests.conftest import login

LOGIN = "/api/v1/security/login"


def _api_login(client, username: str, password: str = "Demo@12345"):
    return client.post(LOGIN, json={"username": username, "password": password, "provider": "db"})


def test_defaults_are_per_account_first_with_a_generous_address_ceiling():
    def per_minute(limit: str) -> float:
        amount, _per, unit = limit.split()
        return int(amount) / {"second": 1 / 60, "minute": 1, "hour": 60}[unit.rstrip("s")]

    assert per_minute(config.Config.AUTH_ACCOUNT_RATE_LIMIT) <= 10
    assert per_minute(config.Config.AUTH_RATE_LIMIT) >= 100  # a hospital behind one address
    assert per_minute(config.Config.ACCOUNT_API_RATE_LIMIT) * 60 >= 300
    assert per_minute(config.Config.ACCOUNT_API_TARGET_RATE_LIMIT) * 60 <= 20
    readme = (Path(config.__file__).parent / "README.md").read_text(encoding="utf-8")
    for key in ("AUTH_ACCOUNT_RATE_LIMIT", "AUTH_RATE_LIMIT", "ACCOUNT_API_RATE_LIMIT",
                "ACCOUNT_API_TARGET_RATE_LIMIT", "PRIVACY_NOTICE_VERSION"):
        assert re.search(rf"^\|[^\n]*`{key}`", readme, re.MULTILINE), key


def test_api_login_is_limited_per_account_while_colleagues_pass(make_app):
    client = make_app(AUTH_ACCOUNT_RATE_LIMIT="3 per minute", AUTH_RATE_LIMIT="100 per minute").test_client()
    for _ in range(3):
        assert _api_login(client, "nobody", "Wrong@12345").status_code == 401
    limited = _api_login(client, "nobody", "Wrong@12345")
    assert limited.status_code == 429 and limited.get_json()["code"] == "rate_limited"
    assert limited.headers["Retry-After"]
    assert _api_login(client, "NOBODY").status_code == 429  # the login name, case-insensitively
    # Same address, other accounts: served.
    assert _api_login(client, "reviewer").status_code == 200
    assert _api_login(client, "inst_admin").status_code == 200


def test_web_login_is_limited_per_account_while_colleagues_pass(make_app):
    application = make_app(AUTH_ACCOUNT_RATE_LIMIT="3 per minute", AUTH_RATE_LIMIT="100 per minute")
    client = application.test_client()
    for _ in range(3):
        assert login(client, "nobody", "Wrong@12345").status_code == 302
    assert login(client, "nobody", "Wrong@12345").status_code == 429
    colleague = application.test_client()  # another browser behind the same address
    response = login(colleague, "reviewer")
    assert response.status_code == 302 and "/login" not in response.headers["Location"]  # logged in


def test_the_address_ceiling_still_holds(make_app):
    client = make_app(AUTH_ACCOUNT_RATE_LIMIT="100 per minute", AUTH_RATE_LIMIT="4 per minute").test_client()
    for name in ("a1", "a2", "a3", "a4"):
        assert _api_login(client, name).status_code == 401
    assert _api_login(client, "reviewer").status_code == 429
    assert _api_login(client, "reviewer").get_json()["code"] == "rate_limited"
    other = client.post(LOGIN, json={"username": "reviewer", "password": "Demo@12345", "provider": "db"},
                        environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert other.status_code == 200
