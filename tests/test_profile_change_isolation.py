"""Row-level isolation of 信息变更 requests: every page, download, action, bulk action and API call.

For each role, a request inside its scope answers 200 and one outside answers 404 (and is absent
from the lists), and no action reaches it, so every assertion fails if the scope is removed.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.domain.enums import AccountStatus
from app.extensions import db
from app.models import Physician, ProfileChange
from app.workflow.profile_changes import request_change
from tests.conftest import PASSWORD, csrf_token
from tests.documents.conftest import picture
from tests.workflow.conftest import actor

TOKEN_PAGE = "/resetmypassword/form"
API = "/api/v1/profile-changes"

# role prefix -> (pages that read one request, the action form, the API action)
READS = {
    "InstitutionAdmin": ["/institution/profile-changes/{id}", "/institution/profile-changes/{id}/photo/new"],
    "CommissionReviewer": ["/commission/profile-changes/{id}", "/commission/profile-changes/{id}/photo/new"],
    "Physician": ["/me/profile-changes/{id}/photo/new"],
}
LISTS = {"InstitutionAdmin": "/institution/profile-changes/?status=all",
         "CommissionReviewer": "/commission/profile-changes/", "Physician": "/me/profile-changes/"}

# user, role, the physician whose request is inside the scope, the one whose request is outside
CASES = [
    ("inst_admin", "InstitutionAdmin", "张明", "赵敏"),
    ("inst_admin_haidian", "InstitutionAdmin", "刘洋", "张明"),  # same city, another institution
    ("inst_admin_tianhe", "InstitutionAdmin", "赵敏", "张明"),
    ("reviewer_11", "CommissionReviewer", "张明", "赵敏"),
    ("physician", "Physician", "张明", "赵敏"),
    ("zhao_min", "Physician", "赵敏", "张明"),
]


@pytest.fixture
def app(make_app, tmp_path):
    """The demo with a photo request of 张明 (朝阳), 赵敏 (广州天河) and 刘洋 (海淀)."""
    application = make_app(UPLOAD_DIR=str(tmp_path / "uploads"))
    with application.app_context():
        liu = db.session.scalar(select(Physician).where(Physician.name == "刘洋"))
        liu.status = AccountStatus.ACTIVE
        db.session.commit()
        for login in ("physician", "zhao_min", "liu_yang"):
            request_change(actor(login), {"title": "主治医师"}, photo=picture())
    return application


def _change(app, name: str) -> int:
    with app.app_context():
        return db.session.scalar(select(ProfileChange.id).join(Physician).where(Physician.name == name))


def _status(app, change_id: int) -> str:
    with app.app_context():
        return db.session.get(ProfileChange, change_id).status


def _jwt(client, username: str) -> dict:
    response = client.post("/api/v1/security/login",
                           json={"username": username, "password": PASSWORD, "provider": "db"})
    return {"Authorization": f"Bearer {response.get_json()['access_token']}"}


@pytest.mark.parametrize(("user", "role", "inside", "outside"), CASES, ids=[f"{c[0]}-{c[3]}" for c in CASES])
def test_a_request_outside_the_scope_is_unreachable(app, as_user, user, role, inside, outside):
    inside_id, outside_id = _change(app, inside), _change(app, outside)
    client = as_user(user)
    for template in READS[role]:
        assert client.get(template.format(id=inside_id)).status_code == 200, template
        assert client.get(template.format(id=outside_id)).status_code == 404, template
    listing = client.get(LISTS[role]).get_data(as_text=True)
    assert inside in listing and outside not in listing

    token = csrf_token(client, TOKEN_PAGE)
    if role == "InstitutionAdmin":
        client.post("/institution/profile-changes/act",
                    data={"csrf_token": token, "action": "return", "ids": [outside_id], "reason": "越权"})
    elif role == "Physician":
        assert client.post(f"/me/profile-changes/{outside_id}/withdraw", data={"csrf_token": token}).status_code == 404
    assert _status(app, outside_id) == "pending"

    headers = _jwt(client, user)
    for url in (f"{API}/{outside_id}", f"{API}/{outside_id}/photo/new"):
        assert client.get(url, headers=headers).status_code == 404, url
    assert client.get(f"{API}/{inside_id}/photo/new", headers=headers).status_code == 200
    ids = [row["id"] for row in client.get(f"{API}/?page_size=100", headers=headers).get_json()["result"]]
    assert inside_id in ids and outside_id not in ids
    action = {"InstitutionAdmin": "confirm", "Physician": "withdraw"}.get(role)
    if action:
        response = client.post(f"{API}/{outside_id}/actions/{action}", headers=headers)
        assert response.status_code == 404 and response.get_json()["code"] == "profile_change_not_found"
        bulk = client.post(f"{API}/actions/{action}", json={"ids": [outside_id]}, headers=headers).get_json()
        assert bulk["done"] == [] and list(bulk["refused"]) == [str(outside_id)]
    assert _status(app, outside_id) == "pending"


def test_staff_have_no_physician_page_and_physicians_no_queue(app, as_user, client):
    as_user("inst_admin")
    assert client.get("/me/profile-changes/").status_code == 403
    client.get("/logout/")
    as_user("physician")
    assert client.get("/institution/profile-changes/").status_code == 403
    assert client.get("/commission/profile-changes/").status_code == 403
