"""The application JSON API: the same journey and refusals as the pages, in the one error shape."""

import io

import pytest

from app.documents.samples import sample_photo_png

from ..conftest import PASSWORD


def token(client, username: str) -> dict:
    response = client.post("/api/v1/security/login",
                           json={"username": username, "password": PASSWORD, "provider": "db"})
    assert response.status_code == 200, response.get_json()
    return {"Authorization": f"Bearer {response.get_json()['access_token']}"}


def refused(response, status: int, code: str) -> dict:
    body = response.get_json()
    assert response.status_code == status, body
    assert body["code"] == code and body["message"] and "params" in body, body
    return body


def test_journey_through_the_api(client):
    physician = token(client, "huang_lei")
    mine = client.get("/api/v1/applications/", headers=physician).get_json()
    draft = mine["result"][0]
    assert draft["status"] == "draft" and draft["status_label"] == "草稿" and "submit" in draft["actions"]
    base = f"/api/v1/applications/{draft['id']}"
    body = refused(client.post(f"{base}/steps/location", json={"data": {"location_code": "110105"}}, headers=physician),
                   400, "location_wrong_level")
    assert "省级" in body["message"]
    refused(client.post(f"{base}/actions/submit", headers=physician), 400, "photo_required")
    photo = client.post(f"{base}/photo", data={"file": (io.BytesIO(sample_photo_png()), "me.png")}, headers=physician,
                        content_type="multipart/form-data")
    assert photo.status_code == 200 and photo.get_json()["data"]["photo"], photo.get_json()
    for step, data in [("location", {"location_code": "110000"}), ("institution", {"institution_id": 1}),
                       ("scopes", {"scope_codes": ["CLN01"]}), ("training", {"residency_training": True})]:
        response = client.post(f"{base}/steps/{step}", json={"data": data}, headers=physician)
        assert response.status_code == 200, response.get_json()
    submitted = client.post(f"{base}/actions/submit", headers=physician).get_json()
    assert submitted["status"] == "submitted" and submitted["holder"] == "InstitutionAdmin"
    assert [e["action"] for e in submitted["timeline"]] == ["create", "submit"]

    institution = token(client, "inst_admin")
    refused(client.post(f"{base}/actions/return", json={"reason": ""}, headers=institution), 400, "reason_required")
    result = client.post("/api/v1/applications/actions/confirm", json={"ids": [draft["id"], 999999]},
                         headers=institution).get_json()
    assert result["done"] == [draft["number"]] and list(result["refused"]) == ["999999"]

    reviewer = token(client, "reviewer_11")
    approved = client.post(f"{base}/actions/approve", headers=reviewer).get_json()
    assert approved["status"] == "approved"
    refused(client.post(f"{base}/actions/refuse", json={"reason": "x"}, headers=reviewer), 409, "already_handled")
    # the physician sees the whole timeline
    timeline = client.get(base, headers=physician).get_json()["timeline"]
    assert [e["to_label"] for e in timeline][-2:] == ["已受理", "准予注册"]


def test_scope_and_roles(client):
    other = token(client, "physician")
    mine = client.get("/api/v1/applications/", headers=token(client, "huang_lei")).get_json()["result"][0]
    refused(client.get(f"/api/v1/applications/{mine['id']}", headers=other), 404, "application_not_found")
    refused(client.post(f"/api/v1/applications/{mine['id']}/actions/withdraw", headers=other), 404,
            "application_not_found")
    reviewer = token(client, "reviewer_11")
    refused(client.post(f"/api/v1/applications/{mine['id']}/actions/submit", headers=reviewer), 403,
            "action_not_allowed")


@pytest.mark.parametrize("query", ["page=0", "page=abc", "page_size=1000", "page=99999999999999999999",
                                   "status=nonsense", "type=x"])
def test_bad_arguments_are_400(client, query):
    refused(client.get(f"/api/v1/applications/?{query}", headers=token(client, "reviewer")), 400, "invalid_request")


@pytest.mark.parametrize("body", [None, [], {"ids": "1"}, {"ids": []}, {"ids": [0]}, {"ids": [2**40]},
                                  {"ids": [1], "reason": 5}])
def test_bad_bulk_bodies_are_400(client, body):
    response = client.post("/api/v1/applications/actions/approve", json=body, headers=token(client, "reviewer"))
    refused(response, 400, "invalid_request")


def test_anonymous_gets_401(client):
    assert client.get("/api/v1/applications/").status_code == 401
