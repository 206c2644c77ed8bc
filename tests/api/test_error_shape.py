"""One error shape on every API answer: FAB's login and refresh, JWT failures, 404/405/429, lockout (item 8)."""

from __future__ import annotations

import datetime as dt
import re

from flask_appbuilder.api import BaseApi
from flask_jwt_extended import create_access_token, create_refresh_token
from sqlalchemy import select

from app.extensions import db
from app.models import RegistryUser

CJK = re.compile(r"[\u4e00-\u9fff]")
LOGIN = "/api/v1/security/login"


def _shape(response, status: int, code: str) -> dict:
    body = response.get_json(silent=True)
    assert response.status_code == status, (response.status_code, body)
    assert response.mimetype == "application/json"
    assert isinstance(body, dict) and set(body) == {"code", "message", "params"}, body
    assert body["code"] == code and CJK.search(body["message"]), body
    return body


def _login(client, username: str, password: str = "Demo@12345", **extra):
    return client.post(LOGIN, json={"username": username, "password": password, "provider": "db", **extra})


def test_login_refresh_and_token_failures(app, client):
    _shape(_login(client, "physician", "Wrong@12345"), 401, "login_failed")
    _shape(_login(client, "nobody"), 401, "login_failed")  # the same answer: no account enumeration
    tokens = _login(client, "physician", refresh=True).get_json()
    access = {"Authorization": f"Bearer {tokens['access_token']}"}
    refreshed = client.post("/api/v1/security/refresh", headers={"Authorization": f"Bearer {tokens['refresh_token']}"})
    assert refreshed.status_code == 200 and refreshed.get_json()["access_token"]
    _shape(client.post("/api/v1/security/refresh", headers=access), 401, "token_invalid")  # not a refresh token
    _shape(client.post("/api/v1/security/refresh"), 401, "unauthorized")
    _shape(client.get("/api/v1/account/me", headers={"Authorization": "Bearer not.a.token"}), 401, "token_invalid")
    _shape(client.get("/api/v1/registration/"), 401, "unauthorized")
    with app.app_context():
        user_id = db.session.scalar(select(RegistryUser.id).where(RegistryUser.username == "physician"))
        expired = create_access_token(identity=str(user_id), expires_delta=dt.timedelta(seconds=-5))
        stale_refresh = create_refresh_token(identity=str(user_id), expires_delta=dt.timedelta(seconds=-5))
    _shape(client.get("/api/v1/account/me", headers={"Authorization": f"Bearer {expired}"}), 401, "token_expired")
    _shape(client.post("/api/v1/security/refresh", headers={"Authorization": f"Bearer {stale_refresh}"}),
           401, "token_expired")
    # Logged in, but without the permission: 403 in the same shape.
    _shape(client.get("/api/v1/institution/", headers=access), 403, "forbidden")


def test_unknown_paths_and_methods(client):
    _shape(client.get("/api/v1/nothing-here"), 404, "not_found")
    _shape(client.get("/api/v2/_openapi"), 404, "not_found")
    _shape(client.get("/api/"), 404, "not_found")
    _shape(client.delete("/api/v1/physician/1"), 405, "method_not_allowed")
    _shape(client.put("/api/v1/account/identity", json={}), 405, "method_not_allowed")
    _shape(client.get(LOGIN), 405, "method_not_allowed")
    admin = {"Authorization": f"Bearer {_login(client, 'admin').get_json()['access_token']}"}
    _shape(client.get("/api/v1/physician/999999", headers=admin), 404, "not_found")


def test_a_locked_account_says_until_when_in_beijing_time(make_app):
    application = make_app(LOCKOUT_MINUTES=30)
    client = application.test_client()
    for _ in range(application.config["LOCKOUT_THRESHOLD"] - 1):
        _shape(_login(client, "physician", "Wrong@12345"), 401, "login_failed")
    before = dt.datetime.now(dt.UTC)
    body = _shape(_login(client, "physician", "Wrong@12345"), 401, "account_locked")  # the failure that locks
    until = dt.datetime.fromisoformat(body["params"]["until"])
    assert until.utcoffset() == dt.timedelta(hours=8)
    assert dt.timedelta(minutes=29) <= until - before <= dt.timedelta(minutes=31)
    assert until.strftime("%Y-%m-%d %H:%M") in body["message"]
    again = _shape(_login(client, "physician@example.cn"), 401, "account_locked")  # right password, by e-mail
    assert again["params"] == body["params"]


def test_a_lock_without_expiry_names_no_time(make_app):
    application = make_app(LOCKOUT_MINUTES=0)
    client = application.test_client()
    for _ in range(application.config["LOCKOUT_THRESHOLD"]):
        _login(client, "physician", "Wrong@12345")
    assert _shape(_login(client, "physician"), 401, "account_locked")["params"] == {"until": None}


def test_429_is_json_with_retry_after(make_app):
    client = make_app(AUTH_RATE_LIMIT="2 per minute").test_client()
    for _ in range(2):
        _login(client, "nobody")
    response = _login(client, "nobody")
    body = _shape(response, 429, "rate_limited")
    assert 0 < body["params"]["seconds"] <= 60
    assert response.headers["Retry-After"] == str(body["params"]["seconds"])
    assert str(body["params"]["seconds"]) in body["message"]


def test_fab_helpers_are_overridden_on_every_api(app):
    """Every registered API answers FAB's error helpers in our shape (no {"message": ...} left)."""
    apis = [view for view in app.appbuilder.baseviews if isinstance(view, BaseApi)]
    assert {type(api).__name__ for api in apis} >= {"RegistrySecurityApi", "OpenApi", "PhysicianApi", "AccountApi"}
    with app.test_request_context("/api/v1/x"):
        for api in apis:
            if type(api).__name__ == "MenuApi":
                continue  # FAB's own; its answers are reshaped by app.errors.normalize_api_error
            for helper in ("response_400", "response_401", "response_403", "response_404", "response_422",
                           "response_500"):
                body = getattr(api, helper)().get_json()
                assert set(body) == {"code", "message", "params"}, (type(api).__name__, helper, body)


def test_menu_api_errors_are_reshaped(client):
    _shape(client.get("/api/v1/menu/"), 401, "unauthorized")


def test_rest_label_columns_are_chinese(app, client):
    admin = {"Authorization": f"Bearer {_login(client, 'admin').get_json()['access_token']}"}
    from flask_appbuilder.api import ModelRestApi

    for api in (view for view in app.appbuilder.baseviews if isinstance(view, ModelRestApi)):
        for url in (f"{api.route_base}/?q=(keys:!(label_columns))", f"{api.route_base}/1?q=(keys:!(label_columns))"):
            response = client.get(url, headers=admin)
            if response.status_code == 404:
                continue
            labels = response.get_json()["label_columns"]
            assert labels and all(CJK.search(label) for label in labels.values()), (url, labels)
