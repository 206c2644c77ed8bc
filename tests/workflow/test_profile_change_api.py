"""信息变更 JSON API: the mobile journey, the institution's decisions, scope and the one error shape."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Message, Physician
from tests.documents.conftest import picture

from .test_api import refused, token

BASE = "/api/v1/profile-changes"


@pytest.fixture
def app(make_app, tmp_path):
    """An application whose photo uploads go to this test's own folder."""
    return make_app(UPLOAD_DIR=str(tmp_path / "uploads"))


def _title(app, name: str) -> str:
    with app.app_context():
        return db.session.scalar(select(Physician.title).where(Physician.name == name))


def test_mobile_journey_request_confirm_and_history(app, client):
    physician = token(client, "physician")
    form = client.get(f"{BASE}/form", headers=physician).get_json()
    assert form["current"]["title"] == "住院医师" and form["pending"] is None and "本科" in form["education_levels"]
    surgery = next(d["id"] for d in form["departments"] if d["name"] == "外科")
    created = client.post(f"{BASE}/", json={"title": "主治医师", "department_id": surgery, "school": ""},
                          headers=physician)
    assert created.status_code == 201, created.get_json()
    change = created.get_json()
    assert change["status"] == "pending" and change["status_label"] == "待机构确认" and change["actions"] == ["withdraw"]
    assert {(i["field"], i["old"], i["new"]) for i in change["items"]} == {
        ("title", "住院医师", "主治医师"), ("department_id", None, "外科")}
    refused(client.post(f"{BASE}/", json={"school": "北京大学医学部"}, headers=physician), 409, "profile_change_pending")
    assert client.get(f"{BASE}/form", headers=physician).get_json()["pending"]["id"] == change["id"]

    institution = token(client, "inst_admin")
    queue = client.get(f"{BASE}/?status=pending", headers=institution).get_json()
    assert {row["physician_name"] for row in queue["result"]} == {"张明", "马骏"}
    assert all(row["actions"] == ["confirm", "return"] for row in queue["result"])
    done = client.post(f"{BASE}/{change['id']}/actions/confirm", headers=institution).get_json()
    assert done["status"] == "confirmed" and done["actions"] == []
    assert _title(app, "张明") == "主治医师"
    refused(client.post(f"{BASE}/{change['id']}/actions/return", json={"reason": "x"}, headers=institution),
            409, "profile_change_already_handled")
    mine = client.get(f"{BASE}/", headers=physician).get_json()
    assert mine["count"] == 1 and mine["result"][0]["status_label"] == "已确认生效"
    with app.app_context():
        assert db.session.scalar(select(Message.id).where(Message.template == "profile_change_decided"))


def test_photo_by_multipart_then_return_with_reason(app, client):
    physician = token(client, "physician")
    created = client.post(f"{BASE}/", data={"photo": (io.BytesIO(picture()), "photo.jpg")},
                          content_type="multipart/form-data", headers=physician)
    assert created.status_code == 201, created.get_json()
    change = created.get_json()
    [item] = change["items"]
    assert item["field"] == "photo" and item["old"] is None and item["new"] == f"{BASE}/{change['id']}/photo/new"
    photo = client.get(item["new"], headers=physician)
    assert photo.status_code == 200 and photo.mimetype == "image/jpeg"
    institution = token(client, "inst_admin")
    assert client.get(item["new"], headers=institution).status_code == 200
    refused(client.get(item["new"], headers=token(client, "inst_admin_haidian")), 404, "profile_change_not_found")
    refused(client.post(f"{BASE}/{change['id']}/actions/return", json={"reason": " "}, headers=institution),
            400, "reason_required")
    returned = client.post(f"{BASE}/{change['id']}/actions/return", json={"reason": "照片背景不是白色。"},
                           headers=institution).get_json()
    assert returned["status"] == "returned" and returned["reason"] == "照片背景不是白色。"
    bad = client.post(f"{BASE}/", data={"photo": (io.BytesIO(b"GIF89a"), "x.gif")},
                      content_type="multipart/form-data", headers=physician)
    assert "JPEG" in refused(bad, 400, "photo_not_image")["message"]


