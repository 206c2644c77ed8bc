"""The permission matrix (issue 2 point 11), generated from the registered views and APIs.

EXPECTED below is the reviewed access table: every registered view, API and menu must appear in
it, so a new screen cannot escape review. The tests check it three ways: FAB's permission check
for each demo user, the role tables written by `flask init` (the DB mirror), and real HTTP
requests against every parameterless GET endpoint and every REST collection.
"""

from __future__ import annotations

import pytest
from flask import g
from sqlalchemy import select

from app.extensions import db
from app.models import RegistryUser
from app.security.roles import ADMIN, COMMISSION_REVIEWER, INSTITUTION_ADMIN, PHYSICIAN
from tests.conftest import PASSWORD, login
from tests.public_routes import PUBLIC_ENDPOINTS

R, INST, P = COMMISSION_REVIEWER, INSTITUTION_ADMIN, PHYSICIAN
USERS = {ADMIN: "admin", R: "reviewer", INST: "inst_admin", P: "physician"}

MENU = {"menu_access"}
READ_EXPORT = {"can_list", "can_show", "can_export"} | MENU
MANAGE = {"can_list", "can_show", "can_add", "can_edit", "can_delete", "can_export"} | MENU
API = {"can_get"}
SELF = {"can_this_form_get", "can_this_form_post"}
QUEUE = {"can_queue", "can_detail", "can_act"} | MENU
WORKFLOW_API = {"can_read", "can_write"}
PUBLIC = "public"  # no permission at all: open to everybody (login page, landing page, ...)

