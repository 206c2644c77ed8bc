"""Security baseline (issue 2, point 10): CSRF, no mutating GET, scrypt, complexity, rate limit, lockout, cookies."""

from __future__ import annotations

import datetime as dt
import importlib.util
import re
from pathlib import Path

from flask_babel import force_locale, gettext
from sqlalchemy import func, select

import config
from app.extensions import db
from app.models import Department, RegistryUser, SecurityEvent
from app.views.base import DATE_KEY, _pk_maximum
from tests.conftest import PASSWORD, csrf_token, login

TOKEN_PAGE = "/resetmypassword/form"  # a form every logged-in role may open
COMPLEXITY_MSGID = (
    "Password must be 8 to 64 characters long and contain at least three of: "
    "lower-case letters, upper-case letters, digits and symbols."
)


def _user(app, username: str) -> RegistryUser:
    with app.app_context():
        user = db.session.scalar(select(RegistryUser).where(RegistryUser.username == username))
        db.session.expunge(user)
        return user


def _count(app, model, *where) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _logged_in(client) -> bool:
    """Tell whether the client's session is authenticated (a protected page answers 200)."""
    return client.get(TOKEN_PAGE).status_code == 200


def api_login(client, username: str, password: str = PASSWORD):
    """Log in through the JWT API (no CSRF token, as an API client would)."""
    return client.post(
        "/api/v1/security/login",
        json={"username": username, "password": password, "provider": "db", "refresh": False},
    )


# --- CSRF -----------------------------------------------------------------------------------------


def test_login_post_without_csrf_token_is_refused(client):
    response = client.post("/login/", data={"username": "reviewer", "password": PASSWORD})
    assert response.status_code == 400
    assert not _logged_in(client)


def test_add_edit_delete_without_csrf_token_change_nothing(app, as_user):
    client = as_user("reviewer_11")
    with app.app_context():
        department = db.session.scalar(select(Department).where(Department.institution_id == 1))
        dep_id, dep_name = department.id, department.name
    before = _count(app, Department)

    response = client.post("/departmentview/add", data={"institution": "1", "name": "新科室", "active": "y"})
    assert response.status_code == 400
    assert _count(app, Department) == before

    response = client.post(f"/departmentview/edit/{dep_id}", data={"institution": "1", "name": "改名", "active": "y"})
    assert response.status_code == 400
    with app.app_context():
        assert db.session.get(Department, dep_id).name == dep_name

    response = client.post(f"/departmentview/delete/{dep_id}")
    assert response.status_code == 400
    assert _count(app, Department, Department.id == dep_id) == 1

    # The same requests with the token do work, so the 400s above are CSRF and nothing else.
    token = csrf_token(client, TOKEN_PAGE)
    client.post(f"/departmentview/delete/{dep_id}", data={"csrf_token": token})
    assert _count(app, Department, Department.id == dep_id) == 0
    client.post("/departmentview/add", data={"institution": "1", "name": "新科室", "active": "y", "csrf_token": token})
    assert _count(app, Department, Department.name == "新科室") == 1


def test_get_delete_does_not_delete(app, as_user):
    client = as_user("reviewer_11")
    with app.app_context():
        dep_id = db.session.scalar(select(Department.id).where(Department.institution_id == 1))
    response = client.get(f"/departmentview/delete/{dep_id}")
    assert response.status_code in (302, 405)
    assert _count(app, Department, Department.id == dep_id) == 1


def _lock(app, username: str, count: int = 5) -> int:
    with app.app_context():
        user = db.session.scalar(select(RegistryUser).where(RegistryUser.username == username))
        user.fail_login_count = count
        db.session.commit()
        return user.id


def test_actions_need_post_and_csrf_token(app, as_user):
    user_id = _lock(app, "physician")
    client = as_user("admin")

    assert client.get(f"/users/action/unlock/{user_id}").status_code in (302, 405)
    assert _user(app, "physician").fail_login_count == 5

    response = client.post("/users/action_post", data={"action": "unlock", "rowid": str(user_id)})
    assert response.status_code == 400
    assert _user(app, "physician").fail_login_count == 5

    response = client.post(f"/users/action/unlock/{user_id}")
    assert response.status_code == 400
    assert _user(app, "physician").fail_login_count == 5


