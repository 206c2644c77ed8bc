"""Generated isolation tests (issue 6 item 18): every registered model view and API × every role.

Nothing here is listed by hand: the views come from ``appbuilder.baseviews``, the rows a role may
not see from :func:`scope_clause` of the view's model, the expected refusal (404 inside the
permission, 403 outside it) from FAB's permission check. For each out-of-scope row: show, edit
(form and post), delete, every action (one row and many), the list page, the CSV export and
the REST get-by-id and list. The data includes filings across institutions and provinces and
provincial, county and national reviewers (tests/scope_data.py).
"""

from __future__ import annotations

import csv
import io
import re
import shutil
from dataclasses import dataclass, field

import pytest
from flask_appbuilder.actions import ActionItem
from flask_appbuilder.api import ModelRestApi
from sqlalchemy import func, select

from app.extensions import db
from app.models import (
    Application,
    Assessment,
    Filing,
    Institution,
    Physician,
    PracticeScope,
    RegistrationWindow,
    RegistryUser,
)
from app.security.registry import UNSCOPED_VIEWS, carries_scope, is_model_view
from app.security.scope import scope_clause, scope_for
from tests.conftest import PG_URL, _config_for, csrf_token, login, pg_database
from tests.scope_data import EXTRA_USERS, add_scope_data

ROLES = ["admin", "reviewer", "reviewer_11", "inst_admin", "physician", *EXTRA_USERS, "qian_duo"]
TOKEN_PAGE = "/resetmypassword/form"
SAMPLE = 2  # out-of-scope rows probed one by one per view and role (the list checks all of them)


@pytest.fixture(scope="module")
def scoped_app(template_db, tmp_path_factory):
    """One application per module on a copy of the demo data plus tests/scope_data.py."""
    from app import create_app

    def build(uri):
        application = create_app(_config_for(uri))
        add_scope_data(application)
        return application

    if PG_URL:
        with pg_database("registry_m", template=template_db) as url:
            application = build(url)
            yield application
            with application.app_context():
                db.session.remove()
                db.engine.dispose()
        return
    path = tmp_path_factory.mktemp("matrix") / "matrix.db"
    shutil.copy(template_db, path)
    application = build(f"sqlite:///{path}")
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


@dataclass
class Plan:
    """What one role may do on one view, and the rows of the view's model it may not see."""

    view: object
    granted: set[str]
    hidden: list = field(default_factory=list)
    visible_count: int = 0
    total: int = 0


def must_be_scoped(view) -> bool:
    """Tell whether a view must hide rows (not on the reviewed allow-list; whatever it declares)."""
    return type(view).__name__ not in UNSCOPED_VIEWS


def _pk_column(view):
    return getattr(view.datamodel.obj, view.datamodel.get_pk_name())


def plans_for(app, username: str) -> list[Plan]:
    """Compute, for every registered model view and API, what ``username`` may do and not see."""
    sm = app.appbuilder.sm
    plans = []
    with app.app_context():
        user = db.session.scalar(select(RegistryUser).where(RegistryUser.username == username))
        scope = scope_for(user)
        for view in app.appbuilder.baseviews:
            if not is_model_view(view):
                continue
            perms = set(view.base_permissions or []) | {view.get_action_permission_name(a) for a in getattr(view, "actions", None) or {}}
            granted = {p for p in perms if sm._has_view_access(user, p, view.class_permission_name)}
            plan = Plan(view, granted)
            if must_be_scoped(view):
                model, pk = view.datamodel.obj, _pk_column(view)
                clause = scope_clause(model, scope)
                plan.total = db.session.scalar(select(func.count()).select_from(model))
                if clause is None:
                    plan.visible_count = plan.total
                else:
                    plan.hidden = list(db.session.scalars(select(pk).where(~clause).order_by(pk)))
                    plan.visible_count = plan.total - len(plan.hidden)
            plans.append(plan)
    return plans


def _sample(rows: list) -> list:
    return rows if len(rows) <= SAMPLE else [rows[0], rows[-1]]


def _snapshot(app, view, pks) -> list:
    with app.app_context():
        model = view.datamodel.obj
        rows = db.session.scalars(select(model).where(_pk_column(view).in_(pks))).all()
        return sorted(repr({c.key: getattr(r, c.key) for c in model.__mapper__.column_attrs}) for r in rows)


def _expect(plan: Plan, permission: str) -> int:
    return 404 if permission in plan.granted else 403


