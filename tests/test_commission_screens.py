"""Commission screens: writes stay in scope, refused input is kept, booleans can be switched off."""

from __future__ import annotations

from sqlalchemy import func, select

from app.extensions import db
from app.models import Assessment, Institution, Physician, RegistryUser
from tests.conftest import csrf_token


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def test_refused_institution_keeps_the_input_and_saves_nothing(app, as_user):
    client = as_user("reviewer_11")
    before = _count(app, Institution)
    token = csrf_token(client, "/institutionview/add")
    response = client.post(
        "/institutionview/add",
        data={"name": "京城测试医院", "license_no": "PDY00001011010511A1001", "region_code": "110105", "csrf_token": token},
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "京城测试医院" in body  # the form comes back with what was typed
    assert _count(app, Institution) == before


def test_reviewer_cannot_place_an_institution_outside_the_jurisdiction(app, as_user):
    client = as_user("reviewer_11")
    before = _count(app, Institution)
    token = csrf_token(client, "/institutionview/add")
    client.post(
        "/institutionview/add",
        data={"name": "沪上测试医院", "license_no": "PDY00009031010411A1009", "region_code": "310104", "csrf_token": token},
    )
    assert _count(app, Institution) == before


def test_auto_activation_can_be_switched_off(app, as_user):
    client = as_user("reviewer")
    with app.app_context():
        inst = db.session.scalars(select(Institution).where(Institution.auto_activate.is_(True))).first()
        pk, name, licence, region = inst.id, inst.name, inst.license_no, inst.region_code
    token = csrf_token(client, f"/institutionview/edit/{pk}")
    response = client.post(
        f"/institutionview/edit/{pk}",
        data={"name": name, "license_no": licence, "region_code": region, "csrf_token": token},
    )
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Institution, pk).auto_activate is False


def test_reviewer_creates_an_institution_admin_only_in_scope(app, as_user):
    client = as_user("reviewer_11")
    token = csrf_token(client, "/institutionadminview/add")
    common = {"active": "y", "password": "Abcdef12!", "conf_password": "Abcdef12!", "csrf_token": token}
    ok = client.post(
        "/institutionadminview/add",
        data={"username": "hd_admin", "first_name": "海淀管理员", "email": "hd@example.cn", "institution": "2", **common},
    )
    assert ok.status_code == 302
    client.post(
        "/institutionadminview/add",
        data={"username": "sh_admin", "first_name": "上海管理员", "email": "sh@example.cn", "institution": "4", **common},
    )
    with app.app_context():
        created = db.session.scalars(select(RegistryUser).where(RegistryUser.username == "hd_admin")).one()
        assert [role.name for role in created.roles] == ["InstitutionAdmin"]
        assert created.institution_id == 2
        assert created.password.startswith(("pbkdf2:", "scrypt:"))
        assert db.session.scalars(select(RegistryUser).where(RegistryUser.username == "sh_admin")).first() is None


def test_assessment_is_recorded_by_id_number_in_scope_only(app, as_user):
    client = as_user("reviewer_11")
    with app.app_context():
        beijing = db.session.scalars(select(Physician).where(Physician.region_code.like("11%"))).first().id_number
        guangzhou = db.session.scalars(select(Physician).where(Physician.region_code.like("44%"))).first().id_number
    before = _count(app, Assessment)
    form = {
        "kind": "periodic", "cycle_start": "2023-01-01", "cycle_end": "2025-12-31",
        "result": "passed", "assessed_on": "2026-01-10", "institution": "1",
    }
    token = csrf_token(client, "/assessmentview/add")
    refused = client.post("/assessmentview/add", data={**form, "physician_id_number": guangzhou, "csrf_token": token})
    assert refused.status_code == 200 and guangzhou in refused.get_data(as_text=True)
    assert _count(app, Assessment) == before
    accepted = client.post(
        "/assessmentview/add", data={**form, "physician_id_number": beijing.lower(), "csrf_token": token}
    )
    assert accepted.status_code == 302
    assert _count(app, Assessment) == before + 1