def test_get_never_runs_an_action_on_any_screen(app, as_user):
    user_id = _lock(app, "physician")
    client = as_user("admin")
    checked = 0
    for view in app.appbuilder.baseviews:
        if f"{view.endpoint}.action" not in app.view_functions:
            continue
        # a key the view could hold (a date for the working-day calendar), so only the method is refused
        key = "2026-01-01" if _pk_maximum(view) == DATE_KEY else user_id
        for name in list(getattr(view, "actions", {}) or {}) + ["unlock"]:
            response = client.get(f"{view.route_base}/action/{name}/{key}")
            assert response.status_code in (302, 405), (view, name, response.status_code)
            checked += 1
    assert checked > 15
    assert _user(app, "physician").fail_login_count == 5


def test_rest_api_is_csrf_exempt_and_works_with_jwt(client):
    response = api_login(client, "reviewer_11")
    assert response.status_code == 200, response.get_data(as_text=True)
    token = response.get_json()["access_token"]
    response = client.get("/api/v1/institution/", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert response.get_json()["count"] >= 1
    # ...and without a token the API refuses.
    assert client.get("/api/v1/institution/").status_code == 401


# --- passwords ------------------------------------------------------------------------------------


def test_production_config_hashes_with_scrypt(make_app):
    assert config.Config.FAB_PASSWORD_HASH_METHOD == "scrypt"
    application = make_app(FAB_PASSWORD_HASH_METHOD=config.Config.FAB_PASSWORD_HASH_METHOD)
    sm = application.appbuilder.sm
    with application.app_context():
        user = sm.add_user("scrypt_user", "测试", "", "scrypt@example.cn", sm.find_role("Physician"), password="Abc@12345")
        assert user.password.startswith("scrypt:")
        assert sm.auth_user_db("scrypt_user", "Abc@12345") is not None


def _add_user_form(client, app, password: str):
    with app.app_context():
        role_id = app.appbuilder.sm.find_role("Physician").id
    token = csrf_token(client, "/users/add")
    return client.post(
        "/users/add",
        data={
            "first_name": "弱", "last_name": "密码", "username": "weak_user", "email": "weak@example.cn",
            "active": "y", "roles": str(role_id), "password": password, "conf_password": password,
            "csrf_token": token,
        },
    )


def test_user_form_refuses_a_weak_password(app, as_user):
    client = as_user("admin")
    response = _add_user_form(client, app, "abc12345")
    assert response.status_code == 200
    assert _count(app, RegistryUser, RegistryUser.username == "weak_user") == 0
    # A compliant password goes through the same form, so the refusal is the complexity rule.
    _add_user_form(client, app, "Abc@12345")
    assert _count(app, RegistryUser, RegistryUser.username == "weak_user") == 1


def test_weak_password_message_is_translated(app, as_user):
    client = as_user("admin")
    body = _add_user_form(client, app, "abc12345").get_data(as_text=True)
    with app.test_request_context(), force_locale("zh"):
        expected = gettext(COMPLEXITY_MSGID)
    assert expected != COMPLEXITY_MSGID, "the complexity message has no zh translation"
    assert expected in body


# --- rate limit -----------------------------------------------------------------------------------


def test_web_login_is_rate_limited(make_app):
    client = make_app(AUTH_RATE_LIMIT="3 per minute").test_client()
    for _ in range(3):
        response = login(client, "nobody", "Wrong@12345")
        assert response.status_code == 302
    assert login(client, "nobody", "Wrong@12345").status_code == 429
    # The limit holds for the right password too.
    assert login(client, "reviewer").status_code == 429
    assert not _logged_in(client)


def test_api_login_is_rate_limited(make_app):
    client = make_app(AUTH_RATE_LIMIT="3 per minute").test_client()
    for _ in range(3):
        assert api_login(client, "nobody", "Wrong@12345").status_code == 401
    assert api_login(client, "nobody", "Wrong@12345").status_code == 429
    assert api_login(client, "reviewer").status_code == 429


def test_default_limit_is_configured_and_enabled():
    assert config.Config.RATELIMIT_ENABLED is True
    assert config.Config.AUTH_RATE_LIMITED is True
    assert re.fullmatch(r"\d+ per (second|minute|hour)", config.Config.AUTH_RATE_LIMIT)


# --- lockout --------------------------------------------------------------------------------------


def test_lockout_after_threshold_and_admin_unlock(make_app):
    application = make_app(AUTH_RATE_LIMIT="100 per minute")
    threshold = application.config["LOCKOUT_THRESHOLD"]
    assert threshold == 5
    client = application.test_client()
    for _ in range(threshold):
        login(client, "physician", "Wrong@12345")
    assert _user(application, "physician").fail_login_count == threshold

    # Locked: the right password is refused on the form, by e-mail address, and on the API.
    login(client, "physician")
    assert not _logged_in(client)
    login(client, "physician@example.cn")
    assert not _logged_in(client)
    assert api_login(client, "physician").status_code == 401
    assert api_login(client, "physician@example.cn").status_code == 401

    # An admin unlocks the account with the "unlock" action of the user list.
    admin = application.test_client()
    assert login(admin, "admin").status_code == 302
    user_id = _user(application, "physician").id
    token = csrf_token(admin, "/users/list/")
    response = admin.post("/users/action_post", data={"action": "unlock", "rowid": str(user_id), "csrf_token": token})
    assert response.status_code == 302
    assert _user(application, "physician").fail_login_count == 0

    login(client, "physician")
    assert _logged_in(client)
    assert api_login(client, "physician").status_code == 200


def test_unlock_is_admin_only(make_app):
    application = make_app(AUTH_RATE_LIMIT="100 per minute")
    user_id = _lock(application, "physician")
    client = application.test_client()
    assert login(client, "reviewer").status_code == 302
    token = csrf_token(client, TOKEN_PAGE)
    response = client.post("/users/action_post", data={"action": "unlock", "rowid": str(user_id), "csrf_token": token})
    assert response.status_code in (302, 403)
    assert _user(application, "physician").fail_login_count == 5


def test_lock_expires_after_lockout_minutes_and_attempts_do_not_prolong_it(make_app):
    application = make_app(AUTH_RATE_LIMIT="100 per minute", LOCKOUT_MINUTES=30)
    client = application.test_client()
    for _ in range(application.config["LOCKOUT_THRESHOLD"]):
        login(client, "physician", "Wrong@12345")
    login(client, "physician")
    assert not _logged_in(client)  # locked, and this refusal is not a counted failure
    with application.app_context():
        user_id = _user(application, "physician").id
        events = db.session.scalars(select(SecurityEvent).where(SecurityEvent.user_id == user_id)).all()
        assert [e.event for e in events].count("login_failed") == 5
        assert "login_refused_locked" in [e.event for e in events]
        for event in events:
            event.created_at -= dt.timedelta(minutes=31)
        db.session.commit()
    login(client, "physician")
    assert _logged_in(client)
    assert _user(application, "physician").fail_login_count == 0


def test_lockout_minutes_zero_waits_for_an_administrator(make_app):
    application = make_app(AUTH_RATE_LIMIT="100 per minute", LOCKOUT_MINUTES=0)
    client = application.test_client()
    for _ in range(5):
        login(client, "physician", "Wrong@12345")
    with application.app_context():
        for event in db.session.scalars(select(SecurityEvent)):
            event.created_at -= dt.timedelta(days=1)
        db.session.commit()
    login(client, "physician")
    assert not _logged_in(client)


def test_failures_below_threshold_do_not_lock(make_app):
    client = make_app(AUTH_RATE_LIMIT="100 per minute").test_client()
    for _ in range(4):
        login(client, "physician", "Wrong@12345")
    login(client, "physician")
    assert _logged_in(client)


# --- cookies --------------------------------------------------------------------------------------


def _load_config(monkeypatch, **env):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    spec = importlib.util.spec_from_file_location("config_under_test", Path(config.__file__))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.Config


def test_cookie_settings_come_from_the_environment(monkeypatch):
    monkeypatch.delenv("SESSION_COOKIE_SECURE", raising=False)
    monkeypatch.delenv("SESSION_COOKIE_SAMESITE", raising=False)
    plain = _load_config(monkeypatch)
    assert plain.SESSION_COOKIE_SECURE is False
    assert plain.SESSION_COOKIE_HTTPONLY is True
    secure = _load_config(monkeypatch, SESSION_COOKIE_SECURE="1", SESSION_COOKIE_SAMESITE="Strict")
    assert secure.SESSION_COOKIE_SECURE is True
    assert secure.REMEMBER_COOKIE_SECURE is True
    assert secure.SESSION_COOKIE_SAMESITE == "Strict"


def test_secure_cookie_flags_reach_the_browser(make_app):
    client = make_app(SESSION_COOKIE_SECURE=True).test_client()
    response = login(client, "reviewer")
    cookies = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]
    assert cookies
    assert "Secure" in cookies[-1] and "HttpOnly" in cookies[-1] and "SameSite=Lax" in cookies[-1]


