"""Staff forms accept only good input, say why in Chinese beside the field and keep what was typed (issue 6 item 5)."""

from __future__ import annotations

import re

from flask_appbuilder import ModelView
from sqlalchemy import func, select
from werkzeug.security import check_password_hash

from app.extensions import db
from app.models import Department, Institution, Physician, RegistryUser
from tests.conftest import csrf_token
from tests.test_return_after_save import _form_data

LICENCE_MESSAGE = "请输入22位执业许可证登记号"
PHONE_MESSAGE = "请输入由数字组成的电话号码"
SHOWN_NONE = re.compile(r"(>|\\u003e)__None(<|\\u003c)")


def _count(app, model, *where) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _institution(app, name_prefix: str) -> Institution:
    with app.app_context():
        row = db.session.scalars(select(Institution).where(Institution.name.like(name_prefix + "%"))).one()
        db.session.expunge(row)
        return row


def _field_error(body: str, message: str) -> bool:
    """Tell whether ``message`` is shown inside the form (beside its field), not only as a flash."""
    form = re.search(r'(?s)<form id="model_form".*?</form>', body)
    return bool(form) and message in form.group(0)


def test_licence_number_must_have_22_characters_on_add(app, as_user):
    client = as_user("reviewer_11")
    before = _count(app, Institution)
    data = {"name": "京城测试医院", "license_no": "ABC", "region_code": "110105", "phone": "010-65551234"}
    response = client.post("/institutionview/add", data={**data, "csrf_token": csrf_token(client, "/institutionview/add")})
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert _field_error(body, LICENCE_MESSAGE)
    assert 'value="ABC"' in body and "京城测试医院" in body  # nothing typed is lost
    assert _count(app, Institution) == before
    data["license_no"] = "PDY00009011010511A1009"
    response = client.post("/institutionview/add", data={**data, "csrf_token": csrf_token(client, "/institutionview/add")})
    assert response.status_code == 302
    assert _count(app, Institution) == before + 1


def test_licence_number_and_phone_are_checked_on_edit(app, as_user):
    client = as_user("reviewer_11")
    inst = _institution(app, "北京朝阳")
    url = f"/institutionview/edit/{inst.id}"
    data = _form_data(client.get(url).get_data(as_text=True))
    for field, value, message in (("license_no", "ABC", LICENCE_MESSAGE), ("phone", "abc", PHONE_MESSAGE)):
        response = client.post(url, data={**data, field: value})
        assert response.status_code == 200, field
        assert _field_error(response.get_data(as_text=True), message), field
        assert response.get_data(as_text=True).count(message) == 1, field  # said once, beside the field
    with app.app_context():
        saved = db.session.get(Institution, inst.id)
        assert (saved.license_no, saved.phone) == (inst.license_no, inst.phone)


def test_institution_admin_checks_the_contact_phone(app, as_user):
    client = as_user("inst_admin")
    inst = _institution(app, "北京朝阳")
    url = f"/myinstitutionview/edit/{inst.id}"
    data = _form_data(client.get(url).get_data(as_text=True))
    refused = client.post(url, data={**data, "phone": "abc"})
    assert refused.status_code == 200 and _field_error(refused.get_data(as_text=True), PHONE_MESSAGE)
    assert client.post(url, data={**data, "phone": "010-6555 1234"}).status_code == 302
    with app.app_context():
        assert db.session.get(Institution, inst.id).phone == "010-6555 1234"


def _admin_form(client, **values) -> dict:
    token = csrf_token(client, "/institutionadminview/add")
    base = {"username": "new_admin", "first_name": "新管理员", "email": "new@example.cn", "active": "y",
            "password": "Abcdef12!", "conf_password": "Abcdef12!", "csrf_token": token}
    return {**base, **values}


def test_institution_admin_needs_an_institution_and_never_a_military_one(app, as_user):
    client = as_user("reviewer_11")
    form = client.get("/institutionadminview/add").get_data(as_text=True)
    options = re.search(r'(?s)<select[^>]*name="institution".*?</select>', form).group(0)
    military = _institution(app, "解放军")
    assert military.name not in options and "北京朝阳示范医院" in options
    assert not SHOWN_NONE.search(form) and "请选择" in options
    no_institution = client.post("/institutionadminview/add", data=_admin_form(client, institution="__None"))
    body = no_institution.get_data(as_text=True)
    assert no_institution.status_code == 200 and _field_error(body, "请选择该账户管理的医疗机构")
    assert "新管理员" in body and "new@example.cn" in body
    forged = client.post("/institutionadminview/add", data=_admin_form(client, institution=str(military.id)))
    assert forged.status_code == 200
    assert _count(app, RegistryUser, RegistryUser.username == "new_admin") == 0


