"""What every page asks for, made cheap: the menu, the translations, the search form, the rows."""

from __future__ import annotations

import json
import re

from flask_babel import force_locale, gettext

from app.extensions import db
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


def test_babel_context_is_flask_babels_namespace_of_the_current_context(app):
    import flask_babel
    from flask import g

    from app.templating import babel_context

    assert flask_babel._get_current_context is babel_context, "Flask-Babel looks the context up through ours"
    assert babel_context() is None, "no app context: no namespace (Flask-Babel then uses no translations)"
    with app.test_request_context("/?_l_=en"):
        assert not hasattr(g, "_flask_babel")
        namespace = babel_context()
        assert namespace is g._flask_babel and babel_context() is namespace
        assert str(flask_babel.lazy_gettext("Acceptance and approval")) == "Acceptance and approval"
        assert str(namespace.babel_locale) == "en", "the locale chosen for the request is kept in it"
    with app.test_request_context("/"):
        assert babel_context() is not namespace, "each request has its own"
        assert str(flask_babel.lazy_gettext("Acceptance and approval")) == "受理与审批"


class _Filter:
    def __init__(self, column_name: str, is_related_view: bool) -> None:
        self.column_name, self.is_related_view = column_name, is_related_view


class _Filters:
    def __init__(self, *values) -> None:
        self.values = values

    def get_filters_values(self):
        return self.values


def test_row_links_are_built_once_with_the_related_filter_and_only_for_routes_that_exist(app):
    from app.templating import ROW_PK, row_links

    with app.test_request_context():
        links = row_links("InstitutionView", True, True, True, _Filters())
        assert links == {kind: f"/institutionview/{kind}/{ROW_PK}" for kind in ("show", "edit", "delete")}
        related = _Filters((_Filter("institution", True), 7), (_Filter("name", False), "张"))
        links = row_links("InstitutionView", True, False, True, related)
        assert links == {"show": f"/institutionview/show/{ROW_PK}?_flt_0_institution=7",
                         "delete": f"/institutionview/delete/{ROW_PK}"}  # as FAB: the filter kept on show/edit
        assert row_links("NoSuchView", True, True, True, _Filters()) == {}


def test_list_rows_link_to_their_own_records(as_user):
    import re

    body = as_user("admin").get("/institutionview/list/").get_data(as_text=True)
    shown = re.findall(r'href="/institutionview/show/(\d+)"', body)
    edited = re.findall(r'href="/institutionview/edit/(\d+)"', body)
    deleted = re.findall(r'id="btn-delete-/institutionview/delete/(\d+)"', body)
    checked = re.findall(r'class="action_check" name="rowid" value="(\d+)"', body)
    assert len(shown) > 1 and shown == edited == deleted
    assert not checked or checked == shown
    assert "__pk__" not in body and "查看记录" in body and "删除记录" in body


def test_list_rows_escape_what_the_template_escaped_and_keep_the_formatters_markup(app):
    from markupsafe import Markup

    from app.templating import ROW_PK, list_rows

    with app.test_request_context():
        rows = [{"name": "<script>alert(1)</script>", "note": None, "tag": "a&b"}]
        html = list_rows(rows, [7], ["name", "note", "tag"], {"tag": lambda v: Markup(f"<b>{v}</b>")},
                         {"show": f"/v/show/{ROW_PK}", "delete": f"/v/delete/{ROW_PK}"}, ["approve"], "n'1")
        assert "<td>&lt;script&gt;alert(1)&lt;/script&gt;</td>" in html and "<script>alert" not in html
        assert "<td>None</td>" in html and "<td><b>a&b</b></td>" in html  # as {{ }}: Markup kept as is
        assert 'value="7" type="checkbox"' in html and 'href="/v/show/7"' in html and "/v/edit/" not in html
        assert 'id="btn-delete-/v/delete/7"' in html and 'nonce="n&#39;1"' in html
        assert "查看记录" in html and "确定要删除此记录吗？" in html
        # no show/edit/delete right: no buttons column at all; allowed but no route: an empty one (header kept)
        assert "btn-group" not in list_rows(rows, [7], ["name"], {}, None, [], "")
        assert '<div class="btn-group btn-group-xs" style="display: flex;"></div>' in list_rows(rows, [7], ["name"], {}, {}, [], "")