def test_unknown_action_is_not_found(app, as_user):
    client = as_user("reviewer_11")
    token = csrf_token(client, TOKEN_PAGE)
    response = client.post("/institutionview/action_post", data={"action": "nope", "rowid": "1", "csrf_token": token})
    assert response.status_code == 404
    response = client.post("/institutionview/action/nope/1", data={"csrf_token": token})
    assert response.status_code == 404


# --- no route is open by accident ---------------------------------------------------------------

# HEAD mirrors GET and Flask answers OPTIONS itself (no view code runs): every other method is tried.
AUTOMATIC_METHODS = {"HEAD", "OPTIONS"}
ARGUMENT = re.compile(r"<(?:(?P<converter>\w+)(?:\([^)]*\))?:)?(?P<name>\w+)>")
SAMPLE_VALUES = {"version": "v1", "name": "no_such_action", "filename": "x.csv", "locale": "zh"}


def _sample_url(rule) -> str:
    """Fill a rule's arguments with plausible values (existing row 1, an API version, ...)."""
    return ARGUMENT.sub(lambda m: SAMPLE_VALUES.get(m.group("name"), "1"), rule.rule)


def _refused_anonymous(url: str, response, self_checked: bool = False) -> bool:
    """Tell whether an anonymous request was turned away (the API answers 401, screens go to login)."""
    status = response.status_code
    if url.startswith("/api/"):
        return status in (401, 404, 405)
    if status in (301, 302, 303, 307, 308):
        return self_checked or "/login/" in response.headers.get("Location", "")
    return status in (401, 403, 404, 405) or (self_checked and status == 400)