def test_new_accounts_and_departments_start_enabled(as_user):
    client = as_user("admin")
    for url in ("/institutionadminview/add", "/departmentview/add", "/users/add", "/scopeview/add"):
        checkbox = re.search(r'<input[^>]*id="active"[^>]*>', client.get(url).get_data(as_text=True))
        assert checkbox and "checked" in checkbox.group(0), url
    client.get("/logout/")


def test_institution_admin_department_starts_enabled(as_user):
    client = as_user("inst_admin")
    checkbox = re.search(r'<input[^>]*id="active"[^>]*>', client.get("/mydepartmentview/add").get_data(as_text=True))
    assert checkbox and "checked" in checkbox.group(0)


def test_admin_edits_a_user_with_one_name_field(app, as_user):
    client = as_user("admin")
    with app.app_context():
        pk = db.session.scalars(select(RegistryUser.id).where(RegistryUser.username == "reviewer_11")).one()
    url = f"/users/edit/{pk}"
    form = client.get(url).get_data(as_text=True)
    assert 'name="last_name"' not in form and 'name="first_name"' in form and "姓名" in form
    data = _form_data(form)
    response = client.post(url, data={**data, "first_name": "北京审核员甲"})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(RegistryUser, pk).first_name == "北京审核员甲"


def test_admin_adds_a_user_whose_password_is_hashed(app, as_user):
    client = as_user("admin")
    form = client.get("/users/add").get_data(as_text=True)
    data = _form_data(form)
    role = re.search(r'<option value="(\d+)">机构管理员</option>', form).group(1)
    data.update({"first_name": "新机构管理员", "username": "inst_new", "email": "inst_new@example.cn",
                 "roles": [role], "institution": "1", "password": "Abcdef12!", "conf_password": "Abcdef12!"})
    response = client.post("/users/add", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[-3000:]
    with app.app_context():
        user = db.session.scalars(select(RegistryUser).where(RegistryUser.username == "inst_new")).one()
        assert user.password != "Abcdef12!" and check_password_hash(user.password, "Abcdef12!")
        assert user.active and user.last_name == ""


def test_no_blank_choice_shows_none_on_any_form(app, as_user):
    client = as_user("admin")
    for view in app.appbuilder.baseviews:
        if not isinstance(view, ModelView):
            continue
        urls = [f"{view.route_base}/add"] if "can_add" in view.base_permissions else []
        list_page = client.get(f"{view.route_base}/list/").get_data(as_text=True)
        urls += [f"{view.route_base}/edit/{pk}" for pk in re.findall(rf'href="{re.escape(view.route_base)}/edit/(\d+)', list_page)[:1]]
        for url in urls + [f"{view.route_base}/list/"]:
            body = client.get(url).get_data(as_text=True)
            assert not SHOWN_NONE.search(body), url


def test_institution_admin_assigns_a_department_of_its_own(app, as_user):
    client = as_user("inst_admin")
    with app.app_context():
        physician = db.session.scalars(select(Physician).where(Physician.name == "张明")).one()
        own = db.session.scalars(select(Department).where(Department.institution_id == physician.institution_id)).all()
        other = db.session.scalars(select(Department).where(Department.institution_id != physician.institution_id)).first()
        pk, own_ids, other_id = physician.id, {str(d.id) for d in own}, str(other.id)
    url = f"/myphysicianview/edit/{pk}"
    form = client.get(url).get_data(as_text=True)
    offered = set(re.findall(r'<option value="(\d+)"', form))
    assert offered and offered <= own_ids
    data = _form_data(form)
    chosen = sorted(offered)[0]
    assert client.post(url, data={**data, "department": chosen}).status_code == 302
    refused = client.post(url, data={**data, "department": other_id})
    assert refused.status_code == 200
    with app.app_context():
        assert str(db.session.get(Physician, pk).department_id) == chosen
    listed = client.get("/myphysicianview/list/").get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Department, int(chosen)).name in listed