# view / API / menu name -> {role: permissions}; Admin may do everything, a missing role nothing.
EXPECTED: dict[str, dict[str, set[str]] | str] = {
    # commission
    "InstitutionView": {R: MANAGE},
    "DepartmentView": {R: MANAGE},
    "InstitutionAdminView": {R: {"can_list", "can_show", "can_add", "can_edit", "can_export"} | MENU},
    "AssessmentView": {R: MANAGE},
    "WindowView": {R: MANAGE},
    "ScopeView": {R: MANAGE},
    "PhysicianView": {R: READ_EXPORT},
    "QualificationView": {R: READ_EXPORT},
    "RegistrationView": {R: READ_EXPORT | {"can_cancel"}},  # 依职权注销: the form refuses other roles' rows by scope
    "FilingView": {R: READ_EXPORT},
    "ApplicationView": {R: READ_EXPORT},
    "RegionView": {R: READ_EXPORT},
    # institution
    "MyInstitutionView": {INST: {"can_list", "can_show", "can_edit", "can_export"} | MENU},
    "MyDepartmentView": {INST: MANAGE},
    "MyPhysicianView": {INST: READ_EXPORT | {"can_edit"}},
    "MyAssessmentView": {INST: {"can_list", "can_show", "can_add", "can_edit", "can_export"} | MENU},
    "ActivationQueueView": {INST: {"can_list", "can_show", "can_export", "issue_sms", "issue_email", "revoke"} | MENU},
    "SecurityEventView": {R: READ_EXPORT, INST: READ_EXPORT},
    "AuditLogView": {R: {"can_index", "can_export"} | MENU, INST: {"can_index", "can_export"} | MENU},
    # applications (业务申请): queues, the physician's pages and wizard, the workflow API
    "InstitutionQueueView": {INST: QUEUE},
    "CommissionQueueView": {R: QUEUE},
    "DashboardView": {R: {"can_index", "can_rows", "can_export"} | MENU},
    "MyApplicationsView": {P: (QUEUE - MENU) | {"can_start", "can_step"}},
    "ApplicationWorkflowApi": {R: WORKFLOW_API, INST: WORKFLOW_API, P: WORKFLOW_API},
    "RegistrationMeasureApi": {R: WORKFLOW_API},  # 依职权注销 by API; the command checks the jurisdiction
    # 信息变更 requests: the physician's page, the institution's queue, the commission's read-only list, the API
    "MyProfileChangeView": {P: WORKFLOW_API},
    "InstitutionProfileChangeView": {INST: QUEUE},
    "CommissionProfileChangeView": {R: {"can_queue", "can_detail"} | MENU},
    "ProfileChangeApi": {R: {"can_read"}, INST: WORKFLOW_API, P: WORKFLOW_API},
    "WorkdayEntryView": {R: MANAGE},
    # the yearly registration window (issue 8): the commission's page, the institution's waiting list
    "WindowBoardView": {R: {"can_read"} | MENU},
    # 导入考试结果 (issue 9): upload, check, confirm; jobs and files of the reviewer's jurisdiction only
    "QualificationImportView": {R: {"can_read", "can_write"} | MENU},
    # 我的导出 (issue 9): large exports written by a job; each user sees only their own jobs and files
    "ExportJobView": {R: {"can_read"}, INST: {"can_read"}},
    "InstitutionWindowView": {INST: {"can_read", "can_remind"} | MENU},
    "WorkdayYearView": {R: MANAGE},
    # physician
    "PhysicianHomeView": {P: {"can_index"}},
    # application documents: the photo and the printable form (rows checked per request)
    "ApplicationDocumentView": {R: {"can_download"}, INST: {"can_download"}, P: {"can_download"}},
    # REST
    "PhysicianApi": {R: API, INST: API, P: API},
    "InstitutionApi": {R: API, INST: API},
    "RegistrationApi": {R: API, INST: API, P: API},
    "ApplicationApi": {R: API, INST: API, P: API},
    # self-service (own profile and password)
    "RegistryUserView": {role: {"can_userinfo", "userinfoedit", "resetmypassword"} for role in (R, INST, P)},
    "UserInfoEditView": {R: SELF, INST: SELF, P: SELF},
    "ResetMyPasswordView": {R: SELF, INST: SELF, P: SELF},
    # FAB administration: Admin only
    "ResetPasswordView": {},
    "RoleModelView": {},
    "UserGroupModelView": {},
    "PermissionModelView": {},
    "ViewMenuModelView": {},
    "PermissionViewModelView": {},
    "OpenApi": {},  # but see PUBLIC_GRANTS
    "SwaggerView": {},
    "MenuApi": {},
    # menus (categories and menu items that are not views)
    "Institutions": {R: MENU},
    "Physicians": {R: MENU},
    "Applications": {R: MENU},
    "Reference": {R: MENU},
    "MyInstitution": {INST: MENU},
    "MyHome": {P: MENU},
    "Audit": {R: MENU, INST: MENU},
    "Security": {},
    "List Users": {},
    "List Roles": {},
    "List Groups": {},
    "Base Permissions": {},
    "Views/Menus": {},
    "Permission on Views/Menus": {},
    # public
    "RegistryIndexView": PUBLIC,
    "UtilView": PUBLIC,
    "LocaleView": PUBLIC,
    "RegistryAuthDBView": PUBLIC,
    "SecurityApi": PUBLIC,
    "SignupView": PUBLIC,
    "AccountApi": {P: {"can_self_service"}},
    "AccountPublicApi": PUBLIC,
    "RecoveryView": PUBLIC,
    "PublicView": PUBLIC,  # FAQ and the large-text switch
    "VerificationView": PUBLIC,  # the QR code's check page: signed token, no login
    "LookupView": PUBLIC,  # 医师执业注册信息查询: captcha and a per-client quota, public fields only
    "PublicLookupApi": PUBLIC,  # the same lookup in the JSON API (the same quota)
}

# Permissions granted to the Public role: open to everybody, logged in or not.
PUBLIC_GRANTS = {("can_get", "OpenApi")}

# GET endpoints that carry no permission on purpose: the one reviewed list (tests/public_routes.py).
UNPROTECTED_GET = set(PUBLIC_ENDPOINTS)
# Endpoints never exercised by GET in the HTTP sweep (they refuse GET or stream files).
SKIP_SUFFIXES = (".action", ".delete", ".download")


def expected(role: str, permission: str, view_name: str) -> bool:
    """Tell whether the reviewed table lets ``role`` use ``permission`` on ``view_name``."""
    if role == ADMIN or (permission, view_name) in PUBLIC_GRANTS:
        return True
    entry = EXPECTED[view_name]
    return entry != PUBLIC and permission in entry.get(role, set())


def _users(app) -> dict[str, RegistryUser]:
    with app.app_context():
        users = {
            role: db.session.scalar(select(RegistryUser).where(RegistryUser.username == name))
            for role, name in USERS.items()
        }
        for user in users.values():
            # load what FAB's permission check reads before the session closes
            _ = [user.roles, user.groups, user.is_active]
            db.session.expunge(user)
    return users


def _code_permissions(view) -> set[str]:
    perms = set(view.base_permissions or [])
    for name in getattr(view, "actions", {}) or {}:
        perms.add(view.get_action_permission_name(name))
    return perms


