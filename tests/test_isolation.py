"""Row-level isolation (SPEC §6, issue 2 point 11): no row outside a user's scope is reachable.

For every role and every scoped screen, a row outside the scope answers 404 on show, edit,
delete and every action (one- and many-row), is absent from the CSV export, answers 404 on the
REST get-by-id and is absent from the REST list, while a row inside the scope works, so every
assertion fails if the scope is removed.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

import pytest
from flask_appbuilder.actions import ActionItem
from sqlalchemy import func, select

from app.domain.enums import AssessmentKind, AssessmentResult
from app.extensions import db
from app.models import (
    Application,
    Assessment,
    Department,
    Institution,
    Physician,
    PracticeRegistration,
    Qualification,
    RegistrationWindow,
    RegistryUser,
)
from tests.conftest import PASSWORD, csrf_token

TOKEN_PAGE = "/resetmypassword/form"
FULL_ID = re.compile(r"\b\d{17}[\dX]\b")
MASKED_ID = re.compile(r"\b\d{4}\*{10}[\dX]{4}\b")


def _ids(app) -> dict:
    """Look up the demo rows the tests use (by name, never by assumed ids)."""
    with app.app_context():
        s = db.session

        def phys(name):
            return s.scalar(select(Physician).where(Physician.name == name))

        zhang, zhao, liu = phys("张明"), phys("赵敏"), phys("刘洋")

        def first(model, *where):
            return s.scalar(select(model.id).where(*where).order_by(model.id))

        return {
            "inst_bj": 1,
            "inst_bj_other": s.scalar(select(Institution.id).where(Institution.name == "北京海淀社区卫生服务中心")),
            "inst_sh": s.scalar(select(Institution.id).where(Institution.region_code == "310104")),
            "inst_gz": s.scalar(select(Institution.id).where(Institution.region_code == "440106")),
            "zhang": zhang.id, "zhang_id": zhang.id_number,
            "zhao": zhao.id, "zhao_id": zhao.id_number,
            "liu": liu.id,
            "dep_bj": first(Department, Department.institution_id == 1),
            "dep_gz": first(Department, Department.institution_id == zhao.institution_id),
            "reg_zhang": first(PracticeRegistration, PracticeRegistration.physician_id == zhang.id),
            "reg_zhao": first(PracticeRegistration, PracticeRegistration.physician_id == zhao.id),
            "app_zhang": first(Application, Application.physician_id == zhang.id),
            "app_zhao": first(Application, Application.physician_id == zhao.id),
            "ass_zhang": first(Assessment, Assessment.physician_id == zhang.id),
            "ass_zhao": first(Assessment, Assessment.physician_id == zhao.id),
            "qual_bj": first(Qualification, Qualification.province_code == "110000"),
            "qual_gz": first(Qualification, Qualification.province_code == "440000"),
            "win_bj": first(RegistrationWindow, RegistrationWindow.province_code == "110000"),
            "win_sh": first(RegistrationWindow, RegistrationWindow.province_code == "310000"),
        }


@dataclass(frozen=True)
class Case:
    """One screen seen by one role: a row inside and a row outside its scope."""

    user: str
    route: str
    model: type
    inside: str
    outside: str


CASES = [
    Case("reviewer_11", "/institutionview", Institution, "inst_bj", "inst_gz"),
    Case("reviewer_11", "/institutionview", Institution, "inst_bj", "inst_sh"),
    Case("reviewer_11", "/departmentview", Department, "dep_bj", "dep_gz"),
    Case("reviewer_11", "/physicianview", Physician, "zhang", "zhao"),
    Case("reviewer_11", "/qualificationview", Qualification, "qual_bj", "qual_gz"),
    Case("reviewer_11", "/registrationview", PracticeRegistration, "reg_zhang", "reg_zhao"),
    Case("reviewer_11", "/applicationview", Application, "app_zhang", "app_zhao"),
    Case("reviewer_11", "/assessmentview", Assessment, "ass_zhang", "ass_zhao"),
    Case("reviewer_11", "/windowview", RegistrationWindow, "win_bj", "win_sh"),
    Case("inst_admin", "/myinstitutionview", Institution, "inst_bj", "inst_bj_other"),
    Case("inst_admin", "/myinstitutionview", Institution, "inst_bj", "inst_gz"),
    Case("inst_admin", "/mydepartmentview", Department, "dep_bj", "dep_gz"),
    Case("inst_admin", "/myphysicianview", Physician, "zhang", "liu"),
    Case("inst_admin", "/myphysicianview", Physician, "zhang", "zhao"),
    Case("inst_admin", "/myassessmentview", Assessment, "ass_zhang", "ass_zhao"),
]


def _view(app, route):
    return next(v for v in app.appbuilder.baseviews if getattr(v, "route_base", None) == route)


def _exists(app, model, pk) -> bool:
    with app.app_context():
        return db.session.get(model, pk) is not None


def _snapshot(app, model, pk) -> dict:
    with app.app_context():
        row = db.session.get(model, pk)
        return {c.key: getattr(row, c.key) for c in model.__mapper__.column_attrs}


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.user}{c.route}-{c.outside}")
def test_out_of_scope_row_is_unreachable(app, as_user, case):
    ids = _ids(app)
    inside, outside = ids[case.inside], ids[case.outside]
    client = as_user(case.user)
    view = _view(app, case.route)
    perms = set(view.base_permissions)
    token = csrf_token(client, TOKEN_PAGE)

    # show
    assert client.get(f"{case.route}/show/{inside}").status_code == 200
    assert client.get(f"{case.route}/show/{outside}").status_code == 404

    # edit (form and post): refused, and the row is unchanged
    if "can_edit" in perms:
        assert client.get(f"{case.route}/edit/{inside}").status_code == 200
        assert client.get(f"{case.route}/edit/{outside}").status_code == 404
        before = _snapshot(app, case.model, outside)
        response = client.post(f"{case.route}/edit/{outside}", data={"csrf_token": token, "name": "篡改"})
        assert response.status_code == 404
        assert _snapshot(app, case.model, outside) == before

    # delete: refused, the row survives
    if "can_delete" in perms:
        response = client.post(f"{case.route}/delete/{outside}", data={"csrf_token": token})
        assert response.status_code == 404
        assert _exists(app, case.model, outside)

    # every action, on one row and on several rows (a probe action joins the real ones so the
    # scoped re-fetch is exercised even on screens without actions yet)
    touched = []
    view.actions["probe"] = ActionItem("probe", "probe", "", "", True, True, lambda items: touched.append(items) or "ok")
    original = view.get_action_permission_name
    view.get_action_permission_name = lambda name: "can_list" if name == "probe" else original(name)
    try:
        for name in list(view.actions):
            allowed = name == "probe" or "can_list" in perms and app.appbuilder.sm.has_access(
                original(name), view.class_permission_name
            )
            response = client.post(f"{case.route}/action/{name}/{outside}", data={"csrf_token": token})
            assert response.status_code == (404 if allowed else 403), name
            response = client.post(
                f"{case.route}/action_post",
                data={"csrf_token": token, "action": name, "rowid": [str(inside), str(outside)]},
            )
            assert response.status_code == (404 if allowed else 403), name
        assert touched == []
        client.post(f"{case.route}/action/probe/{inside}", data={"csrf_token": token})
        client.post(f"{case.route}/action_post", data={"csrf_token": token, "action": "probe", "rowid": [str(inside)]})
        assert len(touched) == 2
    finally:
        del view.actions["probe"]
        view.get_action_permission_name = original

    # export: the out-of-scope row is not in the file, the in-scope one is
    response = client.get(f"{case.route}/export/")
    if "can_export" not in perms:
        assert response.status_code == 403
        return
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))[1:]
    assert len(rows) == _export_rows_for(app, view, client, case)


def _export_rows_for(app, view, client, case) -> int:
    """Return the number of rows the export must hold; it must be less than the whole table."""
    with app.app_context():
        total = db.session.scalar(select(func.count()).select_from(case.model))
    scoped_count = _scoped_count(app, case)
    assert 0 < scoped_count < total, "the fixture must have rows on both sides of the scope"
    return scoped_count


def _scoped_count(app, case) -> int:
    """Count, with plain SQL written here (not the scope module), the rows the role may see."""
    with app.app_context():
        s = db.session
        beijing = Institution.region_code.between("110000", "119999")
        if case.user == "reviewer_11":
            condition = {
                Institution: beijing,
                Department: Department.institution_id.in_(select(Institution.id).where(beijing)),
                Physician: Physician.region_code.between("110000", "119999"),
                Qualification: Qualification.province_code == "110000",
                PracticeRegistration: PracticeRegistration.region_code.between("110000", "119999"),
                Application: Application.region_code.between("110000", "119999"),
                Assessment: Assessment.region_code.between("110000", "119999"),
                RegistrationWindow: RegistrationWindow.province_code == "110000",
            }[case.model]
        else:
            condition = {
                Institution: Institution.id == 1,
                Department: Department.institution_id == 1,
                Physician: Physician.institution_id == 1,
                Assessment: Assessment.institution_id == 1,
            }[case.model]
        return s.scalar(select(func.count()).select_from(case.model).where(condition))


# --- REST -----------------------------------------------------------------------------------------


def _jwt(client, username):
    response = client.post(
        "/api/v1/security/login",
        json={"username": username, "password": PASSWORD, "provider": "db", "refresh": False},
    )
    assert response.status_code == 200
    return {"Authorization": f"Bearer {response.get_json()['access_token']}"}


API_CASES = [
    ("reviewer_11", "institution", "inst_bj", "inst_gz"),
    ("reviewer_11", "institution", "inst_bj", "inst_sh"),
    ("reviewer_11", "physician", "zhang", "zhao"),
    ("reviewer_11", "registration", "reg_zhang", "reg_zhao"),
    ("reviewer_11", "application", "app_zhang", "app_zhao"),
    ("inst_admin", "institution", "inst_bj", "inst_bj_other"),
    ("inst_admin", "physician", "zhang", "liu"),
    ("inst_admin", "physician", "zhang", "zhao"),
    ("inst_admin", "registration", "reg_zhang", "reg_zhao"),
    ("inst_admin", "application", "app_zhang", "app_zhao"),
    ("physician", "physician", "zhang", "zhao"),
    ("physician", "registration", "reg_zhang", "reg_zhao"),
    ("physician", "application", "app_zhang", "app_zhao"),
]


@pytest.mark.parametrize(("user", "resource", "inside", "outside"), API_CASES)
def test_rest_api_hides_out_of_scope_rows(app, client, user, resource, inside, outside):
    ids = _ids(app)
    headers = _jwt(client, user)
    assert client.get(f"/api/v1/{resource}/{ids[inside]}", headers=headers).status_code == 200
    assert client.get(f"/api/v1/{resource}/{ids[outside]}", headers=headers).status_code == 404
    listed = client.get(f"/api/v1/{resource}/?q=(page_size:100)", headers=headers).get_json()
    listed_ids = set(listed["ids"])
    assert ids[inside] in listed_ids
    assert ids[outside] not in listed_ids
    # Writing through the API is not offered at all.
    assert client.delete(f"/api/v1/{resource}/{ids[inside]}", headers=headers).status_code in (404, 405)
    assert client.put(f"/api/v1/{resource}/{ids[inside]}", headers=headers, json={}).status_code in (404, 405)


def test_physician_cannot_read_institution_api(app, client):
    headers = _jwt(client, "physician")
    assert client.get("/api/v1/institution/", headers=headers).status_code == 403


def test_api_never_sends_full_id_numbers(app, client):
    ids = _ids(app)
    headers = _jwt(client, "reviewer")
    body = client.get("/api/v1/physician/?q=(page_size:100)", headers=headers).get_data(as_text=True)
    body += client.get(f"/api/v1/physician/{ids['zhang']}", headers=headers).get_data(as_text=True)
    assert ids["zhang_id"] not in body and ids["zhao_id"] not in body
    assert ids["zhang_id"][:4] + "*" * 10 + ids["zhang_id"][-4:] in body


# --- writes cannot leave the scope ----------------------------------------------------------------


def _count(app, model, *where) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_reviewer_cannot_place_an_institution_outside_the_jurisdiction(app, as_user):
    client = as_user("reviewer_11")
    token = csrf_token(client, "/institutionview/add")
    form = {
        "name": "越权医院", "license_no": "PDY00009031010411A1009", "region_code": "310104", "kind": "综合医院",
        "grade": "一级", "address": "上海", "phone": "021-1234567", "csrf_token": token,
    }
    client.post("/institutionview/add", data=form)
    assert _count(app, Institution, Institution.name == "越权医院") == 0
    # The same form inside the jurisdiction works, so the refusal above is the scope.
    client.post("/institutionview/add", data={**form, "region_code": "110105"})
    assert _count(app, Institution, Institution.name == "越权医院", Institution.region_code == "110105") == 1

    # Moving an institution of 北京 to 上海 by editing it is refused too.
    client.post("/institutionview/edit/1", data={**form, "name": "北京朝阳示范医院", "region_code": "310104"})
    with app.app_context():
        assert db.session.get(Institution, 1).region_code == "110105"


def test_reviewer_cannot_add_departments_or_assessments_outside(app, as_user):
    ids = _ids(app)
    client = as_user("reviewer_11")
    token = csrf_token(client, "/departmentview/add")
    client.post("/departmentview/add", data={"institution": str(ids["inst_gz"]), "name": "越权科", "active": "y", "csrf_token": token})
    assert _count(app, Department, Department.name == "越权科") == 0
    client.post("/departmentview/add", data={"institution": "1", "name": "越权科", "active": "y", "csrf_token": token})
    assert _count(app, Department, Department.name == "越权科", Department.institution_id == 1) == 1

    form = _assessment_form(token, ids["zhao"], note="越权考核")
    form["institution"] = str(ids["inst_gz"])
    client.post("/assessmentview/add", data=form)
    assert _count(app, Assessment, Assessment.note == "越权考核") == 0


def test_reviewer_cannot_open_a_window_for_another_province(app, as_user):
    client = as_user("reviewer_11")
    token = csrf_token(client, "/windowview/add")
    form = {"year": "2030", "province": "310000", "cohort_year": "2030", "opens_on": "2030-10-01",
            "closes_on": "2030-12-31", "note": "越权窗口", "csrf_token": token}
    client.post("/windowview/add", data=form)
    assert _count(app, RegistrationWindow, RegistrationWindow.note == "越权窗口") == 0
    client.post("/windowview/add", data={**form, "province": "110000"})
    assert _count(app, RegistrationWindow, RegistrationWindow.note == "越权窗口", RegistrationWindow.province_code == "110000") == 1


def test_reviewer_cannot_create_an_admin_for_an_institution_outside(app, as_user):
    ids = _ids(app)
    client = as_user("reviewer_11")
    token = csrf_token(client, "/institutionadminview/add")
    form = {"username": "evil_admin", "first_name": "越权", "email": "evil@example.cn", "active": "y",
            "institution": str(ids["inst_gz"]), "password": "Abc@12345", "conf_password": "Abc@12345",
            "csrf_token": token}
    client.post("/institutionadminview/add", data=form)
    assert _count(app, RegistryUser, RegistryUser.username == "evil_admin") == 0
    client.post("/institutionadminview/add", data={**form, "institution": "1"})
    assert _count(app, RegistryUser, RegistryUser.username == "evil_admin", RegistryUser.institution_id == 1) == 1


def test_institution_admin_department_stays_at_own_institution(app, as_user):
    ids = _ids(app)
    client = as_user("inst_admin")
    token = csrf_token(client, "/mydepartmentview/add")
    client.post("/mydepartmentview/add", data={"name": "偷渡科", "active": "y", "institution": str(ids["inst_sh"]), "csrf_token": token})
    assert _count(app, Department, Department.name == "偷渡科", Department.institution_id == 1) == 1
    assert _count(app, Department, Department.name == "偷渡科", Department.institution_id != 1) == 0

    # Editing an own department cannot move it either.
    with app.app_context():
        dep_id = db.session.scalar(select(Department.id).where(Department.name == "偷渡科"))
    client.post(f"/mydepartmentview/edit/{dep_id}", data={"name": "偷渡科", "active": "y", "institution": str(ids["inst_sh"]), "csrf_token": token})
    with app.app_context():
        assert db.session.get(Department, dep_id).institution_id == 1


def _assessment_form(token, physician_id, note):
    return {
        "physician": str(physician_id), "kind": AssessmentKind.PERIODIC.value, "cycle_start": "2030-01-01",
        "cycle_end": "2032-12-31", "result": AssessmentResult.PASSED.value, "assessed_on": "2031-06-01",
        "note": note, "institution": "1", "csrf_token": token,
    }


def test_institution_admin_cannot_assess_another_institutions_physician(app, as_user):
    ids = _ids(app)
    client = as_user("inst_admin")
    token = csrf_token(client, "/myassessmentview/add")
    client.post("/myassessmentview/add", data=_assessment_form(token, ids["zhao"], "越权考核"))
    client.post("/myassessmentview/add", data=_assessment_form(token, ids["liu"], "越权考核"))
    assert _count(app, Assessment, Assessment.note == "越权考核") == 0
    client.post("/myassessmentview/add", data=_assessment_form(token, ids["zhang"], "本院考核"))
    assert _count(app, Assessment, Assessment.note == "本院考核", Assessment.institution_id == 1) == 1


def test_physician_reaches_no_staff_screen_and_sees_only_own_home(app, as_user):
    ids = _ids(app)
    client = as_user("physician")
    for route, key in [("/physicianview", "zhao"), ("/myphysicianview", "zhao"), ("/registrationview", "reg_zhao"),
                       ("/applicationview", "app_zhao"), ("/assessmentview", "ass_zhao")]:
        assert client.get(f"{route}/show/{ids[key]}").status_code == 403
        assert client.get(f"{route}/export/").status_code == 403
    body = client.get("/me/").get_data(as_text=True)
    assert f'<span class="id-number">{ids["zhang_id"]}</span>' in body  # the owner sees the own number in full
    assert ids["zhao_id"] not in body and "赵敏" not in body


# --- masking --------------------------------------------------------------------------------------


def _masked(number: str) -> str:
    return number[:4] + "*" * 10 + number[-4:]


def test_lists_and_institution_pages_mask_id_numbers(app, as_user):
    ids = _ids(app)
    client = as_user("reviewer")
    for url in ["/physicianview/list/", "/qualificationview/list/", "/physicianview/export/"]:
        body = client.get(url).get_data(as_text=True)
        assert _masked(ids["zhang_id"]) in body, url
        assert not FULL_ID.search(body), url

    client.get("/logout/")
    client = as_user("inst_admin")
    for url in ["/myphysicianview/list/", f"/myphysicianview/show/{ids['zhang']}", "/myphysicianview/export/"]:
        body = client.get(url).get_data(as_text=True)
        assert _masked(ids["zhang_id"]) in body, url
        assert ids["zhang_id"] not in body, url
        assert not FULL_ID.search(body), url


def test_commission_detail_shows_the_full_id_number(app, as_user):
    ids = _ids(app)
    client = as_user("reviewer_11")
    assert ids["zhang_id"] in client.get(f"/physicianview/show/{ids['zhang']}").get_data(as_text=True)


def test_masking_pattern():
    assert MASKED_ID.fullmatch(_masked("11010519900312101X"))


# --- fail closed, and the write guards on their own -----------------------------------------------


@pytest.mark.parametrize("code", [None, "", "abc", "99999x", "990000"])
def test_reviewer_without_a_valid_jurisdiction_sees_nothing(app, client, code):
    with app.app_context():
        user = db.session.scalar(select(RegistryUser).where(RegistryUser.username == "reviewer_11"))
        user.jurisdiction_code = code
        db.session.commit()
    headers = _jwt(client, "reviewer_11")
    assert client.get("/api/v1/institution/", headers=headers).get_json()["count"] == 0
    assert client.get("/api/v1/physician/1", headers=headers).status_code == 404


def test_national_reviewer_sees_every_province(app, client):
    ids = _ids(app)
    headers = _jwt(client, "reviewer")
    listed = set(client.get("/api/v1/institution/?q=(page_size:100)", headers=headers).get_json()["ids"])
    assert {ids["inst_bj"], ids["inst_sh"], ids["inst_gz"]} <= listed


def _as(app, username):
    from flask import g

    g.user = db.session.scalar(select(RegistryUser).where(RegistryUser.username == username))
    g.pop("scope", None)


def test_write_guards_refuse_other_scopes(app):
    from app.security import guards

    ids = _ids(app)
    with app.test_request_context():
        _as(app, "reviewer_11")
        with pytest.raises(guards.ScopeViolation):
            guards.guard_institution(Institution(name="x", region_code="310104"))
        guards.guard_institution(Institution(name="x", region_code="110105"))
        with pytest.raises(guards.ScopeViolation):
            guards.guard_department(Department(name="x", institution_id=ids["inst_gz"]))
        guards.guard_department(Department(name="x", institution_id=1))
        with pytest.raises(guards.ScopeViolation):
            guards.guard_window(RegistrationWindow(year=2030, province_code="310000"))
        guards.guard_window(RegistrationWindow(year=2030, province_code="110000"))
        with pytest.raises(guards.ScopeViolation):
            guards.guard_assessment(Assessment(
                physician_id=ids["zhao"], institution=db.session.get(Institution, ids["inst_gz"]),
            ))
        with pytest.raises(guards.ScopeViolation):  # an out-of-scope physician at an in-scope institution
            guards.guard_assessment(Assessment(physician_id=ids["zhao"], institution=db.session.get(Institution, 1)))
        db.session.rollback()

        _as(app, "inst_admin")
        department = Department(name="x", institution_id=ids["inst_gz"])
        guards.guard_department(department)
        assert department.institution_id == 1
        with pytest.raises(guards.ScopeViolation):
            guards.guard_institution(Institution(name="x", region_code="110105"))
        with pytest.raises(guards.ScopeViolation):
            guards.guard_assessment(Assessment(physician_id=ids["zhao"]))
        db.session.rollback()

        _as(app, "physician")
        for guard, item in [
            (guards.guard_institution, Institution(name="x", region_code="110105")),
            (guards.guard_window, RegistrationWindow(year=2030, province_code="110000")),
            (guards.guard_department, Department(name="x", institution_id=1)),
        ]:
            with pytest.raises(guards.ScopeViolation):
                guard(item)
        db.session.rollback()


def test_reviewer_cannot_reach_admin_accounts_of_other_provinces(app, as_user):
    ids = _ids(app)
    sm = app.appbuilder.sm
    with app.app_context():
        other = sm.add_user("gz_admin", "广州管理员", "", "gz@example.cn", sm.find_role("InstitutionAdmin"), password="Abc@12345")
        other.institution_id = ids["inst_gz"]
        db.session.commit()
        other_id = other.id
        own_id = db.session.scalar(select(RegistryUser.id).where(RegistryUser.username == "inst_admin"))
    client = as_user("reviewer_11")
    token = csrf_token(client, TOKEN_PAGE)
    assert client.get(f"/institutionadminview/show/{own_id}").status_code == 200
    assert client.get(f"/institutionadminview/show/{other_id}").status_code == 404
    assert client.get(f"/institutionadminview/edit/{other_id}").status_code == 404
    response = client.post(f"/institutionadminview/edit/{other_id}", data={"institution": "1", "first_name": "x", "csrf_token": token})
    assert response.status_code == 404
    with app.app_context():
        assert db.session.get(RegistryUser, other_id).institution_id == ids["inst_gz"]
    listing = client.get("/institutionadminview/list/").get_data(as_text=True)
    assert "inst_admin" in listing and "gz_admin" not in listing
