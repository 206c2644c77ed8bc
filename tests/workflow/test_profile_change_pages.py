"""信息变更 pages: the physician's form and history, the institution's queue, the commission's list."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from app.domain.enums import ProfileChangeStatus as PC
from app.extensions import db
from app.models import Department, Physician, ProfileChange
from tests.conftest import csrf_token
from tests.documents.conftest import picture

FORM = "/me/profile-changes/"
QUEUE = "/institution/profile-changes/"
TOKEN_PAGE = "/resetmypassword/form"  # a page with a CSRF token for every role


@pytest.fixture
def app(make_app, tmp_path):
    """An application whose photo uploads go to this test's own folder."""
    return make_app(UPLOAD_DIR=str(tmp_path / "uploads"))


def _physician(app, name: str) -> dict:
    with app.app_context():
        p = db.session.scalar(select(Physician).where(Physician.name == name))
        return {k: getattr(p, k) for k in ("id", "education", "school", "title", "department_id", "photo")}


def _changes(app, name: str) -> list[tuple[int, str, str | None]]:
    with app.app_context():
        return db.session.execute(select(ProfileChange.id, ProfileChange.status, ProfileChange.reason)
                                  .join(Physician).where(Physician.name == name).order_by(ProfileChange.id)).all()


def _department(app, name: str, institution_id: int = 1) -> int:
    with app.app_context():
        return db.session.scalar(select(Department.id).where(
            Department.name == name, Department.institution_id == institution_id))


def test_physician_requests_a_change_and_sees_it_pending_then_withdraws(app, as_user):
    client = as_user("physician")
    assert f'href="{FORM}"' in client.get("/me/").get_data(as_text=True)
    page = client.get(FORM).get_data(as_text=True)
    # prefilled with the current values, only the institution's departments offered
    assert 'value="首都医科大学"' in page and 'value="住院医师"' in page and '<option value="本科" selected>' in page
    assert "内科" in page and "预防保健科" in page
    token = csrf_token(client, FORM)
    form = {"csrf_token": token, "education": "本科", "school": "首都医科大学", "title": "主治医师",
            "department_id": str(_department(app, "外科"))}
    response = client.post(FORM, data=form)
    assert response.status_code == 302 and response.headers["Location"].endswith(FORM)
    page = client.get(FORM).get_data(as_text=True)
    assert "变更申请已提交北京朝阳示范医院" in page and "待机构确认" in page
    assert "住院医师" in page and "主治医师" in page and "外科" in page and 'id="change-form"' not in page
    assert "正在等待本机构确认" in client.get("/me/").get_data(as_text=True)
    assert _physician(app, "张明")["title"] == "住院医师"
    [(change_id, status, _reason)] = _changes(app, "张明")
    assert status == PC.PENDING
    client.post(f"{FORM}{change_id}/withdraw", data={"csrf_token": token})
    assert _changes(app, "张明")[0][1] == PC.WITHDRAWN
    page = client.get(FORM).get_data(as_text=True)
    assert "已撤回" in page and 'id="change-form"' in page  # history kept, the form is back


def test_a_refused_form_keeps_the_answers_and_says_what_to_do(app, as_user):
    client = as_user("physician")
    token = csrf_token(client, FORM)
    other = _department(app, "内科", institution_id=2)
    response = client.post(FORM, data={"csrf_token": token, "school": "新的学校", "department_id": str(other)})
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "错误：信息变更" in body and "请修正以下问题" in body
    assert "该科室不存在或已停用" in body or "属于其他机构" in body
    assert 'value="新的学校"' in body
    assert 'href="#department_id"' in body and 'id="department_id-error"' in body  # summary links to the field
    response = client.post(FORM, data={"csrf_token": token, "title": "主" * 40})
    assert 'id="title-error"' in response.get_data(as_text=True) and "职称最多32个字" in response.get_data(as_text=True)
    response = client.post(FORM, data={"csrf_token": token, "photo": (io.BytesIO(b"not a picture"), "me.jpg")},
                           content_type="multipart/form-data")
    assert "JPEG" in response.get_data(as_text=True)
    assert _changes(app, "张明") == []


def test_photo_request_is_shown_to_the_physician_and_the_institution_only(app, as_user, client):
    physician = as_user("physician")
    token = csrf_token(physician, FORM)
    physician.post(FORM, data={"csrf_token": token, "photo": (io.BytesIO(picture()), "证件照.png")},
                   content_type="multipart/form-data")
    [(change_id, _status, _reason)] = _changes(app, "张明")
    own = physician.get(f"{FORM}{change_id}/photo/new")
    assert own.status_code == 200 and own.data.startswith(b"\xff\xd8") and "no-store" in own.headers["Cache-Control"]
    assert physician.get(f"{FORM}{change_id}/photo/old").status_code == 404  # no photo before
    assert physician.get(f"{FORM}{change_id}/photo/other").status_code == 404
    physician.get("/logout/")
    institution = as_user("inst_admin")
    detail = institution.get(f"{QUEUE}{change_id}").get_data(as_text=True)
    assert "张明" in detail and f"{QUEUE}{change_id}/photo/new" in detail
    assert institution.get(f"{QUEUE}{change_id}/photo/new").status_code == 200
    institution.post(f"{QUEUE}act", data={"csrf_token": csrf_token(institution, QUEUE), "action": "confirm",
                                          "ids": [change_id]})
    institution.get("/logout/")
    physician = as_user("physician")
    assert physician.get("/me/photo").data.startswith(b"\xff\xd8")  # the confirmed photo is now the profile's
    physician.get("/logout/")
    for outsider, url in [("inst_admin_haidian", f"{QUEUE}{change_id}/photo/new"),
                          ("zhou_min", f"{FORM}{change_id}/photo/new")]:
        as_user(outsider)
        assert client.get(url).status_code == 404, (outsider, url)
        client.get("/logout/")