def _db_pvms(app) -> list[tuple[str, str, set[str]]]:
    """Return (permission, view menu, roles holding it) for every row of ab_permission_view."""
    sm = app.appbuilder.sm
    with app.app_context():
        rows = []
        for pvm in db.session.scalars(select(sm.permissionview_model)).all():
            roles = {role.name for role in pvm.role}
            rows.append((pvm.permission.name, pvm.view_menu.name, roles))
    return rows


# --- the table covers everything ------------------------------------------------------------------


def test_every_registered_view_and_api_is_in_the_table(app):
    for view in app.appbuilder.baseviews:
        name = view.class_permission_name
        assert name in EXPECTED, f"{name} is registered but missing from EXPECTED"
        if EXPECTED[name] == PUBLIC:
            assert not view.base_permissions, f"{name} has permissions but is listed as public"
            continue
        perms = _code_permissions(view)
        assert perms, f"{name} has no permission at all"
        for role, granted in EXPECTED[name].items():
            assert granted - MENU <= perms, f"EXPECTED grants {role} unknown permissions on {name}"


def test_every_database_permission_is_in_the_table(app):
    for permission, view_menu, _ in _db_pvms(app):
        assert view_menu in EXPECTED, f"{view_menu} ({permission}) is missing from EXPECTED"


def test_flask_init_created_every_permission_of_the_code(app):
    in_db = {(perm, vm) for perm, vm, _ in _db_pvms(app)}
    for view in app.appbuilder.baseviews:
        for perm in _code_permissions(view):
            assert (perm, view.class_permission_name) in in_db, (perm, view.class_permission_name)


# --- FAB's check and the DB mirror agree with the table --------------------------------------------


def test_permission_checks_and_db_mirror_match_the_table(app):
    sm = app.appbuilder.sm
    users = _users(app)
    mismatches = []
    with app.app_context():
        for permission, view_menu, holders in _db_pvms(app):
            if (permission, view_menu) in PUBLIC_GRANTS:
                assert "Public" in holders and sm.is_item_public(permission, view_menu)
                continue
            for role, user in users.items():
                want = expected(role, permission, view_menu)
                if sm._has_view_access(user, permission, view_menu) != want:
                    mismatches.append(("check", role, permission, view_menu, want))
                if (role in holders) != want:
                    mismatches.append(("db", role, permission, view_menu, want))
    assert not mismatches


def test_code_permissions_match_the_table_for_every_role(app):
    """The same check from the code side: every permission every registered view declares."""
    sm = app.appbuilder.sm
    users = _users(app)
    with app.app_context():
        for view in app.appbuilder.baseviews:
            name = view.class_permission_name
            for perm in _code_permissions(view) - {p for p, v in PUBLIC_GRANTS if v == name}:
                for role, user in users.items():
                    assert sm._has_view_access(user, perm, name) == expected(role, perm, name), (role, perm, name)


# --- HTTP -----------------------------------------------------------------------------------------


def _get_endpoints(app):
    """Yield (view, endpoint, rule, permission) for every GET route of a registered view."""
    by_blueprint = {view.blueprint.name: view for view in app.appbuilder.baseviews if getattr(view, "blueprint", None)}
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint.endswith(SKIP_SUFFIXES):
            continue
        view = by_blueprint.get(rule.endpoint.split(".")[0])
        func = app.view_functions[rule.endpoint]
        raw = getattr(func, "_permission_name", None)
        if raw is None:
            yield view, rule, None
            continue
        mapped = (view.method_permission_name or {}).get(func.__name__) if view else None
        yield view, rule, "can_" + (mapped or raw)


def test_every_get_endpoint_is_protected_or_listed_public(app):
    for _view, rule, permission in _get_endpoints(app):
        if permission is None and not rule.rule.startswith("/api/"):
            assert rule.endpoint in UNPROTECTED_GET, f"{rule.rule} has no permission check"


def _url(app, rule, view, user) -> str | None:
    """Build a URL for the rule (a <pk> is the first row the view itself shows ``user``), or None."""
    arguments = set(rule.arguments)
    if not arguments:
        return rule.rule
    if arguments == {"pk"} and view is not None and hasattr(view, "datamodel"):
        with app.test_request_context():
            g.user = db.session.merge(user)
            _, items = view.datamodel.query(view._base_filters, page=0, page_size=1)
            pk = view.datamodel.get_pk_value(items[0]) if items else None
        return None if pk is None else rule.rule.replace("<pk>", str(pk))
    return None