def _check_web(app, client, plan: Plan, token: str, failures: list) -> None:
    view = plan.view
    route, name = view.route_base, type(view).__name__

    def check(method: str, url: str, want: int, **kwargs) -> None:
        status = getattr(client, method)(url, **kwargs).status_code
        if status != want:
            failures.append(f"{method.upper()} {url}: {status}, expected {want}")

    if not must_be_scoped(view):  # allow-listed: only the permission is checked
        if "can_show" not in plan.granted:
            check("get", f"{route}/show/1", 403)
        return
    probes = _sample(plan.hidden)
    before = _snapshot(app, view, probes)
    for pk in probes:
        check("get", f"{route}/show/{pk}", _expect(plan, "can_show"))
        check("get", f"{route}/edit/{pk}", _expect(plan, "can_edit"))
        check("post", f"{route}/edit/{pk}", _expect(plan, "can_edit"), data={"csrf_token": token, "name": "篡改"})
        check("post", f"{route}/delete/{pk}", _expect(plan, "can_delete"), data={"csrf_token": token})
        for action in view.actions:
            want = _expect(plan, view.get_action_permission_name(action))
            check("post", f"{route}/action/{action}/{pk}", want, data={"csrf_token": token})
            check("post", f"{route}/action_post", want, data={"csrf_token": token, "action": action, "rowid": [str(pk)]})
    if _snapshot(app, view, probes) != before:
        failures.append(f"{name}: an out-of-scope row was changed")

    if "can_list" in plan.granted:
        body = client.get(f"{route}/list/?psize_{name}={app.config['MAX_PAGE_SIZE']}").get_data(as_text=True)
        shown = {m for m in re.findall(rf'href="{route}/show/([^"?]+)"', body)}
        leaked = shown & {str(pk) for pk in plan.hidden}
        if leaked:
            failures.append(f"{route}/list/ shows out-of-scope rows {sorted(leaked)}")
        if shown and "can_show" in plan.granted:
            check("get", f"{route}/show/{sorted(shown)[0]}", 200)  # the refusals above are the scope
    if "can_export" in plan.granted:
        response = client.get(f"{route}/export/")
        rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))[1:]
        if response.status_code != 200 or len(rows) > plan.visible_count:
            failures.append(f"{route}/export/: {response.status_code}, {len(rows)} rows > {plan.visible_count} in scope")
    elif "can_export" in (view.base_permissions or []):
        check("get", f"{route}/export/", 403)


def _check_api(client, plan: Plan, failures: list) -> None:
    route = plan.view.route_base
    allowed = "can_get" in plan.granted
    for pk in _sample(plan.hidden):
        status = client.get(f"{route}/{pk}").status_code
        if status != (404 if allowed else 403):
            failures.append(f"GET {route}/{pk}: {status}")
    response = client.get(f"{route}/?q=(page_size:100)")
    if not allowed:
        if response.status_code != 403:
            failures.append(f"GET {route}/: {response.status_code}, expected 403")
        return
    leaked = set(response.get_json()["ids"]) & set(plan.hidden)
    if leaked:
        failures.append(f"GET {route}/ lists out-of-scope rows {sorted(leaked)}")


def _with_probe_action(view):
    """Add an action allowed by can_show to a view, so scoped refetching is tried on every screen."""
    touched: list = []
    view.actions["probe"] = ActionItem("probe", "probe", "", "", True, True, lambda items: touched.append(items) or "ok")
    original = view.get_action_permission_name
    view.get_action_permission_name = lambda name: "can_show" if name == "probe" else original(name)

    def restore():
        del view.actions["probe"]
        del view.get_action_permission_name

    return touched, restore


@pytest.mark.parametrize("username", ROLES)
def test_no_role_reaches_an_out_of_scope_row_anywhere(scoped_app, username):
    app = scoped_app
    client = app.test_client()
    assert login(client, username).status_code == 302
    token = csrf_token(client, TOKEN_PAGE)
    failures: list[str] = []
    checked = 0
    for plan in plans_for(app, username):
        if isinstance(plan.view, ModelRestApi):
            _check_api(client, plan, failures)
        else:
            touched, restore = _with_probe_action(plan.view)
            try:
                _check_web(app, client, plan, token, failures)
            finally:
                restore()
            if touched:
                failures.append(f"{type(plan.view).__name__}: an action ran on an out-of-scope row")
        checked += len(_sample(plan.hidden))
    assert not failures, "\n".join(failures)
    if username != "admin" and username != "reviewer":
        assert checked > 0, f"{username} has no out-of-scope row anywhere: the data proves nothing"


# The national working-day calendar is all or nothing: national reviewers keep it, provincial ones
# see none of it. Proven below by who sees what, instead of by rows on both sides of one scope.
NATIONAL_ONLY = {"WorkdayEntryView", "WorkdayYearView"}


def test_every_scoped_view_has_rows_on_both_sides_of_some_scope(scoped_app):
    """Each scoped view has a role with access that sees some rows and not others (no vacuous case)."""
    proven: dict[str, bool] = {}
    for username in ROLES:
        for plan in plans_for(scoped_app, username):
            if not must_be_scoped(plan.view):
                continue
            name = type(plan.view).__name__
            if name in NATIONAL_ONLY:
                continue
            reads = {"can_list", "can_show", "can_get"} & plan.granted
            proven[name] = proven.get(name, False) or bool(reads and plan.hidden and plan.visible_count)
    assert proven and all(proven.values()), sorted(name for name, ok in proven.items() if not ok)