def _requests(app, rule):
    """Yield (method, url, form) to try on a rule; FAB's stock action routes get a real action name."""
    from tests.public_routes import SELF_CHECKED

    url, form = _sample_url(rule), {}
    if rule.endpoint in SELF_CHECKED:
        view = next(v for v in app.appbuilder.baseviews if rule.endpoint.startswith(f"{v.endpoint}."))
        names = list(view.actions)
        if not names:
            return  # FAB raises on any name: no action exists that could run
        url, form = url.replace(SAMPLE_VALUES["name"], names[0]), {"action": names[0], "rowid": "1"}
    for method in sorted(rule.methods - AUTOMATIC_METHODS):
        yield method, url, form


def test_every_route_and_method_refuses_anonymous_unless_public(app, client):
    """Walk the whole URL map: each rule × each method it accepts, as an anonymous client."""
    from tests.public_routes import PUBLIC_ENDPOINTS, SELF_CHECKED

    assert _lock(app, "admin") == 1  # row 1 of the users screen: the unlock action must not run on it
    token = csrf_token(client, "/login/")
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert set(PUBLIC_ENDPOINTS) | set(SELF_CHECKED) <= endpoints, "stale entries in tests/public_routes.py"
    open_routes, tried = [], 0
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC_ENDPOINTS:
            continue
        for method, url, form in _requests(app, rule):
            response = client.open(url, method=method, data={**form, "csrf_token": token}, headers={"X-CSRFToken": token})
            tried += 1
            if not _refused_anonymous(url, response, rule.endpoint in SELF_CHECKED):
                open_routes.append((method, url, response.status_code, response.headers.get("Location")))
    assert not open_routes, "\n".join(map(str, open_routes))
    assert tried > 150
    assert _user(app, "admin").fail_login_count == 5  # no action ran (the unlock probe included)