@pytest.mark.parametrize("role", [ADMIN, R, INST, P])
def test_http_access_follows_the_table(app, client, role):
    users = _users(app)
    assert login(client, USERS[role], PASSWORD).status_code == 302
    checked = 0
    for view, rule, permission in _get_endpoints(app):
        if permission is None or rule.rule.startswith("/api/"):
            continue
        allowed = expected(role, permission, view.class_permission_name) and permission in view.base_permissions
        url = _url(app, rule, view, users[role] if allowed else users[ADMIN])
        if url is None:
            continue
        response = client.get(url)
        if allowed:
            assert response.status_code in (200, 302), (role, url, response.status_code)
            assert "/login" not in response.headers.get("Location", ""), (role, url)
        else:
            assert response.status_code == 403, (role, url, response.status_code)
        checked += 1
    assert checked > 40


def test_anonymous_is_sent_to_login_everywhere(app, client):
    admin = _users(app)[ADMIN]
    checked = 0
    for view, rule, permission in _get_endpoints(app):
        if permission is None or rule.rule.startswith("/api/"):
            continue
        url = _url(app, rule, view, admin)
        if url is None:
            continue
        response = client.get(url)
        assert response.status_code == 302, (url, response.status_code)
        assert "/login/" in response.headers["Location"], url
        checked += 1
    assert checked > 40


def _api_collections(app):
    for view in app.appbuilder.baseviews:
        for rule in app.url_map.iter_rules():
            if (
                rule.endpoint.split(".")[0] == getattr(getattr(view, "blueprint", None), "name", None)
                and rule.rule.startswith("/api/")
                and "GET" in rule.methods
                and not rule.arguments - {"version"}
                and "can_get" in (view.base_permissions or [])
            ):
                yield view, rule.rule.replace("<version>", "v1")


@pytest.mark.parametrize("role", [ADMIN, R, INST, P])
def test_rest_access_follows_the_table(app, client, role):
    response = client.post(
        "/api/v1/security/login",
        json={"username": USERS[role], "password": PASSWORD, "provider": "db", "refresh": False},
    )
    headers = {"Authorization": f"Bearer {response.get_json()['access_token']}"}
    checked = 0
    for view, url in _api_collections(app):
        allowed = expected(role, "can_get", view.class_permission_name)
        status = client.get(url, headers=headers).status_code
        assert status == (200 if allowed else 403), (role, url, status)
        checked += 1
    assert checked >= 5


def test_rest_refuses_anonymous(app, client):
    for view, url in _api_collections(app):
        public = ("can_get", view.class_permission_name) in PUBLIC_GRANTS
        assert client.get(url).status_code == (200 if public else 401), url


# --- exports (issue 9 item 4): every list's export needs the list's own permission -------------------


EXPORT_ARGS = {"/commission/window/export/<string:fmt>": "?province=110000"}  # one province's institution table


def _export_routes(app):
    for view, rule, permission in _get_endpoints(app):
        if rule.rule.endswith("/export/<string:fmt>"):
            yield view, rule, permission


def _list_permission(view) -> str:
    method = getattr(view, "export_list_method", "list")
    return "can_" + (view.method_permission_name or {}).get(method, method)


def test_whoever_may_open_a_list_may_export_it_and_nobody_else(app):
    routes = list(_export_routes(app))
    assert len(routes) >= 20
    for view, _rule, permission in routes:
        name = view.class_permission_name
        for role in (R, INST, P):
            assert expected(role, permission, name) == expected(role, _list_permission(view), name), (role, name)


@pytest.mark.parametrize("role", [ADMIN, R, INST, P])
def test_http_export_access_follows_the_table(app, client, role):
    assert login(client, USERS[role], PASSWORD).status_code == 302
    checked = 0
    for view, rule, permission in _export_routes(app):
        allowed = expected(role, permission, view.class_permission_name) and permission in view.base_permissions
        response = client.get(rule.rule.replace("<string:fmt>", "xlsx") + EXPORT_ARGS.get(rule.rule, ""))
        if allowed:
            assert response.status_code == 200, (role, rule.rule, response.status_code)
            assert response.mimetype.endswith("spreadsheetml.sheet"), rule.rule
        else:
            assert response.status_code == 403, (role, rule.rule, response.status_code)
        checked += 1
    assert checked >= 20