def test_bulk_and_withdraw(app, client):
    physician = token(client, "physician")
    mine = client.post(f"{BASE}/", json={"education": "硕士研究生"}, headers=physician).get_json()
    institution = token(client, "inst_admin")
    ids = [row["id"] for row in client.get(f"{BASE}/?status=pending", headers=institution).get_json()["result"]]
    result = client.post(f"{BASE}/actions/return", json={"ids": ids + [999999], "reason": "请补充证明材料。"},
                         headers=institution).get_json()
    assert sorted(result["done"]) == sorted(ids) and list(result["refused"]) == ["999999"]
    refused(client.post(f"{BASE}/{mine['id']}/actions/withdraw", headers=physician), 409,
            "profile_change_already_handled")
    again = client.post(f"{BASE}/", json={"education": "硕士研究生"}, headers=physician).get_json()
    withdrawn = client.post(f"{BASE}/{again['id']}/actions/withdraw", headers=physician).get_json()
    assert withdrawn["status_label"] == "已撤回"


def test_scope_roles_and_refusals(app, client):
    institution = token(client, "inst_admin")
    ma_jun = client.get(f"{BASE}/", headers=institution).get_json()["result"][0]["id"]
    for user in ("inst_admin_xuhui", "physician"):
        headers = token(client, user)
        refused(client.get(f"{BASE}/{ma_jun}", headers=headers), 404, "profile_change_not_found")
        assert ma_jun not in [r["id"] for r in client.get(f"{BASE}/", headers=headers).get_json()["result"]]
    refused(client.post(f"{BASE}/{ma_jun}/actions/confirm", headers=token(client, "inst_admin_xuhui")), 404,
            "profile_change_not_found")
    reviewer = token(client, "reviewer_11")
    assert client.get(f"{BASE}/{ma_jun}", headers=reviewer).status_code == 200
    assert client.post(f"{BASE}/{ma_jun}/actions/confirm", headers=reviewer).status_code == 403
    assert client.get(f"{BASE}/{ma_jun}", headers=token(client, "inst_admin_tianhe")).status_code == 404
    refused(client.post(f"{BASE}/", json={"title": "主任医师"}, headers=institution), 403, "profile_action_not_allowed")
    refused(client.post(f"{BASE}/{ma_jun}/actions/explode", headers=institution), 400, "unknown_action")
    physician = token(client, "physician")
    refused(client.post(f"{BASE}/", json={"department_id": 999999}, headers=physician), 400,
            "profile_department_unknown")
    refused(client.post(f"{BASE}/", json={"school": ["x"]}, headers=physician), 400, "profile_value_invalid")
    refused(client.post(f"{BASE}/", json=[], headers=physician), 400, "invalid_request")


@pytest.mark.parametrize("query", ["page=0", "page=abc", "page_size=1000", "status=nonsense"])
def test_bad_arguments_are_400(client, query):
    refused(client.get(f"{BASE}/?{query}", headers=token(client, "inst_admin")), 400, "invalid_request")


@pytest.mark.parametrize("body", [None, {"ids": []}, {"ids": [0]}, {"ids": [2**40]}, {"ids": [True]},
                                  {"ids": [1], "reason": 5}])
def test_bad_bulk_bodies_are_400(client, body):
    refused(client.post(f"{BASE}/actions/confirm", json=body, headers=token(client, "inst_admin")), 400,
            "invalid_request")


def test_documented_in_openapi(client):
    paths = client.get("/api/v1/_openapi").get_json()["paths"]
    for path in (f"{BASE}/", f"{BASE}/form", f"{BASE}/{{change_id}}",
                 f"{BASE}/{{change_id}}/actions/{{action}}", f"{BASE}/actions/{{action}}",
                 f"{BASE}/{{change_id}}/photo/{{which}}"):
        assert path in paths, sorted(paths)


def test_anonymous_gets_401(client):
    assert client.get(f"{BASE}/").status_code == 401
    assert client.post(f"{BASE}/", json={}).status_code == 401