def test_institution_confirms_and_returns_from_its_queue(app, as_user):
    client = as_user("inst_admin")
    page = client.get(QUEUE).get_data(as_text=True)
    assert "马骏" in page and "住院医师" in page and "主治医师" in page and "内科" in page  # the demo request
    [(ma_jun, _status, _reason)] = _changes(app, "马骏")
    detail = client.get(f"{QUEUE}{ma_jun}").get_data(as_text=True)
    assert "原信息" in detail and "申请变更为" in detail and "确认" in detail and "退回" in detail
    token = csrf_token(client, QUEUE)
    # return needs a reason: nothing changes without one, and we come back to the same filtered page
    response = client.post(f"{QUEUE}act", data={"csrf_token": token, "action": "return", "ids": [ma_jun],
                                                "reason": "", "next": f"{QUEUE}?q=%E9%A9%AC"})
    assert response.headers["Location"].endswith(f"{QUEUE}?q=%E9%A9%AC")
    assert _changes(app, "马骏")[0][1] == PC.PENDING
    client.post(f"{QUEUE}act", data={"csrf_token": token, "action": "return", "ids": [ma_jun],
                                     "reason": "请先提交主治医师资格证书复印件。"})
    assert _changes(app, "马骏")[0][1:] == (PC.RETURNED, "请先提交主治医师资格证书复印件。")
    assert _physician(app, "马骏")["title"] == "住院医师"
    assert "目前没有待办理的信息变更申请" in client.get(QUEUE).get_data(as_text=True)
    history = client.get(f"{QUEUE}?status=all").get_data(as_text=True)
    assert "机构退回" in history and "请先提交主治医师资格证书复印件。" in history


def test_bulk_confirm_applies_every_request(app, as_user, client):
    for login, title in [("physician", "主治医师"), ("zhou_min", "医师")]:
        as_user(login)
        client.post(FORM, data={"csrf_token": csrf_token(client, FORM), "title": title})
        client.get("/logout/")
    as_user("inst_admin")
    ids = [row[0] for name in ("张明", "周敏", "马骏") for row in _changes(app, name)]
    response = client.post(f"{QUEUE}act", data={"csrf_token": csrf_token(client, QUEUE), "action": "confirm",
                                                 "ids": ids}, follow_redirects=True)
    assert "确认：已办理3件变更申请" in response.get_data(as_text=True)
    assert _physician(app, "张明")["title"] == "主治医师" and _physician(app, "周敏")["title"] == "医师"
    assert _physician(app, "马骏")["department_id"] == _department(app, "内科")


def test_other_institutions_and_the_commission(app, as_user, client):
    [(ma_jun, _status, _reason)] = _changes(app, "马骏")
    as_user("inst_admin_xuhui")
    assert client.get(f"{QUEUE}{ma_jun}").status_code == 404
    assert "马骏" not in client.get(f"{QUEUE}?status=all").get_data(as_text=True)
    client.post(f"{QUEUE}act", data={"csrf_token": csrf_token(client, TOKEN_PAGE), "action": "confirm", "ids": [ma_jun]})
    assert _changes(app, "马骏")[0][1] == PC.PENDING
    client.get("/logout/")
    as_user("reviewer_11")
    listing = client.get("/commission/profile-changes/").get_data(as_text=True)
    assert "马骏" in listing and 'name="action"' not in listing and 'name="ids"' not in listing  # read-only
    assert client.get(f"/commission/profile-changes/{ma_jun}").status_code == 200
    assert client.post(f"{QUEUE}act", data={"csrf_token": csrf_token(client, TOKEN_PAGE),
                                            "action": "confirm", "ids": [ma_jun]}).status_code == 403
    client.get("/logout/")
    as_user("physician")
    assert client.get(f"/commission/profile-changes/{ma_jun}").status_code == 403
    assert client.get(f"{FORM}{ma_jun}/photo/new").status_code == 404
    assert client.post(f"{FORM}{ma_jun}/withdraw", data={"csrf_token": csrf_token(client, FORM)}).status_code == 404
    assert _changes(app, "马骏")[0][1] == PC.PENDING


@pytest.mark.parametrize("url", [f"{QUEUE}99999999999", f"{QUEUE}0", f"{QUEUE}?page=abc", f"{QUEUE}?status=x&q=" + "x" * 200])
def test_odd_addresses_never_fail(as_user, url):
    status = as_user("inst_admin").get(url).status_code
    assert status in (200, 404)


def test_queue_statement_count_does_not_depend_on_rows(app, as_user):
    from sqlalchemy import insert

    from tests.test_query_counts import add_physicians, statements_for

    client = as_user("inst_admin")
    before = statements_for(app, client, QUEUE)
    add_physicians(app, 30)
    with app.app_context():
        ids = db.session.scalars(select(Physician.id).where(Physician.name.like("测试%"))).all()
        department = _department(app, "儿科")
        db.session.execute(insert(ProfileChange), [
            {"physician_id": pid, "institution_id": 1, "region_code": "110105", "status": "pending", "version": 1,
             "requested": {"title": "主治医师", "department_id": department}, "previous": {"title": None}}
            for pid in ids])
        db.session.commit()
    after = statements_for(app, client, QUEUE)
    body = client.get(QUEUE).get_data(as_text=True)
    assert body.count('name="ids"') == 25 and "儿科" in body
    assert len(after) == len(before) <= 5, after
