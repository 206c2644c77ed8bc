"""The menu cached per roles and locale, and the translations looked up once per locale."""

from __future__ import annotations

from flask_babel import force_locale, gettext

from tests.conftest import login

QUEUE = '<a href="/commission/applications/">'  # a reviewer's menu entry (受理与审批)
MY_APPLICATIONS = "/institution/applications/"  # an institution admin's menu entry


def _nav(client, url: str) -> str:
    """Return the menu bar of a page."""
    body = client.get(url).get_data(as_text=True)
    return body[body.index('<nav class="navbar site-nav"'):body.index("</nav>")]


def _menu_checks(app, monkeypatch) -> list[str]:
    """Count the permission checks the menu asks for (FAB's is_menu_visible filter)."""
    calls: list[str] = []
    sm = app.appbuilder.sm
    original = sm.has_access

    def counting(permission, view_name):
        if permission == "menu_access":
            calls.append(view_name)
        return original(permission, view_name)

    monkeypatch.setattr(sm, "has_access", counting)
    return calls


def test_the_menu_is_built_once_per_roles_and_locale(app, client, monkeypatch):
    calls = _menu_checks(app, monkeypatch)
    login(client, "reviewer_11")
    calls.clear()
    first = client.get("/commission/applications/").get_data(as_text=True)
    assert QUEUE in first and calls, "the first page builds the reviewer's menu"
    built = len(calls)
    second = client.get("/commission/applications/").get_data(as_text=True)
    assert len(calls) == built, "the second page of the same roles reuses the menu"
    assert QUEUE in second


def test_users_of_other_roles_never_get_anothers_menu(app):
    reviewer, admin = app.test_client(), app.test_client()
    login(reviewer, "reviewer_11")
    login(admin, "inst_admin")
    assert QUEUE in _nav(reviewer, "/commission/applications/")
    menu = _nav(admin, "/institution/applications/")
    assert MY_APPLICATIONS in menu and QUEUE not in menu
    menu = _nav(reviewer, "/commission/applications/")
    assert QUEUE in menu and MY_APPLICATIONS not in menu


def test_the_menu_is_built_again_once_its_time_is_up(make_app, monkeypatch):
    app = make_app(MENU_CACHE_SECONDS=0)  # expired as soon as it is made
    calls = _menu_checks(app, monkeypatch)
    client = app.test_client()
    login(client, "reviewer_11")
    calls.clear()
    assert QUEUE in _nav(client, "/commission/dashboard/")
    built = len(calls)
    assert built and QUEUE in _nav(client, "/commission/dashboard/")
    assert len(calls) == 2 * built


def test_each_locale_gets_its_own_menu_and_strings(app, client):
    login(client, "reviewer_11")
    chinese = client.get("/commission/applications/").get_data(as_text=True)
    english = client.get("/commission/applications/?_l_=en").get_data(as_text=True)
    assert "受理与审批" in chinese and "Acceptance and approval" not in chinese
    assert "Acceptance and approval" in english
    again = client.get("/commission/applications/").get_data(as_text=True)
    assert "受理与审批" in again and "Acceptance and approval" not in again


def test_force_locale_switches_the_catalogue_inside_a_request(app):
    with app.test_request_context("/?_l_=en"):
        assert gettext("Acceptance and approval") == "Acceptance and approval"
        with force_locale("zh"):
            assert gettext("Acceptance and approval") == "受理与审批"
        assert gettext("Acceptance and approval") == "Acceptance and approval"