def test_asset_tags_are_built_once_per_mount_point_and_carry_the_nonce(app):
    from app.templating import ASSETS, asset_tags

    with app.test_request_context("/"):
        styles = asset_tags("styles")
        assert styles.count("<link ") == len(ASSETS["styles"]) and 'href="/static/css/site.css"' in styles
        assert 'src="/static/appbuilder/js/jquery-latest.js" nonce="a&#34;b"' in asset_tags("head", 'a"b')
        assert asset_tags("tail").count("<script ") == len(ASSETS["tail"])
    with app.test_request_context("/", base_url="http://localhost/registry/"):  # behind a path prefix
        assert 'href="/registry/static/css/site.css"' in asset_tags("styles")
    body = app.test_client().get("/login/").get_data(as_text=True)
    for _endpoint, name in ASSETS["styles"] + ASSETS["head"] + ASSETS["tail"]:
        assert name in body, name


def _search_fields(body: str) -> dict:
    """Return the search form's fields (column -> HTML) as the page hands them to FAB's filter script."""
    script = body[body.index("new AdminFilters("):]
    return json.loads(re.findall(r"^\s*(\{.*\}),\s*$", script, re.M)[1])


def test_the_search_form_keeps_its_fixed_fields_and_renders_choices_from_the_database_every_time(app, as_user):
    from app.models import Department

    client = as_user("inst_admin")
    first = _search_fields(client.get("/myphysicianview/list/").get_data(as_text=True))
    assert "stage" in first and "<option" in first["status"], "the fixed fields: text boxes, labelled choices"
    assert "新设的科室" not in first["department"]
    with app.app_context():
        db.session.add(Department(name="新设的科室", institution_id=1, active=True))
        db.session.commit()
    again = _search_fields(client.get("/myphysicianview/list/").get_data(as_text=True))
    assert "新设的科室" in again["department"], "a related drop-down reads its choices on every page"
    assert {k: v for k, v in again.items() if k != "department"} == {k: v for k, v in first.items() if k != "department"}
    english = client.get("/myphysicianview/list/?_l_=en").get_data(as_text=True)
    assert _search_fields(english)["status"] != first["status"] and "Starts with" in english, "each locale its own"
    client.get("/myphysicianview/list/?_l_=zh")


def test_a_search_field_is_kept_only_if_nothing_in_it_changes_from_page_to_page(app):
    from app.views.base import _fixed_field

    views = {type(v).__name__: v for v in app.appbuilder.baseviews}
    with app.test_request_context("/"):
        events = views["SecurityEventView"].search_form.refresh()
        calendars = views["WorkdayYearView"].search_form.refresh()
        physicians = views["MyPhysicianView"].search_form.refresh()
        assert _fixed_field(events["event"]) and _fixed_field(events["created_at"]) and _fixed_field(physicians["name"])
        assert not _fixed_field(calendars["declared_at"]), "FAB's date-time field: its default is the time of the page"
        assert not _fixed_field(physicians["department"]), "its choices come from the database"


def test_users_of_one_role_share_the_menu_bar_but_each_sees_their_own_name_escaped(app, monkeypatch):
    from app.models import RegistryUser

    with app.app_context():
        user = db.session.scalars(db.select(RegistryUser).where(RegistryUser.username == "reviewer_11")).one()
        user.first_name, user.last_name = "<i>京</i>", "审核员"
        db.session.commit()
    calls = _menu_checks(app, monkeypatch)
    national, beijing = app.test_client(), app.test_client()
    login(national, "reviewer")
    login(beijing, "reviewer_11")
    first = _nav(national, "/commission/applications/")
    built = len(calls)
    second = _nav(beijing, "/commission/applications/")
    assert built and len(calls) == built, "the second reviewer's bar comes from the cache"
    assert "国家卫健委审核员" in first and "国家卫健委审核员" not in second
    assert "&lt;i&gt;京&lt;/i&gt;" in second and "<i>京</i>" not in second
    assert "\x00" not in first + second
    without_name = re.compile(r'(<span class="site-nav__user">)[^<]*(</span>)')
    assert without_name.sub(r"\1\2", first) == without_name.sub(r"\1\2", second)