def test_the_national_calendar_is_kept_by_national_reviewers_only(scoped_app):
    seen: dict[tuple[str, str], tuple[int, int]] = {}
    for username in ("reviewer", "reviewer_11", "reviewer_44", "reviewer_110108"):
        for plan in plans_for(scoped_app, username):
            name = type(plan.view).__name__
            if name in NATIONAL_ONLY:
                seen[name, username] = (plan.visible_count, len(plan.hidden))
    for name in NATIONAL_ONLY:
        visible, hidden = seen[name, "reviewer"]
        assert visible > 0 and hidden == 0, name
        for provincial in ("reviewer_11", "reviewer_44", "reviewer_110108"):
            assert seen[name, provincial][0] == 0 and seen[name, provincial][1] > 0, (name, provincial)


def test_allow_listed_views_are_the_only_unscoped_ones(scoped_app):
    unscoped = {type(v).__name__ for v in scoped_app.appbuilder.baseviews if is_model_view(v) and not carries_scope(v)}
    assert unscoped == set(UNSCOPED_VIEWS)


# --- the rules on the extra data, written out by hand ---------------------------------------------


def _rows(app) -> dict[str, int]:
    """Look up the rows of tests/scope_data.py (and a few demo rows) by name."""
    with app.app_context():
        s = db.session

        def one(statement):
            return s.scalar(statement.order_by(statement.selected_columns[0]).limit(1))

        qian = one(select(Physician.id).where(Physician.name == "钱多"))
        inst = {name: one(select(Institution.id).where(Institution.name == name))
                for name in ("北京朝阳示范医院", "北京海淀社区卫生服务中心", "上海徐汇示范医院")}
        return {
            "qian": qian,
            "zhang": one(select(Physician.id).where(Physician.name == "张明")),
            "zhao": one(select(Physician.id).where(Physician.name == "赵敏")),
            "chaoyang": inst["北京朝阳示范医院"], "haidian": inst["北京海淀社区卫生服务中心"],
            "filing_chaoyang": one(select(Filing.id).where(Filing.institution_id == inst["北京朝阳示范医院"])),
            "filing_xuhui": one(select(Filing.id).where(Filing.institution_id == inst["上海徐汇示范医院"])),
            "reg_qian": one(select(Filing.registration_id)),
            "app_qian": one(select(Application.id).where(Application.physician_id == qian)),
            "ass_qian": one(select(Assessment.id).where(Assessment.physician_id == qian)),
            "scope_44": one(select(PracticeScope.id).where(PracticeScope.code == "TCM44X")),
            "win_44": one(select(RegistrationWindow.id).where(RegistrationWindow.province_code == "440000")),
            "win_11": one(select(RegistrationWindow.id).where(RegistrationWindow.province_code == "110000")),
        }


# user, URL with {row} placeholders, expected status
RULES = [
    ("reviewer_11", "/filingview/show/{filing_chaoyang}", 200),
    ("reviewer_11", "/filingview/show/{filing_xuhui}", 404),  # a Beijing physician's filing in Shanghai
    ("reviewer_11", "/registrationview/show/{reg_qian}", 200),
    ("reviewer_11", "/scopeview/show/{scope_44}", 404),
    ("inst_admin", "/myphysicianview/show/{qian}", 200),  # filed at the admin's institution
    ("inst_admin", "/myassessmentview/show/{ass_qian}", 404),  # ...but assessed at Haidian
    ("inst_admin", "/api/v1/registration/{reg_qian}", 200),
    ("inst_admin", "/api/v1/application/{app_qian}", 404),
    ("reviewer_110108", "/physicianview/show/{qian}", 200),  # a county reviewer: Haidian only
    ("reviewer_110108", "/physicianview/show/{zhang}", 404),
    ("reviewer_110108", "/institutionview/show/{haidian}", 200),
    ("reviewer_110108", "/institutionview/show/{chaoyang}", 404),
    ("reviewer_110108", "/filingview/show/{filing_chaoyang}", 404),
    ("reviewer_44", "/physicianview/show/{zhao}", 200),  # a province other than Beijing
    ("reviewer_44", "/physicianview/show/{zhang}", 404),
    ("reviewer_44", "/scopeview/show/{scope_44}", 200),
    ("reviewer_44", "/windowview/show/{win_44}", 200),
    ("reviewer_44", "/windowview/show/{win_11}", 404),
    ("inst_admin_gz", "/myphysicianview/show/{zhao}", 200),
    ("inst_admin_gz", "/myphysicianview/show/{zhang}", 404),
    ("qian_duo", "/api/v1/registration/{reg_qian}", 200),
    ("qian_duo", "/api/v1/physician/{zhang}", 404),
]


def test_scope_rules_on_filings_provinces_and_counties(scoped_app):
    rows = _rows(scoped_app)
    wrong = []
    for username in dict.fromkeys(user for user, _, _ in RULES):
        client = scoped_app.test_client()
        assert login(client, username).status_code == 302
        for user, url, want in RULES:
            if user == username and (status := client.get(url.format(**rows)).status_code) != want:
                wrong.append((user, url.format(**rows), status, want))
    assert not wrong
