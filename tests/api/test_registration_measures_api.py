"""依职权注销 through the JSON API: reviewers only, the jurisdiction, the one error shape, the OpenAPI document."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models import Message, Physician, PracticeRegistration
from tests.conftest import PASSWORD
from tests.scope_data import add_scope_data


def token(client, username: str) -> dict:
    response = client.post("/api/v1/security/login", json={"username": username, "password": PASSWORD, "provider": "db"})
    assert response.status_code == 200, response.get_json()
    return {"Authorization": f"Bearer {response.get_json()['access_token']}"}


def refused(response, status: int, code: str) -> dict:
    body = response.get_json()
    assert response.status_code == status, body
    assert set(body) == {"code", "message", "params"} and body["code"] == code, body
    return body


def zhang_registration(app) -> int:
    with app.app_context():
        return db.session.scalar(select(PracticeRegistration.id).join(Physician).where(Physician.name == "张明"))


def test_cancel_through_the_api(app, client):
    add_scope_data(app)
    pk = zhang_registration(app)
    url = f"/api/v1/registrations/{pk}/cancel"
    reviewer = token(client, "reviewer_11")
    grounds = client.get("/api/v1/registrations/cancellation-grounds", headers=reviewer).get_json()["result"]
    assert [g["key"] for g in grounds][:3] == ["death", "criminal", "revoked"] and "死亡" in grounds[0]["label"]
    assert "请至少勾选" in refused(client.post(url, json={"grounds": []}, headers=reviewer), 400,
                                  "cancellation_ground_required")["message"]
    refused(client.post(url, json={"grounds": ["health"]}, headers=reviewer), 400, "cancellation_ground_unknown")
    refused(client.post(url, json={"grounds": ["other"]}, headers=reviewer), 400, "cancellation_note_required")
    refused(client.post(url, json={"grounds": "death"}, headers=reviewer), 400, "invalid_request")
    refused(client.post(url, data="garbage", headers=reviewer), 400, "invalid_request")
    refused(client.post(url, json={"grounds": ["death"]}, headers=token(client, "inst_admin")), 403, "forbidden")
    refused(client.post(url, json={"grounds": ["death"]}, headers=token(client, "physician")), 403, "forbidden")
    refused(client.post(url, json={"grounds": ["death"]}, headers=token(client, "reviewer_44")), 404,
            "registration_not_found")
    refused(client.post("/api/v1/registrations/999999/cancel", json={"grounds": ["death"]}, headers=reviewer), 404,
            "registration_not_found")
    done = client.post(url, json={"grounds": ["death"], "note": "死亡证明编号 110105-2026-001"}, headers=reviewer)
    body = done.get_json()
    assert done.status_code == 200, body
    assert body["status"] == "cancelled" and body["status_label"] == "已注销" and "死亡" in body["cancel_reason"]
    assert all(f["status"] == "ended" for f in body["filings"])
    with app.app_context():
        assert db.session.scalar(select(Message).where(Message.template == "registration_cancelled"))
    refused(client.post(url, json={"grounds": ["death"]}, headers=token(client, "reviewer")), 409,
            "registration_already_cancelled")
    shown = client.get(f"/api/v1/registration/{pk}", headers=reviewer).get_json()["result"]
    assert shown["status"] == "cancelled" and shown["cancel_reason"]


def test_the_openapi_document_describes_the_measure(client):
    spec = client.get("/api/v1/_openapi").get_json()
    operation = spec["paths"]["/api/v1/registrations/{registration_id}/cancel"]["post"]
    assert {"200", "400", "403", "404", "409"} <= set(operation["responses"])
    assert "get" in spec["paths"]["/api/v1/registrations/cancellation-grounds"]
